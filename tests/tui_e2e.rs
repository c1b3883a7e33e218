//! End to end: the real binary in a tmux pane against the embedded demo appliance. It starts,
//! logs in, lists machines, opens one, goes back, quits, and leaves the terminal as it found it
//! (same `stty -g`, not on the alternate screen). Waits poll `capture-pane` with a deadline.
//! Skipped (with a message) when tmux is not installed.

mod pty;

use std::time::Duration;

use pty::Tmux;

#[test]
fn demo_logs_in_lists_opens_one_and_restores_the_terminal() {
    if pty::skip_without_tmux() {
        return;
    }
    let tmux = Tmux::start("e2e", "--demo");
    tmux.go();

    let deadline = Duration::from_secs(60);
    tmux.wait_for("Choose an organization", deadline);
    assert!(tmux.alternate_screen_on());
    tmux.keys(&["Enter"]);
    let list = tmux.wait_for("Loaded 1,200 machines", deadline);
    assert!(
        list.contains("Machines · Default · 1,200 of 1,200"),
        "{list}"
    );
    assert!(list.contains("admin (Administrator)"), "{list}");
    tmux.keys(&["Enter"]);
    let detail = tmux.wait_for("Software (", deadline);
    assert!(detail.contains("Summary"), "{detail}");
    assert!(detail.contains("machines ▸ "), "{detail}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("NAME ▲", deadline);
    tmux.keys(&["q"]);
    let end = tmux.wait_done();
    assert!(end.contains("exit=0"), "{end}");
    assert!(!tmux.alternate_screen_on(), "still on the alternate screen");
    let (before, after) = tmux.modes_before_and_after();
    assert_eq!(before, after, "the terminal modes were not restored");
}
