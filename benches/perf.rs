//! Benchmarks of issue 6 (P4, P5, P6, P8 and the decode throughput behind P2), run with
//! `cargo bench --bench perf`.
//!
//! First a summary with the percentiles the targets ask for (divan reports median and mean,
//! not p99), then the divan benchmarks. The data is the fake appliance's: pages rendered by
//! its own query engine and serializer, decoded by the client's decoder, so the rows, their
//! lengths and their quirks are what the program really handles.
//!
//! `KACE_BENCH_QUICK=1` shrinks the summary to a smoke run (CI compiles the benches only).

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kace_tui::api::query::Level;
use kace_tui::api::{CurrentUser, Machine, Role, decode};
use kace_tui::app::screens::MachineList;
use kace_tui::app::table::{Column, MachineTable, Sort};
use kace_tui::app::{App, AppOptions, Screen};
use kace_tui::fake::data::{Appliance, MACHINES_SCHEMA, MachinesView};
use kace_tui::fake::query::{self as fake_query, Dataset, ListBody};
use kace_tui::worker::Session;
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};

/// The machine page of the fake appliance: `limit` rows from `offset` with `level` shaping,
/// exactly the bytes its HTTP route sends.
fn fake_page(appliance: &Appliance, level: Level, limit: usize, offset: usize) -> Vec<u8> {
    let org = appliance
        .org_by_name("Default")
        .expect("the Default org")
        .clone();
    let rows = org.machines.len() as u32;
    let dataset: Arc<dyn Dataset> = Arc::new(MachinesView { org });
    let level = format!("{level:?}").to_lowercase();
    let raw = format!("shaping=machine%20{level}&paging=limit%20{limit}%20offset%20{offset}");
    let query =
        fake_query::Query::from_query_string(&MACHINES_SCHEMA, Some(&raw)).expect("a valid query");
    let selection = fake_query::select(dataset.as_ref(), &query, 0..rows, false);
    ListBody::new(dataset, Arc::new(query), selection).collect_all()
}

/// `count` machines as the TUI holds them (EXTENDED shaping, so the model column is filled;
/// typed fields only, like the list load),
/// decoded from the fake's pages of 1,000.
fn machines(count: usize) -> Vec<Machine> {
    let appliance = Appliance::generate(count, 42);
    let mut machines = Vec::with_capacity(count);
    for offset in (0..count).step_by(1000) {
        let body = fake_page(&appliance, Level::Extended, 1000, offset);
        let page =
            decode::machines_page_typed_only("bench", &body).expect("the fake's page decodes");
        machines.extend(page.items);
    }
    machines
}

/// 100,000 machines, decoded once for all the divan benchmarks.
fn machines_100k() -> &'static [Machine] {
    static MACHINES: std::sync::OnceLock<Vec<Machine>> = std::sync::OnceLock::new();
    MACHINES.get_or_init(|| machines(100_000))
}

fn table_of(machines: Vec<Machine>) -> MachineTable {
    let mut table = MachineTable::new(Sort::default());
    table.upsert(machines);
    table
}

/// A real `App` showing the machine list of `machines`, logged in, nothing loading.
fn app_with(machines: Vec<Machine>, size: (u16, u16)) -> App {
    let mut app = App::new(AppOptions {
        size,
        now: Some(kace_tui::api::Timestamp::now()),
        ..AppOptions::default()
    });
    app.session = Some(Session {
        server: "https://kace.example.com".into(),
        user: CurrentUser {
            id: 1,
            user_name: "admin".into(),
            full_name: "Administrator".into(),
            role: Role::Administrator,
        },
        organization: Some("Default".into()),
    });
    let mut list = MachineList::new("Default".into(), Sort::default(), 1);
    list.table.upsert(machines);
    list.load = None;
    list.complete = true;
    app.screens = vec![Screen::Machines(list)];
    app
}

/// `count` rows for the frame benchmarks: 10,000 real ones repeated under new ids (the frame
/// cost must not depend on the row count, so only the count varies). `extra` is dropped so a
/// million rows fit in memory; the list never draws it.
fn many_machines(base: &[Machine], count: usize) -> Vec<Machine> {
    (0..count)
        .map(|i| {
            let mut machine = base[i % base.len()].clone();
            machine.id = i as u64 + 1;
            machine.extra = Vec::new();
            machine
        })
        .collect()
}

fn list_mut(app: &mut App) -> &mut MachineList {
    match app.screens.last_mut() {
        Some(Screen::Machines(list)) => list,
        _ => unreachable!("the bench app shows the machine list"),
    }
}

/// The keystrokes of a person filtering: the filter text after each key (narrowing while it
/// grows, a full search after a backspace or a clear).
const TYPED_QUERIES: [&str; 5] = ["windows 11", "ws-fin-00", "10.0.1", "jdoe", "optiplex"];

fn keystrokes() -> Vec<String> {
    let mut texts = Vec::new();
    for query in TYPED_QUERIES {
        let chars: Vec<char> = query.chars().collect();
        for end in 1..=chars.len() {
            texts.push(chars[..end].iter().collect());
        }
        // A typo corrected: one backspace (not narrowing) and the key again.
        texts.push(chars[..chars.len() - 1].iter().collect());
        texts.push(query.to_string());
        texts.push(String::new());
    }
    texts
}

struct Stats {
    samples: Vec<Duration>,
}

impl Stats {
    fn new() -> Stats {
        Stats {
            samples: Vec::new(),
        }
    }

    fn time<T>(&mut self, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.samples.push(start.elapsed());
        out
    }

    fn percentile(&mut self, p: f64) -> f64 {
        self.samples.sort();
        let index = ((self.samples.len() as f64 - 1.0) * p).round() as usize;
        self.samples[index].as_secs_f64() * 1_000.0
    }

    fn report(&mut self, what: &str) {
        let (p50, p99) = (self.percentile(0.50), self.percentile(0.99));
        let max = self.percentile(1.0);
        println!(
            "{what:<52} p50 {p50:>8.3} ms  p99 {p99:>8.3} ms  max {max:>8.3} ms  (n={})",
            self.samples.len()
        );
    }
}

/// A writer that counts the bytes the terminal would receive.
#[derive(Clone, Default)]
struct CountingWriter {
    bytes: Arc<Mutex<usize>>,
}

impl CountingWriter {
    fn take(&self) -> usize {
        std::mem::take(&mut *self.bytes.lock().expect("not poisoned"))
    }
}

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        *self.bytes.lock().expect("not poisoned") += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn summary() {
    let quick = std::env::var_os("KACE_BENCH_QUICK").is_some();
    let rows = if quick { 10_000 } else { 100_000 };
    let rounds = if quick { 2 } else { 20 };
    println!("== issue 6 summary ({rows} rows; KACE_BENCH_QUICK shrinks it) ==");

    // Decode throughput of one 1,000-machine page.
    let appliance = Appliance::generate(1000, 42);
    // The TUI's list decodes only the typed fields (`Query::typed_fields_only`), the headless
    // export everything.
    type Decoder = fn(&str, &[u8]) -> Result<decode::Page<Machine>, kace_tui::api::ApiError>;
    let decoders: [(&str, Decoder); 2] = [
        ("", decode::machines_page),
        (" typed only", decode::machines_page_typed_only),
    ];
    for level in [Level::Standard, Level::Extended] {
        let body = fake_page(&appliance, level, 1000, 0);
        for (variant, decoder) in decoders {
            let mut stats = Stats::new();
            for _ in 0..rounds * 5 {
                let page = stats.time(|| decoder("bench", black_box(&body)));
                assert_eq!(page.expect("decodes").items.len(), 1000);
            }
            let p50 = stats.percentile(0.5);
            let mb_per_s = body.len() as f64 / 1e6 / (p50 / 1_000.0);
            stats.report(&format!(
                "decode 1,000 machines {level:?}{variant} ({} KB)",
                body.len() / 1024
            ));
            println!(
                "{:<52} {mb_per_s:.0} MB/s, {:.0} machines/ms",
                "",
                1000.0 / p50
            );
        }
    }

    let base = machines(rows);

    // P10 background: what the UI thread does per page while a load streams in.
    let mut stats = Stats::new();
    let mut streaming = MachineTable::new(Sort::default());
    for page in base.chunks(1000) {
        let page = page.to_vec();
        stats.time(|| streaming.upsert(page));
    }
    stats.report(&format!("upsert one 1,000-row page, up to {rows} rows"));
    let table = streaming;

    // P4: filter per keystroke.
    let mut stats = Stats::new();
    let mut filtering = table.clone();
    for _ in 0..rounds {
        for text in keystrokes() {
            stats.time(|| filtering.set_filter(black_box(&text)));
        }
    }
    stats.report(&format!("P4 filter per keystroke, {rows} rows"));

    // P5: sort by each column, cold (no cached permutation).
    let mut worst = 0.0f64;
    for column in Column::ALL {
        let mut stats = Stats::new();
        for _ in 0..rounds.min(10) {
            let mut fresh = table.clone();
            stats.time(|| fresh.sort_by(column));
        }
        worst = worst.max(stats.percentile(1.0));
        stats.report(&format!("P5 sort {rows} rows by {column:?} (cold)"));
    }
    println!("{:<52} worst {worst:.3} ms", "P5 sort, all columns");

    // P6: frame render at 200x50, the selection moving one row per frame.
    let frame_rows = if quick {
        vec![10_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    };
    for &count in &frame_rows {
        let mut app = app_with(many_machines(&base, count), (200, 50));
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
        let mut stats = Stats::new();
        for frame in 0..rounds * 50 {
            let list = list_mut(&mut app);
            list.table.move_by(if frame % 90 < 45 { 1 } else { -1 });
            list.table
                .scroll_to_selection(kace_tui::ui::list_rows((200, 50)));
            stats.time(|| {
                terminal
                    .draw(|f| kace_tui::ui::render(&app, f))
                    .expect("draw")
            });
        }
        stats.report(&format!("P6 frame 200x50, {count} rows, selection moves"));
    }

    // P8: bytes written to the terminal per frame.
    let mut app = app_with(many_machines(&base, 10_000), (200, 50));
    let writer = CountingWriter::default();
    let mut terminal =
        Terminal::new(CrosstermBackend::new(writer.clone())).expect("crossterm backend");
    terminal
        .resize(ratatui::layout::Rect::new(0, 0, 200, 50))
        .expect("resize");
    terminal
        .draw(|f| kace_tui::ui::render(&app, f))
        .expect("draw");
    let full = writer.take();
    let mut moves = Vec::new();
    for _ in 0..20 {
        list_mut(&mut app).table.move_by(1);
        terminal
            .draw(|f| kace_tui::ui::render(&app, f))
            .expect("draw");
        moves.push(writer.take());
    }
    terminal
        .draw(|f| kace_tui::ui::render(&app, f))
        .expect("draw");
    let unchanged = writer.take();
    let page = {
        let list = list_mut(&mut app);
        list.table.move_by(45);
        list.table
            .scroll_to_selection(kace_tui::ui::list_rows((200, 50)));
        terminal
            .draw(|f| kace_tui::ui::render(&app, f))
            .expect("draw");
        writer.take()
    };
    println!(
        "{:<52} first frame {full} B, selection move max {} B, page scroll {page} B, unchanged {unchanged} B",
        "P8 bytes per frame 200x50",
        moves.iter().max().copied().unwrap_or(0)
    );
    println!();
}

fn main() {
    summary();
    divan::main();
}

mod decode_page {
    use super::*;

    #[divan::bench(args = [Level::Standard, Level::Extended], sample_count = 30)]
    fn machines_page(bencher: divan::Bencher, level: Level) {
        let appliance = Appliance::generate(1000, 42);
        let body = fake_page(&appliance, level, 1000, 0);
        bencher
            .counter(divan::counter::BytesCount::new(body.len()))
            .bench(|| decode::machines_page("bench", black_box(&body)));
    }
}

mod filter_100k {
    use super::*;

    /// One whole typed query, key by key, from an empty filter.
    #[divan::bench(args = TYPED_QUERIES, sample_count = 10)]
    fn typed_query(bencher: divan::Bencher, query: &str) {
        let table = table_of(machines_100k().to_vec());
        let texts: Vec<String> = (1..=query.len()).map(|end| query[..end].into()).collect();
        bencher
            .with_inputs(|| table.clone())
            .bench_local_refs(|table| {
                for text in &texts {
                    table.set_filter(text);
                }
            });
    }
}

mod sort_100k {
    use super::*;

    #[divan::bench(args = Column::ALL, sample_count = 5)]
    fn cold(bencher: divan::Bencher, column: Column) {
        let table = table_of(machines_100k().to_vec());
        bencher
            .with_inputs(|| table.clone())
            .bench_local_refs(|table| table.sort_by(column));
    }
}

mod frame_200x50 {
    use super::*;

    #[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 50)]
    fn selection_moves(bencher: divan::Bencher, rows: usize) {
        let mut app = app_with(many_machines(&machines_100k()[..10_000], rows), (200, 50));
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
        let mut frame = 0usize;
        bencher.bench_local(|| {
            frame += 1;
            let table = &mut list_mut(&mut app).table;
            table.move_by(if frame % 90 < 45 { 1 } else { -1 });
            table.scroll_to_selection(kace_tui::ui::list_rows((200, 50)));
            terminal.draw(|f| kace_tui::ui::render(&app, f)).map(|_| ())
        });
    }
}
