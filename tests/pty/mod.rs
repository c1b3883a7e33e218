//! Shared by the pseudo-terminal tests: the real `kace-tui` binary in a pane of a private tmux
//! server (its own socket, killed on drop), in an isolated home. The pane's shell records
//! `stty -g` before and after the program and its exit code, and tmux copies every byte the
//! program writes to a file, so a test can check exactly what reached the terminal.
//! Every wait polls with a deadline; nothing sleeps to synchronise.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// What the pane's shell prints once the program has ended and the modes are recorded.
pub const DONE: &str = "PTY-RUN-DONE";

/// Whether tmux can run; tests print why they skip when it cannot.
pub fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// True (after saying so on stderr) when the calling test must skip because tmux is missing.
pub fn skip_without_tmux() -> bool {
    let missing = !tmux_available();
    if missing {
        eprintln!("SKIPPED: tmux is not installed; the pseudo-terminal tests need it");
    }
    missing
}

/// Polls `check` until it answers `Some`, or fails with `what` after `deadline`.
pub fn wait_until<T>(deadline: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A private tmux server with one session, `pty`, running one shell script.
pub struct Tmux {
    socket: String,
    pub dir: TempDir,
}

impl Tmux {
    /// Starts `kace-tui ARGS` in a 120x40 pane. The shell waits until [`Tmux::go`], so the
    /// output file catches the program's first byte.
    pub fn start(name: &str, args: &str) -> Tmux {
        Tmux::start_wrapped(name, "", args)
    }

    /// Like [`Tmux::start`], with `wrapper` (e.g. `setsid`) in front of the binary.
    pub fn start_wrapped(name: &str, wrapper: &str, args: &str) -> Tmux {
        let dir = tempfile::tempdir().expect("temporary directory");
        let tmux = Tmux {
            socket: format!("kace-{name}-{}", std::process::id()),
            dir,
        };
        let home = tmux.dir.path();
        let script = format!(
            "stty -g > '{before}'; tmux wait-for kace-go; \
             env HOME='{home}' XDG_CONFIG_HOME='{home}/config' XDG_STATE_HOME='{home}/state' \
             XDG_CACHE_HOME='{home}/cache' {wrapper} '{binary}' {args}; \
             echo \"exit=$?\"; stty -g > '{after}'; echo {DONE}; exec sleep 600",
            before = tmux.path("stty-before").display(),
            after = tmux.path("stty-after").display(),
            home = home.display(),
            binary = env!("CARGO_BIN_EXE_kace-tui"),
        );
        let started = tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "pty",
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
        let piped = tmux.run(&[
            "pipe-pane",
            "-t",
            "pty",
            &format!("cat > '{}'", tmux.path("output").display()),
        ]);
        assert!(piped.status.success(), "{piped:?}");
        tmux
    }

    /// Lets the shell start the program.
    pub fn go(&self) {
        assert!(self.run(&["wait-for", "-S", "kace-go"]).status.success());
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    pub fn capture(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "pty"]).stdout).into_owned()
    }

    /// Polls the pane until `text` shows up, or fails with the screen after `deadline`.
    pub fn wait_for(&self, text: &str, deadline: Duration) -> String {
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

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "pty"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    pub fn alternate_screen_on(&self) -> bool {
        self.format("#{alternate_on}") == "1"
    }

    /// A tmux format of the pane, e.g. `#{pane_pid}`.
    pub fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "pty", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The pid of the `kace-tui` process the pane's shell started.
    pub fn program_pid(&self) -> i32 {
        let shell: i32 = self.format("#{pane_pid}").parse().expect("pane pid");
        wait_until(Duration::from_secs(10), "the kace-tui process", || {
            std::fs::read_dir("/proc")
                .ok()?
                .flatten()
                .find_map(|entry| {
                    let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
                    let stat = ProcStat::read(pid)?;
                    (stat.parent == shell && stat.command == "kace-tui").then_some(pid)
                })
        })
    }

    /// Waits for the shell to record the end; returns the screen (with `exit=N`).
    pub fn wait_done(&self) -> String {
        self.wait_for(DONE, Duration::from_secs(30))
    }

    /// `stty -g` before and after the program ran.
    pub fn modes_before_and_after(&self) -> (String, String) {
        let read = |path: &Path| std::fs::read_to_string(path).expect("stty output");
        (
            read(&self.path("stty-before")),
            read(&self.path("stty-after")),
        )
    }

    /// Every byte the pane received from the program and the shell, once the shell's final
    /// marker has arrived in the copy.
    pub fn output(&self) -> Vec<u8> {
        let path = self.path("output");
        wait_until(Duration::from_secs(10), "the pane's output copy", || {
            let bytes = std::fs::read(&path).ok()?;
            contains(&bytes, DONE.as_bytes()).then_some(bytes)
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// How often `needle` occurs in `haystack`.
pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    count(haystack, needle) > 0
}

/// The fields of `/proc/PID/stat` the tests need.
#[derive(Debug)]
pub struct ProcStat {
    pub command: String,
    /// R, S, Z, ...
    pub state: char,
    pub parent: i32,
    /// User plus system time, in clock ticks.
    pub cpu_ticks: u64,
}

impl ProcStat {
    /// `None` when the process does not exist (any more).
    pub fn read(pid: i32) -> Option<ProcStat> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command is in parentheses and may contain spaces; the fields follow the last ')'.
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let command = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        Some(ProcStat {
            command,
            state: fields.first()?.chars().next()?,
            parent: fields.get(1)?.parse().ok()?,
            cpu_ticks: fields.get(11)?.parse::<u64>().ok()?
                + fields.get(12)?.parse::<u64>().ok()?,
        })
    }

    /// A zombie has ended; only its parent has not collected it yet.
    pub fn has_ended(&self) -> bool {
        matches!(self.state, 'Z' | 'X')
    }
}

/// Clock ticks per second, the unit of [`ProcStat::cpu_ticks`].
pub fn ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).unwrap_or(100)
}
