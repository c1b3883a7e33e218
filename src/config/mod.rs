//! The configuration file (`config.toml`): profiles, the default profile, and UI settings.
//!
//! Parsing is strict: an unknown key, a value of the wrong type or a missing required value
//! is a [`ConfigError`] that names the file, the line and the key, reported before any screen
//! is drawn (exit code 2). `config.example.toml` at the root of the repository documents every
//! key; a test parses it with this module.
//!
//! - [`resolve`]: merges flags, environment and the chosen profile into what a command needs.
//! - [`secrets`]: where the password and the 2FA code come from (never the command line).

pub mod resolve;
pub mod secrets;

use std::collections::BTreeMap;
use std::fmt;
use std::num::{NonZeroU64, NonZeroUsize};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::api::Level;
use crate::app::keymap::Keymap;
use crate::app::table::Column;

pub use resolve::{Resolved, resolve};

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    /// Level of the log file: error, warn, info, debug or trace.
    pub log_level: Option<String>,
    /// One appliance connection per profile, by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Settings of the interactive screens.
    #[serde(default)]
    pub ui: UiSettings,
}

/// One appliance and how to connect to it (`[profiles.NAME]`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Appliance URL. Required.
    pub server: String,
    pub user: Option<String>,
    /// Organization to log into on a multi-org appliance.
    pub org: Option<String>,
    /// Shell command whose trimmed standard output is the password.
    pub password_command: Option<String>,
    /// Extra CA certificate (PEM) for a self-signed appliance.
    pub ca_cert: Option<PathBuf>,
    /// Skip certificate verification (dangerous).
    #[serde(default)]
    pub insecure: bool,
    /// SHA-256 fingerprint of the appliance's certificate, trusted instead of its chain.
    pub tls_fingerprint: Option<String>,
    /// Allow plain `http://` to a host that is not loopback (sends the password in clear).
    #[serde(default)]
    pub allow_http: bool,
    /// The largest answer accepted, in MiB (default 256).
    pub max_response_mb: Option<NonZeroU64>,
    /// The most records one load may bring (default 1,000,000).
    pub max_records: Option<NonZeroUsize>,
    /// `x-kace-api-version` header value.
    pub api_version: Option<String>,
    /// Machines per page when listing everything.
    pub page_size: Option<NonZeroUsize>,
    /// Pages in flight at once.
    pub concurrency: Option<NonZeroUsize>,
    /// Treat the appliance as read-only: the TUI shows the RO badge whatever the role.
    #[serde(default)]
    pub readonly: bool,
    /// Colours of the interactive screens: `color` (the terminal's 16 colours) or `mono`.
    pub theme: Option<Theme>,
}

/// The `theme` of a profile.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// The terminal's own 16 colours.
    Color,
    /// No colours; structure from bold, underline and reverse video only.
    Mono,
}

/// Settings of the interactive screens (`[ui]`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UiSettings {
    /// Machines whose last check-in is older than this many days are shown as stale.
    pub stale_after_days: Option<u32>,
    /// Columns of the machine list, in order: name, ip, os, user, last_sync, model.
    pub columns: Option<Vec<Column>>,
    /// Fields the machine list asks the appliance for: `extended` (the default; fills the
    /// model column) or `standard` (about half the bytes and memory, no model).
    pub list_shaping: Option<ListShaping>,
    /// Key overrides by action name (`"refresh"`, or `"machines.refresh"` for one screen):
    /// one key or a list, e.g. `quit = "ctrl-q"`, `move_down = ["j", "ctrl-n"]`.
    #[serde(default)]
    pub keys: BTreeMap<String, Keys>,
}

/// The `list_shaping` of `[ui]`: how much of each machine the list loads.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ListShaping {
    Standard,
    Extended,
}

impl ListShaping {
    pub fn level(self) -> Level {
        match self {
            ListShaping::Standard => Level::Standard,
            ListShaping::Extended => Level::Extended,
        }
    }
}

/// One key or several for an action in `[ui.keys]`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Keys {
    One(String),
    Many(Vec<String>),
}

impl Keys {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Keys::One(key) => vec![key.clone()],
            Keys::Many(keys) => keys.clone(),
        }
    }
}

impl UiSettings {
    /// The key overrides in the form [`Keymap::with_overrides`] takes.
    pub fn key_overrides(&self) -> Vec<(String, Vec<String>)> {
        self.keys
            .iter()
            .map(|(action, keys)| (action.clone(), keys.to_vec()))
            .collect()
    }
}

/// A configuration file that cannot be used. Its message names the file, and where it can, the
/// line, the column and the dotted key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column of the offending text.
    pub location: Option<(usize, usize)>,
    /// Dotted key, e.g. `profiles.prod.insecure`.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigFile {
    /// Reads and parses `path`. A missing file is `Ok(None)` unless `must_exist`.
    pub fn load(path: &Path, must_exist: bool) -> Result<Option<ConfigFile>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ConfigFile::parse(path, &text).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(None),
            Err(error) => Err(ConfigError {
                path: path.to_path_buf(),
                location: None,
                key: None,
                message: format!("cannot read the configuration file: {error}"),
            }),
        }
    }

    /// Parses the text of a configuration file, then checks what types alone cannot.
    pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
        let config: ConfigFile = toml::from_str(text).map_err(|error| {
            let span = error.span();
            let message = error.message().trim().to_string();
            locate(path, text, span, message)
        })?;
        config.validate(path, text)?;
        Ok(config)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let error_at_key = |key_path: &[&str], message: String| {
            let span = find_key(text, key_path);
            let mut error = locate(path, text, span, message);
            error.key = Some(key_path.join("."));
            error
        };
        if let Some(name) = &self.default_profile
            && !self.profiles.contains_key(name)
        {
            return Err(error_at_key(
                &["default_profile"],
                format!("no profile named \"{name}\" ({})", self.profile_list()),
            ));
        }
        if let Some(level) = &self.log_level
            && crate::logging::parse_level(level).is_none()
        {
            return Err(error_at_key(
                &["log_level"],
                format!("\"{level}\" is not one of off, error, warn, info, debug, trace"),
            ));
        }
        for (action, keys) in &self.ui.keys {
            let overrides = [(action.as_str(), keys.to_vec())];
            if let Err(error) = Keymap::defaults().with_overrides(overrides) {
                return Err(error_at_key(&["ui", "keys", action], error.to_string()));
            }
        }
        for (name, profile) in &self.profiles {
            if profile.server.trim().is_empty() {
                return Err(error_at_key(
                    &["profiles", name, "server"],
                    "the server URL is empty".to_string(),
                ));
            }
            if let Some(pin) = &profile.tls_fingerprint
                && let Err(message) = crate::api::tls::Fingerprint::parse(pin)
            {
                return Err(error_at_key(
                    &["profiles", name, "tls_fingerprint"],
                    message,
                ));
            }
        }
        Ok(())
    }

    /// "profiles: a, b" or "no profiles are defined", for error messages.
    pub fn profile_list(&self) -> String {
        if self.profiles.is_empty() {
            "no profiles are defined".to_string()
        } else {
            let names: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            format!("profiles: {}", names.join(", "))
        }
    }
}

/// Builds a [`ConfigError`] for a byte span of `text`: line, column, and the dotted key written
/// at that place (the table header above it plus the key on the line).
fn locate(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> ConfigError {
    let mut error = ConfigError {
        path: path.to_path_buf(),
        location: None,
        key: None,
        message,
    };
    let Some(span) = span else { return error };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line_index = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    error.location = Some((line_index + 1, column));

    let lines: Vec<&str> = text.lines().collect();
    let current = lines.get(line_index).copied().unwrap_or("").trim();
    let header = |line: &str| -> Option<String> {
        let line = line.trim();
        let inner = line.strip_prefix("[[").and_then(|l| l.split("]]").next());
        let inner = inner.or_else(|| line.strip_prefix('[').and_then(|l| l.split(']').next()))?;
        Some(strip_quotes_in_dotted(inner.trim()))
    };
    error.key = if let Some(table) = header(current) {
        Some(table)
    } else {
        let table = lines[..line_index.min(lines.len())]
            .iter()
            .rev()
            .find_map(|line| header(line));
        let key = current
            .split_once('=')
            .map(|(key, _)| strip_quotes_in_dotted(key.trim()))
            .filter(|key| !key.is_empty() && !key.starts_with('#'));
        match (table, key) {
            (Some(table), Some(key)) => Some(format!("{table}.{key}")),
            (None, Some(key)) => Some(key),
            (Some(table), None) => Some(table),
            (None, None) => None,
        }
    };
    error
}

/// `profiles."my lab".server` → `profiles.my lab.server`, for messages.
fn strip_quotes_in_dotted(key: &str) -> String {
    key.split('.')
        .map(|part| part.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// The span of the key `key_path` as written in `text` (first match), for errors found after
/// parsing. Only plain `[table]` + `key = value` layouts are recognised; otherwise `None`.
fn find_key(text: &str, key_path: &[&str]) -> Option<Range<usize>> {
    let (table, key) = match key_path.split_last() {
        Some((key, table)) => (table.join("."), *key),
        None => return None,
    };
    let mut current_table = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            current_table = strip_quotes_in_dotted(trimmed.trim_matches(['[', ']']));
        } else if let Some((name, _)) = trimmed.split_once('=')
            && current_table == table
            && strip_quotes_in_dotted(name.trim()) == key
        {
            let indent = line.len() - line.trim_start().len();
            return Some(offset + indent..offset + line.trim_end().len());
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(Path::new("/cfg/config.toml"), text)
    }

    #[test]
    fn a_full_file_parses() {
        let config = parse(
            r#"
default_profile = "prod"
log_level = "debug"

[profiles.prod]
server = "https://kace.example.com"
user = "admin"
org = "Default"
password_command = "pass show kace"
ca_cert = "/etc/kace.pem"
insecure = false
allow_http = false
max_response_mb = 64
max_records = 200000
api_version = "8"
page_size = 500
concurrency = 2
readonly = true
theme = "mono"

[profiles.lab]
server = "https://lab.example.com"

[ui]
stale_after_days = 14
columns = ["name", "ip", "last_sync"]

[ui.keys]
quit = "ctrl-q"
move_down = ["j", "ctrl-n"]
"#,
        )
        .unwrap();
        let prod = &config.profiles["prod"];
        assert_eq!(prod.page_size, NonZeroUsize::new(500));
        assert!(prod.readonly);
        assert_eq!(config.profiles["lab"].user, None);
        assert_eq!(config.ui.stale_after_days, Some(14));
        assert_eq!(config.ui.keys["quit"], Keys::One("ctrl-q".into()));
        assert_eq!(
            config.ui.columns,
            Some(vec![Column::Name, Column::Ip, Column::LastSync])
        );
    }

    #[test]
    fn an_unknown_key_names_line_and_key() {
        let error = parse("[profiles.prod]\nserver = \"https://a\"\nservr = \"x\"\n").unwrap_err();
        assert_eq!(error.location, Some((3, 1)));
        assert_eq!(error.key.as_deref(), Some("profiles.prod.servr"));
        assert!(error.message.contains("unknown field"), "{error}");
        assert!(
            error
                .to_string()
                .starts_with("/cfg/config.toml:3:1: key `profiles.prod.servr`"),
            "{error}"
        );
    }

    #[test]
    fn a_wrong_type_names_line_and_key() {
        let error =
            parse("[profiles.prod]\nserver = \"https://a\"\n\ninsecure = \"yes\"\n").unwrap_err();
        assert_eq!(error.location.map(|(line, _)| line), Some(4));
        assert_eq!(error.key.as_deref(), Some("profiles.prod.insecure"));
    }

    #[test]
    fn a_missing_server_names_the_profile() {
        let error = parse("default_profile = \"a\"\n\n[profiles.a]\nuser = \"x\"\n").unwrap_err();
        assert!(error.message.contains("server"), "{error}");
        assert_eq!(error.location.map(|(line, _)| line), Some(3), "{error}");
        assert_eq!(error.key.as_deref(), Some("profiles.a"));
    }

    #[test]
    fn zero_page_size_is_rejected() {
        let error = parse("[profiles.a]\nserver = \"https://a\"\npage_size = 0\n").unwrap_err();
        assert_eq!(error.key.as_deref(), Some("profiles.a.page_size"));
        assert_eq!(error.location.map(|(line, _)| line), Some(3));
    }

    #[test]
    fn an_unknown_default_profile_is_reported_at_its_line() {
        let error = parse("\n\ndefault_profile = \"nope\"\n[profiles.a]\nserver = \"https://a\"\n")
            .unwrap_err();
        assert_eq!(error.location, Some((3, 1)));
        assert_eq!(error.key.as_deref(), Some("default_profile"));
        assert!(error.message.contains("profiles: a"), "{error}");
    }

    #[test]
    fn a_key_override_for_an_unknown_action_names_its_line() {
        let error = parse("[ui.keys]\nquit = \"q\"\nteleport = \"t\"\n").unwrap_err();
        assert_eq!(error.location, Some((3, 1)), "{error}");
        assert_eq!(error.key.as_deref(), Some("ui.keys.teleport"));
        assert!(error.message.contains("teleport"), "{error}");
        let error = parse("[ui.keys]\nquit = \"ctrl-nope\"\n").unwrap_err();
        assert_eq!(error.key.as_deref(), Some("ui.keys.quit"), "{error}");
    }

    #[test]
    fn an_unknown_column_is_reported() {
        let error = parse("[ui]\ncolumns = [\"name\", \"colour\"]\n").unwrap_err();
        assert_eq!(error.location.map(|(line, _)| line), Some(2), "{error}");
        assert_eq!(error.key.as_deref(), Some("ui.columns"));
    }

    #[test]
    fn a_bad_fingerprint_names_its_line() {
        let error = parse("[profiles.a]\nserver = \"https://a\"\ntls_fingerprint = \"AB:CD\"\n")
            .unwrap_err();
        assert_eq!(error.key.as_deref(), Some("profiles.a.tls_fingerprint"));
        assert_eq!(error.location.map(|(line, _)| line), Some(3), "{error}");
        assert!(error.message.contains("64 hex digits"), "{error}");
    }

    #[test]
    fn a_bad_log_level_is_reported() {
        let error = parse("log_level = \"loud\"\n").unwrap_err();
        assert_eq!(error.key.as_deref(), Some("log_level"));
    }

    #[test]
    fn a_syntax_error_has_a_location() {
        let error = parse("[profiles.a]\nserver = \n").unwrap_err();
        assert_eq!(error.location.map(|(line, _)| line), Some(2), "{error}");
    }

    #[test]
    fn the_example_file_documents_every_key_and_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config = ConfigFile::parse(&path, &text).unwrap();
        let profile = config
            .profiles
            .values()
            .find(|p| p.password_command.is_some())
            .expect("an example profile with every key");
        // Every key appears set (not only commented) so that a typo in the example fails here.
        assert!(profile.user.is_some() && profile.org.is_some() && profile.ca_cert.is_some());
        assert!(profile.api_version.is_some() && profile.page_size.is_some());
        assert!(profile.concurrency.is_some() && profile.theme.is_some());
        assert!(profile.max_response_mb.is_some() && profile.max_records.is_some());
        assert!(
            config
                .profiles
                .values()
                .any(|p| p.tls_fingerprint.is_some()),
            "an example profile pins a fingerprint"
        );
        assert!(config.default_profile.is_some() && config.log_level.is_some());
        assert!(config.ui.stale_after_days.is_some() && config.ui.columns.is_some());
        assert!(config.ui.list_shaping.is_some());
        assert!(!config.ui.keys.is_empty());
        for key in [
            "default_profile",
            "log_level",
            "server",
            "user",
            "org",
            "password_command",
            "ca_cert",
            "insecure",
            "tls_fingerprint",
            "allow_http",
            "max_response_mb",
            "max_records",
            "api_version",
            "page_size",
            "concurrency",
            "readonly",
            "theme",
            "stale_after_days",
            "columns",
            "list_shaping",
        ] {
            let documented = text.lines().any(|line| {
                line.trim_start().starts_with('#') && line.contains(&format!("`{key}`"))
            });
            assert!(documented, "config.example.toml has no comment on `{key}`");
        }
    }
}
