//! The TUI's `/` filter and the headless `--search` share one matcher ([`Filter`]): the table
//! answers from its pre-lowered search text (and narrows while the user types), the CLI asks
//! [`Filter::matches`] machine by machine. This test proves both give the same rows for the
//! demo data, hostile strings included, over many queries.

mod common;

use std::collections::BTreeSet;

use common::{credentials, settings, start_fake};
use kace_tui::api::query::Level;
use kace_tui::api::{Client, Machine, Query};
use kace_tui::app::table::{Filter, MachineTable, Sort};
use kace_tui::fake::FakeConfig;
use kace_tui::fake::data::{HOSTILE_IDS, REIMAGED_IDS, WS_FIN_0042_ID};
use kace_tui::sanitize::for_display;

async fn demo_machines() -> Vec<Machine> {
    let server = start_fake(FakeConfig::default());
    let client = Client::new(settings(&server)).unwrap();
    client.login(credentials("admin", None)).await.unwrap();
    // The TUI's list query: EXTENDED, so the model column is filled too.
    let query = Query::new().shape("machine", Level::Extended).page(0, 0);
    client.machines_page(&query).await.unwrap().items
}

/// Fixed queries: prefixes, inversion, smart case, hostile characters raw and as shown.
const FIXED: &[&str] = &[
    "",
    "!",
    ":",
    "ws",
    "WS",
    "ws-fin",
    "!ws",
    "!WS-",
    "name:kiosk",
    "NAME:KIOSK",
    "host:srv",
    "ip:10.16",
    "ip:,",
    "os:windows",
    "os:Windows 11",
    "user:jdoe",
    "!user:jdoe",
    "model:hp",
    "model:EliteBook",
    "unknown:value",
    "red",
    "RED",
    "\u{1b}",
    "␛",
    "␛[31m",
    "\u{202e}",
    "exe.fdp",
    "fdp.exe",
    "\u{200b}",
    "ws-fin-0042",
    "ws-fin\u{200b}-0042",
    "工作站",
    "東京-🖥️",
    "🖥",
    "山田",
    "…",
    "\u{1f}",
    "0042\u{1f}10.20",
    "fe80",
    " ",
    "10.",
    "ubuntu",
    "macos",
];

/// Queries cut from the shown values of interesting machines: every short window, in the
/// value's case (smart case then matches case-sensitively) and lower-cased, plain and aimed at
/// a column (inversion is in [`FIXED`]).
fn derived(machines: &[Machine]) -> Vec<String> {
    let interesting = |id: u64| {
        HOSTILE_IDS.contains(&(id as u32))
            || REIMAGED_IDS.contains(&(id as u32))
            || id == u64::from(WS_FIN_0042_ID)
    };
    let mut queries = BTreeSet::new();
    for machine in machines.iter().filter(|m| interesting(m.id)) {
        for (prefix, value) in [
            ("name:", &machine.name),
            ("ip:", &machine.ip),
            ("os:", &machine.os_name),
            ("user:", &machine.user),
            ("model:", &machine.model),
        ] {
            let shown: Vec<char> = for_display(value).chars().take(24).collect();
            for start in (0..shown.len()).step_by(5) {
                for len in [1, 4] {
                    let Some(window) = shown.get(start..start + len) else {
                        continue;
                    };
                    let window: String = window.iter().collect();
                    for needle in [window.clone(), window.to_lowercase()] {
                        queries.insert(format!("{prefix}{needle}"));
                        queries.insert(needle);
                    }
                }
            }
        }
    }
    queries.into_iter().collect()
}

fn sorted_ids<'a>(machines: impl Iterator<Item = &'a Machine>) -> Vec<u64> {
    let mut ids: Vec<u64> = machines.map(|m| m.id).collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn the_table_and_the_headless_search_keep_the_same_machines() {
    let machines = demo_machines().await;
    assert!(machines.len() > 1_000);
    let hostile = machines
        .iter()
        .filter(|m| HOSTILE_IDS.contains(&(m.id as u32)))
        .count();
    assert_eq!(
        hostile,
        HOSTILE_IDS.count(),
        "the hostile machines are there"
    );

    let mut queries: Vec<String> = FIXED.iter().map(|q| q.to_string()).collect();
    queries.extend(derived(&machines));
    assert!(queries.len() > 200, "{}", queries.len());

    let mut table = MachineTable::new(Sort::default());
    table.upsert(machines.clone());
    let mut kept_something = 0;
    for query in &queries {
        let filter = Filter::parse(query);
        let expected = sorted_ids(machines.iter().filter(|m| filter.matches(m)));
        kept_something += usize::from(!expected.is_empty() && expected.len() < machines.len());

        // The table searching every row.
        table.set_filter("");
        table.set_filter(query);
        assert_eq!(
            sorted_ids(table.window(0, usize::MAX)),
            expected,
            "whole-table search for {query:?}"
        );

        // The table narrowing as the query is typed character by character.
        table.set_filter("");
        let mut text = String::new();
        for c in query.chars() {
            text.push(c);
            table.set_filter(&text);
        }
        assert_eq!(
            sorted_ids(table.window(0, usize::MAX)),
            expected,
            "typed search for {query:?}"
        );
    }
    assert!(
        kept_something > queries.len() / 2,
        "most queries select a real subset ({kept_something} of {})",
        queries.len()
    );
}
