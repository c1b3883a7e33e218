//! The README's examples work as written: the curl session against the fake appliance, and
//! every headless command that runs on the embedded demo appliance (`--demo`). The commands
//! are read from README.md itself, so the README cannot drift from what the program does.

mod cli_common;

use std::process::Command;

use cli_common::{Home, run};
use kace_tui::fake::{self, FakeConfig};
use serde_json::Value;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// The shell commands of the README's ```sh block that contains `marker`, with continued
/// lines joined and trailing comments dropped.
fn shell_block(readme: &str, marker: &str) -> Vec<String> {
    let block = readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("no ```sh block with {marker:?} in README.md"));
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in block.lines() {
        let line = line.trim();
        match line.strip_suffix('\\') {
            Some(continued) => current.push_str(continued),
            None => {
                current.push_str(line);
                let command = match current.split_once("  #") {
                    Some((command, _comment)) => command.trim().to_string(),
                    None => current.trim().to_string(),
                };
                if !command.is_empty() {
                    commands.push(command);
                }
                current.clear();
            }
        }
    }
    commands
}

#[test]
fn the_readme_curl_session_logs_in_and_lists_machines() {
    let curl = Command::new("curl").arg("--version").output();
    assert!(
        curl.is_ok_and(|output| output.status.success()),
        "curl is needed: the README's example uses it (.ci/run installs it)"
    );
    let commands = shell_block(&readme(), "demo-server --port 8080");
    let curls: Vec<&String> = commands.iter().filter(|c| c.starts_with("curl ")).collect();
    assert_eq!(curls.len(), 2, "log in, then list: {commands:?}");

    // The same appliance `demo-server` serves by default, on a free port instead of 8080.
    let server = fake::start(FakeConfig::default()).expect("the fake appliance starts");
    let host = server.base_url().trim_start_matches("http://").to_string();
    let jar = tempfile::tempdir().expect("a directory for the cookie jar");
    let outputs: Vec<String> = curls
        .iter()
        .map(|command| {
            let command = command.replace("127.0.0.1:8080", &host);
            let output = Command::new("sh")
                .args(["-c", &command])
                .current_dir(jar.path())
                .output()
                .expect("sh runs");
            assert!(output.status.success(), "{command}: {output:?}");
            String::from_utf8(output.stdout).expect("UTF-8 answer")
        })
        .collect();

    let login: Value = serde_json::from_str(&outputs[0]).expect("the login answers JSON");
    assert_eq!(login["Result"], "Success");
    let list: Value = serde_json::from_str(&outputs[1]).expect("the listing answers JSON");
    assert_eq!(list["Count"], 1_200);
    let machines = list["Machines"].as_array().expect("Machines");
    assert_eq!(machines.len(), 10);
    for machine in machines {
        let keys: Vec<&String> = machine.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["Id", "Name"], "limited shaping");
    }
    assert_eq!(server.faults().stats().logins, 1);
}

#[test]
fn the_readme_demo_commands_run() {
    let commands = shell_block(&readme(), "kace-tui --demo machines");
    let demo: Vec<&String> = commands
        .iter()
        .filter(|c| c.starts_with("kace-tui --demo "))
        .collect();
    assert!(demo.len() >= 2, "{commands:?}");
    let home = Home::new();
    for command in demo {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let outcome = run(&mut home.kace(&args));
        assert_eq!(outcome.code, 0, "{command}: {}", outcome.stderr);
        assert!(
            !outcome.stdout.trim().is_empty(),
            "{command} printed nothing"
        );
    }
}
