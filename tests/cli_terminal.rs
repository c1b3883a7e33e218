//! The default output format follows where stdout goes: an aligned table on a terminal, JSON
//! lines when piped. The terminal is a real pseudo-terminal from util-linux `script` (part of
//! every Debian/Ubuntu base system), which exits when the command does.

mod cli_common;

use std::process::Command;

use cli_common::{Home, run};

const LIST: &str = "--demo machines list --limit 3 --columns name,ip";

#[test]
fn machines_list_prints_a_table_on_a_terminal_and_json_lines_when_piped() {
    let home = Home::new();
    let binary = env!("CARGO_BIN_EXE_kace-tui");
    let on_terminal = Command::new("script")
        .args(["-qec", &format!("{binary} {LIST}"), "/dev/null"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("COLUMNS", "80")
        .env_remove("KACE_TUI_CONFIG")
        .output()
        .expect("script (util-linux) runs");
    assert!(on_terminal.status.success(), "{on_terminal:?}");
    let table = String::from_utf8(on_terminal.stdout).expect("UTF-8");
    let lines: Vec<&str> = table.lines().map(str::trim_end).collect();
    assert_eq!(lines.len(), 4, "a header and three rows:\n{table}");
    assert!(lines[0].starts_with("Name"), "{table}");
    assert!(lines[0].contains("Ip"), "{table}");
    assert!(!table.contains('{'), "no JSON on a terminal:\n{table}");

    let piped = run(&mut home.kace(&LIST.split(' ').collect::<Vec<_>>()));
    assert_eq!(piped.code, 0, "{}", piped.stderr);
    let objects: Vec<serde_json::Value> = piped
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(objects.len(), 3);
    // The same machines, in the same order.
    for (row, object) in lines[1..].iter().zip(&objects) {
        let name = object["Name"].as_str().expect("Name");
        assert!(row.starts_with(name), "{row} / {name}");
    }
}
