//! End to end: the real binary in a tmux pane against the embedded demo appliance. It starts,
//! logs in, lists machines, opens one, goes back, quits, and leaves the terminal as it found it
//! (same `stty -g`, not on the alternate screen). Waits poll `capture-pane` with a deadline.
//! Skipped (with a message) when tmux is not installed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private tmux server (its own socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Polls the pane until `text` shows up, or fails with the screen after `deadline`.
    fn wait_for(&self, text: &str, deadline: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < deadline,
                "timed out waiting for {text:?}; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn alternate_screen_on(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "e2e", "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success())
}

#[test]
fn demo_logs_in_lists_opens_one_and_restores_the_terminal() {
    if !tmux_available() {
        eprintln!("SKIPPED: tmux is not installed; the end-to-end test needs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("stty-before");
    let after = dir.path().join("stty-after");
    let binary = env!("CARGO_BIN_EXE_kace-tui");
    let script = format!(
        "stty -g > '{before}'; '{binary}' --demo; echo \"exit=$?\"; stty -g > '{after}'; echo E2E-DONE; exec sleep 60",
        before = before.display(),
        after = after.display(),
    );
    let tmux = Tmux {
        socket: format!("kace-e2e-{}", std::process::id()),
    };
    let started = tmux.run(&[
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(started.status.success(), "{started:?}");
    // A lone Esc must reach the program at once.
    tmux.run(&["set-option", "-s", "escape-time", "0"]);

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
    let end = tmux.wait_for("E2E-DONE", deadline);
    assert!(end.contains("exit=0"), "{end}");
    assert!(!tmux.alternate_screen_on(), "still on the alternate screen");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    assert_eq!(
        read(&before),
        read(&after),
        "the terminal modes were not restored"
    );
}
