//! Signals and the hang-up watchdog: the parts of terminal hygiene that cannot wait for the
//! event loop.
//!
//! - SIGTERM, SIGINT and SIGQUIT (from `kill`; in raw mode Ctrl-c is a key, not SIGINT) ask the
//!   event loop to quit, and it restores the terminal on its way out. If the process is still
//!   there [`GRACE`] later (the loop is stuck), this thread restores the terminal itself and
//!   exits with 128 + the signal number.
//! - SIGHUP, or the watchdog finding the terminal gone (an SSH connection dropped, the tmux pane
//!   killed, SIGHUP ignored by `nohup` or a wrapper): forget the terminal, so nothing more is
//!   written to it (a write could fail or block), and `_exit(129)` at once.
//!
//! Why a watchdog: crossterm 0.29's input reader spins at 100% CPU on a hung-up terminal and its
//! poll timeouts never fire (crossterm#793, #1110). That reader runs on a thread of its own (the
//! `EventStream` waker thread), so it cannot starve the event loop, but the loop would never
//! learn that the terminal is gone. The watchdog blocks in poll(2) on stdin and stdout asking for
//! no events: the kernel still reports POLLHUP/POLLERR, and closing the other end of a pty wakes
//! every waiter, so a dropped connection is seen at once. The timeout ([`WATCHDOG_INTERVAL`])
//! bounds the other cases: each round also checks that stdin and stdout are still terminals
//! (after a hang-up, tcgetattr fails with EIO).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, PoisonError};
use std::thread;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;
use tokio::sync::mpsc::UnboundedSender;

use super::Ending;

/// How long the event loop gets to end by itself after SIGTERM, SIGINT or SIGQUIT.
pub const GRACE: Duration = Duration::from_millis(500);

/// The longest a hang-up can go unnoticed when no wake-up reaches the watchdog.
const WATCHDOG_INTERVAL: Duration = Duration::from_millis(200);

/// The exit code after a hang-up (128 + SIGHUP, as if the signal had killed us).
pub const HANG_UP_EXIT_CODE: i32 = 128 + SIGHUP;

/// Where stop requests go while the event loop runs.
static EVENT_LOOP: Mutex<Option<UnboundedSender<Ending>>> = Mutex::new(None);
/// Whether the event loop runs (the watchdog acts only then).
static RUNNING: AtomicBool = AtomicBool::new(false);
static THREADS: Once = Once::new();

/// While this lives, signals and hang-ups are routed to the event loop (or end the process).
pub struct Watching {
    _private: (),
}

/// Starts routing SIGTERM, SIGINT and SIGQUIT to `stop`, and guarding against SIGHUP and a
/// vanished terminal, until the returned value drops. The threads start on the first call and
/// stay for the life of the process (after the loop a signal simply ends the process).
pub fn start(stop: UnboundedSender<Ending>) -> io::Result<Watching> {
    let mut started = Ok(());
    THREADS.call_once(|| started = spawn_threads());
    started?;
    *EVENT_LOOP.lock().unwrap_or_else(PoisonError::into_inner) = Some(stop);
    RUNNING.store(true, Ordering::SeqCst);
    Ok(Watching { _private: () })
}

impl Drop for Watching {
    fn drop(&mut self) {
        RUNNING.store(false, Ordering::SeqCst);
        *EVENT_LOOP.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Whether the event loop runs: a panic anywhere is then fatal (the terminal is restored first).
pub fn is_running() -> bool {
    RUNNING.load(Ordering::SeqCst)
}

fn spawn_threads() -> io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGQUIT, SIGHUP])?;
    thread::Builder::new()
        .name("kace-signals".into())
        .spawn(move || {
            // Both answers end the process, so the first signal is the only one.
            if let Some(signal) = signals.forever().next() {
                if signal == SIGHUP {
                    hang_up("SIGHUP");
                }
                stop(signal);
            }
        })?;
    thread::Builder::new()
        .name("kace-watchdog".into())
        .spawn(watchdog)?;
    Ok(())
}

/// Asks the event loop to stop; ends the process if it has not after [`GRACE`].
fn stop(signal: i32) -> ! {
    tracing::info!(signal, "stop signal received");
    let asked = EVENT_LOOP
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .is_some_and(|event_loop| event_loop.send(Ending::Signal(signal)).is_ok());
    if asked {
        // A deadline, not a synchronisation: normally the process ends before it passes.
        thread::sleep(GRACE);
        tracing::warn!(
            signal,
            "the event loop did not end in time; restoring from the signal thread"
        );
    }
    super::restore();
    std::process::exit(128 + signal)
}

/// The terminal is gone: write nothing more to it and end now.
fn hang_up(reason: &str) -> ! {
    super::forget_terminal();
    tracing::warn!(reason, "the terminal went away; exiting");
    // SAFETY: `_exit` ends the process without running exit handlers, so nothing buffered for
    // stdout is flushed to the dead terminal.
    unsafe { libc::_exit(HANG_UP_EXIT_CODE) }
}

fn watchdog() {
    loop {
        if terminal_gone(WATCHDOG_INTERVAL) {
            if RUNNING.load(Ordering::SeqCst) {
                hang_up("watchdog");
            }
            return; // no terminal any more, and no UI on it to guard
        }
    }
}

/// Waits up to `timeout` for stdin or stdout to hang up; true when either has, or is no longer
/// a terminal.
fn terminal_gone(timeout: Duration) -> bool {
    let mut fds = [libc::STDIN_FILENO, libc::STDOUT_FILENO].map(|fd| libc::pollfd {
        fd,
        events: 0, // hang-ups and errors are always reported; input is crossterm's business
        revents: 0,
    });
    let millis = libc::c_int::try_from(timeout.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: `fds` is a valid, writable array of two pollfd for the duration of the call.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
    let hung_up = ready > 0
        && fds
            .iter()
            .any(|fd| fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0);
    // SAFETY: isatty only inspects the descriptors.
    hung_up
        || unsafe {
            libc::isatty(libc::STDIN_FILENO) == 0 || libc::isatty(libc::STDOUT_FILENO) == 0
        }
}
