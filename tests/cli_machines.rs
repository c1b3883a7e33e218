//! `machines list`, `machines get` and `orgs` against the fake appliance, every output format
//! parsed back and compared with what the appliance itself sends.

mod cli_common;

use std::collections::HashMap;

use cli_common::{Home, Outcome, Raw, assert_same_machine, parse_csv, run, start_fake};
use serde_json::{Map, Value};

/// Enough machines for the fixed ones (42, the hostile 90 to 96, the manual 100) and paging.
const MACHINES: usize = 260;

struct Setup {
    home: Home,
    fake: kace_tui::fake::FakeHandle,
}

impl Setup {
    fn new() -> Setup {
        Setup {
            home: Home::new(),
            fake: start_fake(MACHINES),
        }
    }

    /// `kace-tui --server URL --user admin <args>` with the password in the environment and a
    /// small page size, so that listings take several pages.
    fn kace(&self, args: &[&str]) -> Outcome {
        self.home.write_config(&format!(
            "[profiles.test]\nserver = \"{}\"\nuser = \"admin\"\npage_size = 50\n",
            self.fake.base_url()
        ));
        let mut all = vec!["--profile", "test"];
        all.extend_from_slice(args);
        run(self
            .home
            .kace(&all)
            .env("KACE_PASSWORD", "admin")
            .env("COLUMNS", "100"))
    }

    fn raw(&self) -> Raw {
        Raw::login(&self.fake.base_url(), "admin", "admin")
    }
}

fn jsonl(outcome: &Outcome) -> Vec<Map<String, Value>> {
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    outcome
        .stdout
        .lines()
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(object)) => object,
            other => panic!("not a JSON object line: {line:?}: {other:?}"),
        })
        .collect()
}

fn ids(machines: &[Map<String, Value>]) -> Vec<String> {
    machines
        .iter()
        .map(|m| m["Id"].as_str().expect("Id is a string").to_string())
        .collect()
}

fn has_terminal_controls(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
        || text.contains(['\u{202e}', '\u{200b}', '\u{9b}'])
}

#[test]
fn jsonl_is_every_machine_as_the_appliance_sends_it() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["machines", "list", "--output", "jsonl"]));
    let raw = setup.raw().machines("");
    assert_eq!(printed.len(), MACHINES);
    assert_eq!(ids(&printed), ids(&raw), "same machines in the same order");
    for (printed, raw) in printed.iter().zip(&raw) {
        assert_same_machine(printed, raw);
    }
}

#[test]
fn json_keeps_hostile_strings_raw_and_escaped() {
    let setup = Setup::new();
    let outcome = setup.kace(&["machines", "list", "--output", "json"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(
        !has_terminal_controls(&outcome.stdout),
        "JSON must escape what acts on a terminal"
    );
    let printed: Vec<Value> = serde_json::from_str(&outcome.stdout).expect("one JSON array");
    let raw: HashMap<String, Map<String, Value>> = setup
        .raw()
        .machines("")
        .into_iter()
        .map(|m| (m["Id"].as_str().unwrap().to_string(), m))
        .collect();
    assert_eq!(printed.len(), raw.len());
    for machine in &printed {
        let machine = machine.as_object().expect("objects");
        let id = machine["Id"].as_str().unwrap();
        assert_same_machine(machine, &raw[id]);
    }
    let name_of = |id: &str| {
        printed
            .iter()
            .find(|m| m["Id"] == id)
            .map(|m| m["Name"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(
        name_of("90").contains('\u{1b}'),
        "the ESC survives, escaped"
    );
    assert!(name_of("91").contains('\u{202e}'));
    assert!(name_of("95").contains("\r\n\t"));
    assert_eq!(name_of("94").len(), 2_048);
}

#[test]
fn csv_has_a_header_and_rfc_4180_rows() {
    let setup = Setup::new();
    let outcome = setup.kace(&["machines", "list", "--output", "csv"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let records = parse_csv(&outcome.stdout);
    let (header, rows) = records.split_first().expect("a header");
    assert_eq!(&header[..4], ["Id", "Name", "Ip", "Os_name"]);
    let raw = setup.raw().machines("");
    assert_eq!(rows.len(), raw.len());
    for (row, raw) in rows.iter().zip(&raw) {
        assert_eq!(row.len(), header.len());
        let printed: Map<String, Value> = header
            .iter()
            .zip(row)
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        assert_same_machine(&printed, raw);
    }
    let hostile = rows.iter().find(|row| row[0] == "95").expect("machine 95");
    assert_eq!(hostile[1], "WS-CTRL\u{0}\u{7}\u{8}\r\n\t\u{7f}-0095");
}

#[test]
fn the_table_fits_the_terminal_and_shows_no_control_characters() {
    let setup = Setup::new();
    let outcome = setup.kace(&["machines", "list", "--output", "table"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        MACHINES + 1,
        "a header and one line per machine"
    );
    assert!(lines[0].starts_with("Id"), "{}", lines[0]);
    assert!(!has_terminal_controls(&outcome.stdout));
    for line in &lines {
        assert!(
            kace_tui::sanitize::display_width(line) <= 100,
            "wider than COLUMNS: {line}"
        );
    }
    let row_42 = lines.iter().find(|line| line.starts_with("42 ")).unwrap();
    assert!(row_42.contains("WS-FIN-0042") && row_42.contains("10.20.30.42"));
    let row_90 = lines.iter().find(|line| line.starts_with("90 ")).unwrap();
    assert!(row_90.contains("RED"), "{row_90}");
}

#[test]
fn filters_go_to_the_appliance_and_all_must_match() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&[
        "machines",
        "list",
        "--filter",
        "os_name co Windows",
        "--filter",
        "id lt 120",
    ]));
    let expected: Vec<String> = ids(&setup.raw().machines(""))
        .into_iter()
        .zip(setup.raw().machines(""))
        .filter(|(id, machine)| {
            id.parse::<u64>().unwrap() < 120
                && machine["Os_name"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains("windows")
        })
        .map(|(id, _)| id)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&printed), expected);
}

#[test]
fn sort_and_limit_follow_the_appliance() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["machines", "list", "--sort", "name desc", "--limit", "25"]));
    let raw = setup.raw().machines("sorting=name%20desc");
    assert_eq!(printed.len(), 25);
    assert_eq!(ids(&printed), ids(&raw[..25]));
    let ascending = jsonl(&setup.kace(&["machines", "list", "--sort", "last_sync"]));
    assert_eq!(
        ids(&ascending),
        ids(&setup.raw().machines("sorting=last_sync%20asc"))
    );
}

#[test]
fn search_matches_name_ip_user_and_os_like_the_tui() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["machines", "list", "--search", "jdoe"]));
    let expected: Vec<String> = setup
        .raw()
        .machines("")
        .into_iter()
        .filter(|machine| {
            ["Name", "Ip", "User", "Os_name"].iter().any(|key| {
                machine
                    .get(*key)
                    .and_then(Value::as_str)
                    .is_some_and(|value| value.to_lowercase().contains("jdoe"))
            })
        })
        .map(|machine| machine["Id"].as_str().unwrap().to_string())
        .collect();
    assert!(expected.len() >= 3, "jdoe owns several machines");
    assert!(expected.contains(&"42".to_string()));
    assert_eq!(ids(&printed), expected);

    let limited = jsonl(&setup.kace(&["machines", "list", "--search", "jdoe", "--limit", "2"]));
    assert_eq!(ids(&limited), expected[..2]);
}

/// `--search` keeps exactly the rows the TUI's `/` filter keeps, also for a model (an
/// EXTENDED field), a targeted column, smart case and hostile characters as they are shown.
#[test]
fn search_keeps_what_the_tui_table_keeps() {
    use kace_tui::api::decode;
    use kace_tui::app::table::{MachineTable, Sort};
    let setup = Setup::new();
    let body = setup
        .raw()
        .get("/api/inventory/machines?shaping=machine%20extended&paging=limit%20ALL");
    let machines = decode::machines_page("test", body.to_string().as_bytes())
        .expect("the appliance's own answer decodes")
        .items;
    let mut table = MachineTable::new(Sort::default());
    table.upsert(machines.clone());
    for query in [
        "elitebook",
        "model:EliteBook",
        "!windows",
        "name:␛",
        "ws-fin-0042",
        "\u{1b}",
    ] {
        table.set_filter(query);
        // In arrival order, as the CLI prints them.
        let kept: std::collections::HashSet<u64> =
            table.window(0, usize::MAX).map(|m| m.id).collect();
        let expected: Vec<String> = machines
            .iter()
            .filter(|m| kept.contains(&m.id))
            .map(|m| m.id.to_string())
            .collect();
        let raw_escape = query.contains('\u{1b}');
        assert!(
            raw_escape != (!expected.is_empty() && expected.len() < machines.len()),
            "{query:?} keeps a real subset (a raw escape matches nothing: rows are searched as shown)"
        );
        let printed = jsonl(&setup.kace(&["machines", "list", "--search", query]));
        assert_eq!(ids(&printed), expected, "--search {query:?}");
    }
}

#[test]
fn columns_choose_and_order_the_fields() {
    let setup = Setup::new();
    let outcome = setup.kace(&[
        "machines",
        "list",
        "--columns",
        "name,ip,ram total",
        "--output",
        "csv",
    ]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let records = parse_csv(&outcome.stdout);
    assert_eq!(records[0], ["Name", "Ip", "Ram Total"]);
    let row_42 = records.iter().find(|row| row[0] == "WS-FIN-0042").unwrap();
    assert_eq!(row_42[1], "10.20.30.42");

    let full = jsonl(&setup.kace(&["machines", "list", "--columns", "id,mac", "--limit", "3"]));
    assert!(
        full.iter()
            .all(|m| m["Mac"].as_str().is_some_and(|mac| !mac.is_empty()))
    );
}

#[test]
fn get_by_id_prints_every_field_and_the_software() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["machines", "get", "42", "--software", "--output", "json"]));
    assert_eq!(printed.len(), 1);
    let machine = &printed[0];
    assert_eq!(machine["Name"], "WS-FIN-0042");
    let raw = setup
        .raw()
        .get("/api/inventory/machines/42?shaping=machine%20all,software%20standard");
    let raw_machine = raw["Machines"][0].as_object().expect("one machine").clone();
    let raw_software = raw_machine["Software"].as_array().unwrap().clone();
    let mut without_software = raw_machine.clone();
    without_software.remove("Software");
    let mut printed_fields = machine.clone();
    let software = printed_fields
        .remove("Software")
        .expect("Software with --software");
    assert_same_machine(&printed_fields, &without_software);
    let software = software.as_array().unwrap();
    assert_eq!(software.len(), raw_software.len());
    let names: Vec<&Value> = software.iter().map(|s| &s["DISPLAY_NAME"]).collect();
    let raw_names: Vec<&Value> = raw_software.iter().map(|s| &s["DISPLAY_NAME"]).collect();
    assert_eq!(names, raw_names);
}

#[test]
fn get_by_name_ignores_case() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["machines", "get", "ws-fin-0042", "--output", "jsonl"]));
    assert_eq!(printed[0]["Id"], "42");
    assert!(printed[0].get("Software").is_none());
}

#[test]
fn get_of_a_name_two_machines_share_lists_the_candidates_and_exits_4() {
    use kace_tui::fake::data::{REIMAGED_IDS, REIMAGED_NAME};
    let setup = Setup::new();
    let outcome = setup.kace(&["machines", "get", &REIMAGED_NAME.to_lowercase()]);
    assert_eq!(outcome.code, 4, "{}", outcome.stderr);
    assert!(outcome.stdout.is_empty(), "{}", outcome.stdout);
    let (message, hint) = outcome
        .stderr
        .split_once('\n')
        .expect("a message line and a hint");
    assert!(
        message.starts_with(&format!(
            "kace-tui: 2 machines are named \"{}\"",
            REIMAGED_NAME.to_lowercase()
        )),
        "{message}"
    );
    let default = &setup.fake.appliance().orgs[0];
    for id in REIMAGED_IDS {
        let machine = &default.machines[default.row_of(id).unwrap() as usize];
        assert!(
            message.contains(&format!("{REIMAGED_NAME} (id {id}, {})", machine.ip)),
            "{message}"
        );
    }
    assert!(hint.contains("machines get ID"), "{hint}");

    // Either one by its id.
    let printed = jsonl(&setup.kace(&["machines", "get", "80", "--output", "jsonl"]));
    assert_eq!(printed[0]["Name"], REIMAGED_NAME);
}

#[test]
fn get_of_a_missing_machine_exits_4() {
    let setup = Setup::new();
    for missing in ["999999", "no-such-machine", "WS-FIN-004"] {
        let outcome = setup.kace(&["machines", "get", missing]);
        assert_eq!(outcome.code, 4, "{missing}: {}", outcome.stderr);
        assert!(outcome.stdout.is_empty());
        assert!(
            outcome.stderr.starts_with("kace-tui: no machine"),
            "{}",
            outcome.stderr
        );
    }
}

#[test]
fn get_as_a_table_is_sanitized() {
    let setup = Setup::new();
    let outcome = setup.kace(&["machines", "get", "90", "--output", "table"]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(!has_terminal_controls(&outcome.stdout));
    assert!(outcome.stdout.contains("RED"));
}

#[test]
fn orgs_lists_what_the_account_can_see() {
    let setup = Setup::new();
    let printed = jsonl(&setup.kace(&["orgs"]));
    let names: Vec<&str> = printed
        .iter()
        .map(|o| o["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Default", "Lab"]);
    let table = setup.kace(&["orgs", "--output", "table"]);
    assert!(table.stdout.starts_with("ID"));
    assert_eq!(table.stdout.lines().count(), 3);
}

#[test]
fn the_demo_flag_needs_no_server() {
    let home = Home::new();
    let outcome = run(&mut home.kace(&[
        "--demo",
        "machines",
        "get",
        "WS-FIN-0042",
        "--output",
        "json",
    ]));
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let machine: Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(machine["Id"], "42");
}

#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    use std::io::{BufRead, BufReader};
    let home = Home::new();
    // Far more output than a pipe holds, so the listing is still writing when the reader goes.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kace-tui"))
        .args(["--demo", "machines", "list", "--output", "jsonl"])
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("{\"Id\":"), "{first}");
    // The reader is dropped here, like `| head -1`.
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
