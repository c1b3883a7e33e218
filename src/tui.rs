//! Terminal guard and event loop: the only place that touches the terminal.
//!
//! [`TerminalGuard`] enables raw mode, the alternate screen and bracketed paste and hides the
//! cursor (no mouse capture, no keyboard enhancement); [`restore`] undoes exactly that, once (an
//! `AtomicBool` under a lock), whether the program ends normally, with an error, with a panic
//! (the panic hook restores, prints the message and exits with 101: a panic on any thread is
//! fatal while the UI runs) or on a signal ([`watch`]: SIGTERM, SIGINT and SIGQUIT quit through
//! the loop, with a fallback after 500 ms; SIGHUP and a vanished terminal end the process at
//! once without writing to the terminal). A draw or flush that fails because the terminal is
//! gone (EIO, EPIPE) ends the loop the same quiet way.
//!
//! [`run`] is the event loop: it `select!`s over crossterm's `EventStream`, the worker's event
//! channel, a spinner timer that runs only while something loads, the flash-message deadline
//! and stop requests from [`watch`]. It drains everything queued, feeds it to [`update`], sends
//! the resulting commands, and draws once, only when something changed: no frames while idle.
//! Frames go through a 64 KiB `BufWriter`, so one frame is one or two writes.
//!
//! For the pseudo-terminal tests, debug builds know three hidden commands, `:debug-panic`,
//! `:debug-error` and `:debug-freeze` (see [`crate::app`]); release builds treat them as unknown
//! commands.

mod watch;

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use std::time::{Duration, Instant};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::MissedTickBehavior;

use crate::api::Timestamp;
use crate::app::{App, AppOptions, Cmd, Msg, Screen, update};
use crate::fake::FakeHandle;
use crate::logging::ms_since_start;
use crate::worker::{self, ApiEvent, LoginOutcome};

/// How often the spinner turns while something loads.
const SPINNER_INTERVAL: Duration = Duration::from_millis(100);

/// Loop iterations at least this long are logged ("busy iteration"): a key pressed meanwhile
/// waits that long before it is read.
const BUSY_LOG_MS: f64 = 1.0;

/// Whether the terminal is in TUI mode (so restore runs exactly once).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Held while restoring, so a second caller (the signal thread's fallback) waits for the first
/// to finish instead of exiting under it.
static RESTORING: Mutex<()> = Mutex::new(());
static PANIC_HOOK: Once = Once::new();

/// How the interactive program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The user quit.
    Quit,
    /// SIGTERM, SIGINT or SIGQUIT (this number) asked it to stop.
    Signal(i32),
    /// The terminal went away (stdin closed, or a write failed with EIO/EPIPE): nothing more
    /// was written to it.
    HangUp,
}

impl Ending {
    /// The process exit code: 0 after quitting, 128 + the signal number otherwise (a hang-up
    /// counts as SIGHUP), as a shell reports a process killed by that signal.
    pub fn exit_code(self) -> u8 {
        let code = match self {
            Ending::Quit => 0,
            Ending::Signal(signal) => 128 + signal,
            Ending::HangUp => watch::HANG_UP_EXIT_CODE,
        };
        u8::try_from(code).unwrap_or(1)
    }
}

/// What the interactive program starts with. The config/CLI layer fills `app` from flags,
/// environment and profile; `demo` holds the embedded demo appliance, which lives as long as
/// the UI.
#[derive(Debug)]
pub struct StartOptions {
    pub app: AppOptions,
    pub demo: Option<FakeHandle>,
}

/// The terminal in TUI mode; dropping it restores the terminal.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Raw mode, alternate screen, bracketed paste, hidden cursor; installs the panic hook.
    pub fn enter() -> io::Result<TerminalGuard> {
        PANIC_HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
                // A panic on any thread (a worker task, the demo appliance) leaves the UI in
                // an unknown state, and the terminal is already restored: end here.
                if watch::is_running() {
                    std::process::exit(101);
                }
            }));
        });
        setup()?;
        Ok(TerminalGuard { _private: () })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn setup() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        Hide
    )
}

/// Puts the terminal back as it was. Safe to call any number of times; only the first call
/// after [`TerminalGuard::enter`] does anything. Errors are ignored: there is nothing better
/// to do while exiting.
pub fn restore() {
    let _restoring = RESTORING.lock().unwrap_or_else(PoisonError::into_inner);
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(
            io::stdout(),
            DisableBracketedPaste,
            LeaveAlternateScreen,
            Show
        );
    }
}

/// The terminal is gone: [`restore`] must not write to it any more.
fn forget_terminal() {
    ACTIVE.store(false, Ordering::SeqCst);
}

/// Whether an I/O error means the terminal itself went away (a dropped SSH connection, a killed
/// terminal window): then there is nobody to restore anything for.
fn is_terminal_gone(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
        || matches!(
            error.raw_os_error(),
            Some(libc::EIO | libc::EPIPE | libc::ENXIO | libc::EBADF)
        )
}

/// Ctrl-z: give the terminal back, stop the process, and take the terminal again on `fg`.
fn suspend(terminal: &mut Terminal<CrosstermBackend<BufWriter<Stdout>>>) -> io::Result<()> {
    restore();
    // SAFETY: raise() only sends a signal to this process; SIGTSTP stops it until SIGCONT.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    setup()?;
    // Not `terminal.clear()`: it asks the terminal for the cursor position, and the event
    // stream's reader would swallow the answer. Clear the screen, then draw one blank frame so
    // the next frame is drawn in full.
    execute!(io::stdout(), Clear(ClearType::All))?;
    terminal.draw(|frame| frame.render_widget(ratatui::widgets::Clear, frame.area()))?;
    Ok(())
}

/// The demo: the embedded fake appliance, logged in as its administrator (who sees two
/// organizations, so the program lands on the organization picker).
pub fn demo_options(mut app: AppOptions) -> io::Result<StartOptions> {
    let fake = crate::fake::start(crate::fake::FakeConfig::default())?;
    app.settings.server = fake.base_url();
    app.user = Some("admin".to_string());
    app.password = Some("admin".into());
    app.org = None;
    Ok(StartOptions {
        app,
        demo: Some(fake),
    })
}

/// Runs the interactive program until the user quits, a signal stops it or the terminal goes
/// away. Must be called inside a Tokio runtime.
pub async fn run(options: StartOptions) -> io::Result<Ending> {
    let StartOptions {
        app: mut app_options,
        demo,
    } = options;
    let (commands, events) = worker::spawn();
    app_options.size = crossterm::terminal::size()?;
    app_options.now = Some(Timestamp::now());
    let mut app = App::new(app_options);
    let (stop, stop_requests) = unbounded_channel();
    // Before the terminal changes, so a signal at any later moment finds a way out.
    let _watching = watch::start(stop)?;
    let guard = TerminalGuard::enter()?;
    let backend = CrosstermBackend::new(BufWriter::with_capacity(64 << 10, io::stdout()));
    let mut terminal = Terminal::new(backend)?;
    let result = match terminal.clear() {
        Ok(()) => event_loop(&mut app, &mut terminal, &commands, events, stop_requests).await,
        Err(error) => Err(error),
    };
    let result = match result {
        Err(error) if is_terminal_gone(&error) => {
            tracing::warn!(%error, "the terminal went away");
            Ok(Ending::HangUp)
        }
        other => other,
    };
    if matches!(result, Ok(Ending::HangUp)) {
        forget_terminal();
        // Dropping the terminal would show the cursor and flush the frame buffer: a write to a
        // terminal that is gone, which can block.
        std::mem::forget(terminal);
    } else {
        // Before the guard, so its cursor handling lands on the alternate screen.
        drop(terminal);
    }
    drop(guard);
    drop(demo);
    result
}

async fn event_loop(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<BufWriter<Stdout>>>,
    commands: &UnboundedSender<worker::Cmd>,
    mut events: worker::Events,
    mut stop_requests: UnboundedReceiver<Ending>,
) -> io::Result<Ending> {
    let mut input = EventStream::new();
    let mut spinner = tokio::time::interval(SPINNER_INTERVAL);
    spinner.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut pending: Vec<Msg> = Vec::new();
    let mut quit = execute(app.start(), commands, terminal)?;
    let mut dirty = true;
    let mut timeline = Timeline::default();
    // When the loop last woke up with work, to log iterations long enough to delay a key.
    let mut woke: Option<Instant> = None;
    while !quit {
        if dirty {
            terminal.draw(|frame| crate::ui::render(app, frame))?;
            dirty = false;
            timeline.frame_drawn(app);
        }
        if let Some(woke) = woke.take() {
            timeline.iteration_done(woke);
        }
        let busy = app.is_busy();
        // Flash expiry and relative ages: wake only when the screen would change.
        let clock_due = app.clock_deadline();
        let clock_wait = clock_due.map(|until| {
            let seconds = until.0.saturating_sub(Timestamp::now().0).max(0);
            Duration::from_secs(seconds as u64)
        });
        tokio::select! {
            event = input.next() => match event {
                Some(Ok(event)) => pending.extend(terminal_msg(event, &mut timeline)),
                Some(Err(error)) => return Err(error),
                None => return Ok(Ending::HangUp), // stdin closed: nobody is there any more
            },
            Some(event) = events.recv() => pending.push(Msg::Api(event)),
            _ = spinner.tick(), if busy => pending.push(Msg::Tick { now: Timestamp::now() }),
            _ = tokio::time::sleep(clock_wait.unwrap_or_default()), if clock_wait.is_some() => {
                pending.push(Msg::Clock { now: Timestamp::now() });
            }
            Some(ending) = stop_requests.recv() => return Ok(ending),
        }
        woke = Some(Instant::now());
        // Drain whatever else is already queued, then draw once; but take at most one more page
        // of machines: merging one costs milliseconds at 100,000 rows, and a key pressed
        // meanwhile must not wait for a whole burst of them.
        while let Ok(event) = events.try_recv() {
            let page = matches!(event, ApiEvent::MachinesPage { .. });
            pending.push(Msg::Api(event));
            if page {
                break;
            }
        }
        // Polled inside select! so the stream keeps this task's waker (crossterm's EventStream
        // only registers the waker of the first pending poll; `now_or_never` would lose it).
        loop {
            tokio::select! {
                biased;
                event = input.next() => match event {
                    Some(Ok(event)) => pending.extend(terminal_msg(event, &mut timeline)),
                    _ => break,
                },
                () = std::future::ready(()) => break,
            }
        }
        if pending.is_empty() {
            continue;
        }
        let had_flash = app.flash.is_some();
        update(
            app,
            Msg::Clock {
                now: Timestamp::now(),
            },
        );
        dirty |= had_flash != app.flash.is_some();
        for msg in pending.drain(..) {
            let is_clock = matches!(msg, Msg::Clock { .. });
            let had_flash = app.flash.is_some();
            let done = match &msg {
                Msg::Api(event) => {
                    timeline.api_event(event);
                    matches!(event, ApiEvent::MachinesDone { .. }).then_some(event.id())
                }
                _ => None,
            };
            let cmds = update(app, msg);
            if let Some(id) = done {
                timeline.all_rows_loaded(id, app);
            }
            dirty |= !is_clock || had_flash != app.flash.is_some();
            quit |= execute(cmds, commands, terminal)?;
        }
        dirty |= clock_due.is_some_and(|due| app.now >= due);
    }
    Ok(Ending::Quit)
}

/// The performance milestones, logged at debug level with milliseconds since process start
/// (`scripts/bench.sh` reads them; see docs/PERFORMANCE.md). Each one-off milestone is logged
/// once per process.
#[derive(Debug, Default)]
struct Timeline {
    login_done: bool,
    first_page: bool,
    first_rows_frame: bool,
    frames: u64,
    /// When the oldest key not yet answered by a frame was read.
    key_read: Option<Instant>,
    keys_waiting: usize,
}

impl Timeline {
    fn key_read(&mut self) {
        self.key_read.get_or_insert_with(Instant::now);
        self.keys_waiting += 1;
    }

    /// Called just before `update` applies `event`.
    fn api_event(&mut self, event: &ApiEvent) {
        match event {
            ApiEvent::Login {
                outcome: LoginOutcome::LoggedIn(_),
                ..
            }
            | ApiEvent::TwoFactorVerified { .. }
                if !self.login_done =>
            {
                self.login_done = true;
                tracing::debug!(ms = ms_since_start(), "login done");
            }
            ApiEvent::MachinesPage { progress, .. } if !self.first_page => {
                self.first_page = true;
                tracing::debug!(ms = ms_since_start(), rows = progress.loaded, "first page");
            }
            _ => {}
        }
    }

    /// Called just after `update` applied the `MachinesDone` of load `id`: every row is in the
    /// table and filterable.
    fn all_rows_loaded(&self, id: worker::RequestId, app: &App) {
        tracing::debug!(
            ms = ms_since_start(),
            load = id,
            rows = machine_total(app),
            "all rows loaded"
        );
    }

    /// Called when the work one wake-up brought (update and frame) is done. A key that arrives
    /// meanwhile waits for it before it is even read, so long ones are logged.
    fn iteration_done(&self, woke: Instant) {
        let busy_ms = woke.elapsed().as_secs_f64() * 1_000.0;
        if busy_ms >= BUSY_LOG_MS {
            tracing::debug!(ms = ms_since_start(), busy_ms, "busy iteration");
        }
    }

    /// Called after a frame has been flushed to the terminal.
    fn frame_drawn(&mut self, app: &App) {
        self.frames += 1;
        tracing::debug!(frame = self.frames, "frame drawn");
        if !self.first_rows_frame && machine_rows(app) > 0 {
            self.first_rows_frame = true;
            tracing::debug!(
                ms = ms_since_start(),
                rows = machine_rows(app),
                "first frame with rows"
            );
        }
        if let Some(read) = self.key_read.take() {
            tracing::debug!(
                ms = ms_since_start(),
                latency_ms = read.elapsed().as_secs_f64() * 1_000.0,
                keys = std::mem::take(&mut self.keys_waiting),
                "key to frame"
            );
        }
    }
}

/// Machine rows on screen now (the top screen is the machine list), for the milestones.
fn machine_rows(app: &App) -> usize {
    match app.screen() {
        Some(Screen::Machines(list)) => list.table.visible_count(),
        _ => 0,
    }
}

/// Machine rows loaded in the list on top (filtered or not), for the milestones.
fn machine_total(app: &App) -> usize {
    match app.screen() {
        Some(Screen::Machines(list)) => list.table.total(),
        _ => 0,
    }
}

/// The message for a terminal event, if it means anything to the app.
fn terminal_msg(event: Event, timeline: &mut Timeline) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            timeline.key_read();
            Some(Msg::Key(key))
        }
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}

/// Carries out `update`'s commands; returns whether to quit.
fn execute(
    cmds: Vec<Cmd>,
    commands: &UnboundedSender<worker::Cmd>,
    terminal: &mut Terminal<CrosstermBackend<BufWriter<Stdout>>>,
) -> io::Result<bool> {
    let mut quit = false;
    for cmd in cmds {
        match cmd {
            Cmd::Worker(cmd) => {
                if commands.send(cmd).is_err() {
                    tracing::error!("the background worker has stopped");
                    quit = true;
                }
            }
            Cmd::Quit => quit = true,
            Cmd::Suspend => suspend(terminal)?,
            Cmd::Fail(reason) => return Err(io::Error::other(reason)),
        }
    }
    terminal.backend_mut().flush()?;
    Ok(quit)
}
