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

/// The fake appliance's own answers, fetched over plain HTTP without kace-tui's client: the
/// oracle the CLI's output is compared with.
pub struct Raw {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl Raw {
    pub fn login(base: &str, user: &str, password: &str) -> Raw {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("http client");
        let raw = Raw {
            runtime,
            client,
            base: base.trim_end_matches('/').to_string(),
        };
        let body = serde_json::json!({ "userName": user, "password": password });
        let status = raw.runtime.block_on(async {
            raw.client
                .post(format!("{}/ams/shared/api/security/login", raw.base))
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .header("x-kace-api-version", "8")
                .body(body.to_string())
                .send()
                .await
                .expect("login request")
                .status()
        });
        assert!(status.is_success(), "raw login: {status}");
        raw
    }

    /// `GET path` (with its query string, already encoded) as JSON.
    pub fn get(&self, path: &str) -> serde_json::Value {
        self.runtime.block_on(async {
            let response = self
                .client
                .get(format!("{}{path}", self.base))
                .header("Accept", "application/json")
                .header("x-kace-api-version", "8")
                .send()
                .await
                .expect("request");
            assert!(
                response.status().is_success(),
                "{path}: {}",
                response.status()
            );
            let body = response.bytes().await.expect("answer body");
            serde_json::from_slice(&body).expect("JSON answer")
        })
    }

    /// Every machine matching the encoded `query` (e.g. `sorting=name%20desc`), as sent.
    pub fn machines(&self, query: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
        let separator = if query.is_empty() { "" } else { "&" };
        let answer = self.get(&format!(
            "/api/inventory/machines?{query}{separator}paging=limit%20ALL"
        ));
        answer["Machines"]
            .as_array()
            .expect("Machines list")
            .iter()
            .map(|machine| machine.as_object().expect("machine object").clone())
            .collect()
    }
}

/// The appliance's "no value" spellings (reference §7.3).
pub fn is_sentinel(value: &str) -> bool {
    value.is_empty()
        || value.eq_ignore_ascii_case("empty")
        || value == "0000-00-00 00:00:00"
        || value == "0000-00-00"
}

/// Asserts that a machine printed by kace-tui (JSON object) holds exactly what the appliance
/// sent: every key in the appliance's spelling with its raw value; "no value" sentinels may be
/// `null`, empty or left out.
pub fn assert_same_machine(
    printed: &serde_json::Map<String, serde_json::Value>,
    raw: &serde_json::Map<String, serde_json::Value>,
) {
    let id = raw.get("Id").map(ToString::to_string).unwrap_or_default();
    for (key, raw_value) in raw {
        let raw_text = raw_value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| raw_value.to_string());
        match printed.get(key) {
            Some(serde_json::Value::String(text)) if *text == raw_text => {}
            Some(serde_json::Value::String(text)) if text.is_empty() && is_sentinel(&raw_text) => {}
            Some(serde_json::Value::Null) | None if is_sentinel(&raw_text) => {}
            other => {
                panic!("machine {id}, key {key}: printed {other:?}, appliance sent {raw_text:?}")
            }
        }
    }
    for (key, value) in printed {
        assert!(
            raw.contains_key(key) || value.is_null(),
            "machine {id}: printed key {key} the appliance did not send"
        );
    }
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF records).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => {
                assert!(c != '\n' && c != '\r', "bare line break outside quotes");
                field.push(c);
            }
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "CSV ends mid-record"
    );
    records
}
/// Starts the fake appliance with `machines` machines in `Default`.
pub fn start_fake(machines: usize) -> kace_tui::fake::FakeHandle {
    kace_tui::fake::start(kace_tui::fake::FakeConfig {
        machines,
        ..kace_tui::fake::FakeConfig::default()
    })
    .expect("the fake appliance starts")
}
