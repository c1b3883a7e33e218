//! Shared by the `cli_*` tests: runs the real `kace-tui` binary in an isolated home (config,
//! state and cache directories of its own, no KACE_* variables from the outside).

#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// Environment variables that would leak the developer's setup into a test.
const OUTSIDE_VARIABLES: [&str; 10] = [
    "KACE_SERVER",
    "KACE_USER",
    "KACE_ORG",
    "KACE_PASSWORD",
    "KACE_2FA_CODE",
    "KACE_TUI_CONFIG",
    "NO_COLOR",
    "COLUMNS",
    "RUST_LOG",
    "XDG_DATA_HOME",
];

/// An isolated home directory for one test.
pub struct Home {
    dir: TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path().join("config/kace-tui")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    pub fn state_dir(&self) -> PathBuf {
        self.path().join("state/kace-tui")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir().join("kace-tui.log")
    }

    /// Writes `text` as the default configuration file.
    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).expect("config dir");
        std::fs::write(self.config_file(), text).expect("config file");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    /// `kace-tui` with this home, stdin closed (not a terminal) and `args`.
    pub fn kace(&self, args: &[&str]) -> Command {
        let mut command = assert_cmd::cargo::cargo_bin_cmd!("kace-tui");
        for name in OUTSIDE_VARIABLES {
            command.env_remove(name);
        }
        command
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_STATE_HOME", self.path().join("state"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .args(args);
        command
    }
}

/// What a finished command printed, and its exit code.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(command: &mut Command) -> Outcome {
    let output = command.output().expect("kace-tui runs");
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}
