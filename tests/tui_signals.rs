//! Terminal hygiene in a real pseudo-terminal (a private tmux server): however the program ends
//! (q, an error return, a panic, SIGTERM, SIGQUIT or SIGINT sent with kill, SIGTERM while the
//! event loop hangs), the terminal is back in cooked mode (`stty -g` as before) and on the main
//! screen, and every mode it switched on was switched off exactly once. After a hang-up
//! (the tmux server killed, with or without SIGHUP reaching the program) it is gone within a
//! second and has not spun. The panic, the error and the hang come from hidden commands of
//! debug builds (`:debug-panic`, `:debug-error`, `:debug-freeze`). Skipped when tmux is missing.

mod pty;

use std::time::{Duration, Instant};

use pty::{ProcStat, Tmux, count, wait_until};

const ENTER_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049h";
const LEAVE_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049l";
const ENABLE_BRACKETED_PASTE: &[u8] = b"\x1b[?2004h";
const DISABLE_BRACKETED_PASTE: &[u8] = b"\x1b[?2004l";
const HIDE_CURSOR: &[u8] = b"\x1b[?25l";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

const STARTUP: Duration = Duration::from_secs(60);

/// The demo, up, with its machines listed (the first screen's filter would take `q` and `:`).
fn demo_running(name: &str) -> Tmux {
    let tmux = Tmux::start(name, "--demo");
    tmux.go();
    tmux.wait_for("Choose an organization", STARTUP);
    assert!(tmux.alternate_screen_on());
    tmux.keys(&["Enter"]);
    tmux.wait_for("Loaded 1,200 machines", STARTUP);
    tmux
}

/// Types a `:` command.
fn command(tmux: &Tmux, line: &str) {
    tmux.keys(&["-l", &format!(":{line}")]);
    tmux.keys(&["Enter"]);
}

fn send_signal(tmux: &Tmux, signal: libc::c_int) {
    let pid = tmux.program_pid();
    // SAFETY: kill only sends a signal to the process the pane started.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
}

/// The log file of the program in the pane (in the isolated home).
fn log(tmux: &Tmux) -> String {
    std::fs::read_to_string(tmux.path("state/kace-tui/kace-tui.log")).unwrap_or_default()
}

/// Waits for the program to end with `exit_code` and checks that the terminal is as before.
/// Returns the final screen.
fn assert_restored(tmux: &Tmux, exit_code: u8) -> String {
    let screen = tmux.wait_done();
    assert!(screen.contains(&format!("exit={exit_code}")), "{screen}");
    assert!(!tmux.alternate_screen_on(), "still on the alternate screen");
    let (before, after) = tmux.modes_before_and_after();
    assert_eq!(before, after, "the terminal is not back in its modes");
    let output = tmux.output();
    for (mode, sequence) in [
        ("entered the alternate screen", ENTER_ALTERNATE_SCREEN),
        ("left the alternate screen", LEAVE_ALTERNATE_SCREEN),
        ("enabled bracketed paste", ENABLE_BRACKETED_PASTE),
        ("disabled bracketed paste", DISABLE_BRACKETED_PASTE),
    ] {
        assert_eq!(count(&output, sequence), 1, "{mode} not exactly once");
    }
    let last = |needle: &[u8]| output.windows(needle.len()).rposition(|w| w == needle);
    assert!(
        last(SHOW_CURSOR) > last(HIDE_CURSOR),
        "the cursor is left hidden"
    );
    screen
}

#[test]
fn quitting_restores_the_terminal() {
    if pty::skip_without_tmux() {
        return;
    }
    let tmux = demo_running("quit");
    tmux.keys(&["q"]);
    assert_restored(&tmux, 0);
}

#[test]
fn an_error_return_restores_the_terminal_and_reports_the_error() {
    if pty::skip_without_tmux() {
        return;
    }
    let tmux = demo_running("error");
    command(&tmux, "debug-error");
    let screen = assert_restored(&tmux, 1);
    assert!(
        screen.contains("kace-tui: terminal error: debug-error: a deliberate error"),
        "{screen}"
    );
}

#[test]
fn a_panic_restores_the_terminal_and_shows_the_message_on_the_main_screen() {
    if pty::skip_without_tmux() {
        return;
    }
    let tmux = demo_running("panic");
    command(&tmux, "debug-panic");
    assert_restored(&tmux, 101);
    // The message comes after the switch back to the main screen, so it stays visible.
    let output = tmux.output();
    let message = b"debug-panic: a deliberate panic";
    let at = |needle: &[u8]| output.windows(needle.len()).position(|w| w == needle);
    assert!(
        at(message) > at(LEAVE_ALTERNATE_SCREEN),
        "{}",
        String::from_utf8_lossy(&output)
    );
}

/// SIGTERM, SIGQUIT and SIGINT from `kill` quit through the event loop (no fallback needed)
/// and exit with 128 + the signal number.
#[test]
fn stop_signals_restore_the_terminal() {
    if pty::skip_without_tmux() {
        return;
    }
    for (signal, name) in [
        (libc::SIGTERM, "sigterm"),
        (libc::SIGQUIT, "sigquit"),
        (libc::SIGINT, "sigint"),
    ] {
        let tmux = demo_running(name);
        send_signal(&tmux, signal);
        assert_restored(&tmux, 128 + signal as u8);
        let log = log(&tmux);
        assert!(log.contains("stop signal received"), "{name}: {log}");
        assert!(!log.contains("did not end in time"), "{name}: {log}");
    }
}

#[test]
fn sigterm_restores_the_terminal_even_when_the_event_loop_hangs() {
    if pty::skip_without_tmux() {
        return;
    }
    let tmux = demo_running("freeze");
    command(&tmux, "debug-freeze");
    wait_until(Duration::from_secs(10), "the frozen event loop", || {
        log(&tmux).contains("debug-freeze").then_some(())
    });
    send_signal(&tmux, libc::SIGTERM);
    assert_restored(&tmux, 143);
    assert!(log(&tmux).contains("did not end in time"), "{}", log(&tmux));
}

/// Makes sure a program that failed to end does not spin on after the test.
struct KillOnDrop(i32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if ProcStat::read(self.0).is_some_and(|stat| !stat.has_ended()) {
            // SAFETY: kill only sends a signal to the process this test started.
            unsafe { libc::kill(self.0, libc::SIGKILL) };
        }
    }
}

/// Kills the tmux server under the running program (as an SSH drop closes the pty) and checks
/// that the program is gone within a second having used almost no CPU on the way.
fn assert_hang_up_ends_quietly(name: &str, wrapper: &str) {
    let tmux = Tmux::start_wrapped(name, wrapper, "--demo");
    tmux.go();
    tmux.wait_for("Choose an organization", STARTUP);
    let pid = tmux.program_pid();
    let _reaper = KillOnDrop(pid);
    let idle = ProcStat::read(pid).expect("the program runs");
    let killed = Instant::now();
    assert!(tmux.run(&["kill-server"]).status.success());
    let mut cpu_ticks = idle.cpu_ticks;
    wait_until(
        Duration::from_secs(10),
        "the program to end",
        || match ProcStat::read(pid) {
            Some(stat) => {
                cpu_ticks = stat.cpu_ticks;
                stat.has_ended().then_some(())
            }
            None => Some(()),
        },
    );
    let took = killed.elapsed();
    eprintln!(
        "{name}: gone after {took:?}, {} clock ticks of CPU",
        cpu_ticks - idle.cpu_ticks
    );
    assert!(
        took < Duration::from_secs(1),
        "{name}: still running after {took:?}"
    );
    // A few percent of a second: crossterm's spin on a dead tty would burn all of it.
    let spent = cpu_ticks - idle.cpu_ticks;
    let allowed = (pty::ticks_per_second() * 5 / 100).max(2);
    assert!(
        spent <= allowed,
        "{name}: used {spent} clock ticks of CPU after the hang-up (allowed {allowed})"
    );
}

#[test]
fn a_hang_up_ends_the_program_within_a_second() {
    if pty::skip_without_tmux() {
        return;
    }
    assert_hang_up_ends_quietly("hangup", "");
}

/// In its own session the program is not told (no SIGHUP): crossterm's reader spins on the
/// dead terminal, and only the watchdog notices.
#[test]
fn a_hang_up_without_sighup_is_caught_by_the_watchdog() {
    if pty::skip_without_tmux() {
        return;
    }
    assert_hang_up_ends_quietly("nosighup", "setsid");
}
