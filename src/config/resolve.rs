//! Merging the command line, the environment and the profile into the settings a command uses.
//!
//! Order: flags, then environment (clap reads `KACE_SERVER`, `KACE_USER`, `KACE_ORG`,
//! `KACE_TUI_CONFIG` into the same options), then the profile, then built-in defaults.
//! The profile is `--profile NAME`, else the file's `default_profile`, else none.

use std::fmt;
use std::time::Duration;

use tracing_subscriber::filter::LevelFilter;

use super::{ConfigError, ConfigFile, Theme, UiSettings, secrets};
use crate::api::ConnectionSettings;
use crate::api::tls::Fingerprint;
use crate::app::AppOptions;
use crate::app::keymap::Keymap;
use crate::cli::GlobalOptions;
use crate::paths::Paths;

/// Where a resolved value came from, for `kace-tui info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag or its environment variable.
    FlagOrEnv,
    Profile,
    /// The embedded demo appliance (`--demo`).
    Demo,
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::FlagOrEnv => "flag or environment",
            Origin::Profile => "profile",
            Origin::Demo => "demo",
            Origin::Default => "default",
        })
    }
}

/// Everything a command needs to know before it talks to an appliance. Holds no secret: the
/// password is fetched only when it is needed (see [`super::secrets`]).
#[derive(Clone, Debug)]
pub struct Resolved {
    pub paths: Paths,
    /// Whether the configuration file exists (it was parsed if so).
    pub config_found: bool,
    /// The profile in use, if any.
    pub profile_name: Option<String>,
    /// Connection settings; `server` is empty when nothing named an appliance.
    pub settings: ConnectionSettings,
    pub server_origin: Origin,
    pub user: Option<String>,
    pub user_origin: Origin,
    pub org: Option<String>,
    pub password_command: Option<String>,
    pub readonly: bool,
    /// `--no-color`, `NO_COLOR` set to something non-empty, or the profile's `theme = "mono"`.
    pub no_color: bool,
    pub log_level: LevelFilter,
    /// Run against the embedded demo appliance.
    pub demo: bool,
    pub ui: UiSettings,
}

impl Resolved {
    /// The start-up options of the interactive app. The password comes from `password_command`
    /// or `KACE_PASSWORD` when one is set (the command runs now); otherwise the login form asks.
    pub fn app_options(&self) -> Result<AppOptions, SetupError> {
        let keymap = Keymap::defaults()
            .with_overrides(self.ui.key_overrides())
            .map_err(|error| SetupError::Usage(format!("[ui.keys]: {error}")))?;
        let password = secrets::password_without_prompt(self.password_command.as_deref())
            .map_err(SetupError::Secret)?
            .map(|(password, _source)| password);
        Ok(AppOptions {
            settings: self.settings.clone(),
            user: self.user.clone(),
            password,
            org: self.org.clone(),
            keymap,
            stale_after: self
                .ui
                .stale_after_days
                .map(|days| Duration::from_secs(u64::from(days) * 86_400)),
            no_color: self.no_color,
            readonly: self.readonly,
            columns: self.ui.columns.clone(),
            list_shaping: self.ui.list_shaping.map(|shaping| shaping.level()),
            ..AppOptions::default()
        })
    }
}

/// Why the settings could not be resolved: a usage error (exit code 2), or, for
/// [`SetupError::Secret`], an authentication one (exit code 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetupError {
    Config(ConfigError),
    Usage(String),
    /// `password_command` failed.
    Secret(secrets::SecretError),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Config(error) => write!(f, "configuration error: {error}"),
            SetupError::Usage(message) => f.write_str(message),
            SetupError::Secret(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for SetupError {}

impl From<ConfigError> for SetupError {
    fn from(error: ConfigError) -> Self {
        SetupError::Config(error)
    }
}

/// Resolves the settings for `global` from the real environment.
pub fn resolve(global: &GlobalOptions) -> Result<Resolved, SetupError> {
    let paths = Paths::resolve(global.config.as_deref()).map_err(SetupError::Usage)?;
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    resolve_with(global, paths, no_color_env)
}

fn resolve_with(
    global: &GlobalOptions,
    paths: Paths,
    no_color_env: bool,
) -> Result<Resolved, SetupError> {
    let file = ConfigFile::load(&paths.config_file, paths.config_explicit)?;
    let config_found = file.is_some();
    let file = file.unwrap_or_default();

    let profile_name = global
        .profile
        .clone()
        .or_else(|| file.default_profile.clone());
    let profile = match &profile_name {
        Some(name) => Some(file.profiles.get(name).ok_or_else(|| {
            let where_ = if config_found {
                format!("in {}", paths.config_file.display())
            } else {
                format!("because {} does not exist", paths.config_file.display())
            };
            SetupError::Usage(format!(
                "no profile named \"{name}\" {where_} ({})",
                file.profile_list()
            ))
        })?),
        None => None,
    };

    let log_level = match &global.log_level {
        Some(name) => crate::logging::parse_level(name).ok_or_else(|| {
            SetupError::Usage(format!(
                "--log-level \"{name}\" is not one of off, error, warn, info, debug, trace"
            ))
        })?,
        None => file
            .log_level
            .as_deref()
            .and_then(crate::logging::parse_level)
            .unwrap_or(crate::logging::DEFAULT_LEVEL),
    };

    let mut settings = ConnectionSettings::default();
    let (server, server_origin) = match (&global.server, profile) {
        (Some(server), _) => (server.clone(), Origin::FlagOrEnv),
        (None, Some(profile)) => (profile.server.clone(), Origin::Profile),
        (None, None) => (String::new(), Origin::Default),
    };
    settings.server = server;
    settings.insecure = global.insecure || profile.is_some_and(|p| p.insecure);
    settings.ca_cert = global
        .ca_cert
        .clone()
        .or_else(|| profile.and_then(|p| p.ca_cert.clone()));
    settings.allow_http = global.allow_http || profile.is_some_and(|p| p.allow_http);
    settings.tls_fingerprint = match (&global.tls_fingerprint, profile) {
        (Some(pin), _) => Some(
            Fingerprint::parse(pin)
                .map_err(|message| SetupError::Usage(format!("--tls-fingerprint: {message}")))?,
        ),
        // Checked when the file was read.
        (None, Some(profile)) => profile
            .tls_fingerprint
            .as_deref()
            .and_then(|pin| Fingerprint::parse(pin).ok()),
        (None, None) => None,
    };
    if let Some(profile) = profile {
        if let Some(megabytes) = profile.max_response_mb {
            settings.max_response_bytes = megabytes.get().saturating_mul(1024 * 1024);
        }
        if let Some(records) = profile.max_records {
            settings.max_records = records.get();
        }
        if let Some(version) = &profile.api_version {
            settings.api_version = version.clone();
        }
        if let Some(size) = profile.page_size {
            settings.page_size = size.get();
        }
        if let Some(concurrency) = profile.concurrency {
            settings.concurrency = concurrency.get();
        }
    }
    let (user, user_origin) = match (&global.user, profile.and_then(|p| p.user.clone())) {
        (Some(user), _) => (Some(user.clone()), Origin::FlagOrEnv),
        (None, Some(user)) => (Some(user), Origin::Profile),
        (None, None) => (None, Origin::Default),
    };

    Ok(Resolved {
        paths,
        config_found,
        profile_name,
        settings,
        server_origin,
        user,
        user_origin,
        org: global
            .org
            .clone()
            .or_else(|| profile.and_then(|p| p.org.clone())),
        password_command: profile.and_then(|p| p.password_command.clone()),
        readonly: profile.is_some_and(|p| p.readonly),
        no_color: global.no_color
            || no_color_env
            || profile.is_some_and(|p| p.theme == Some(Theme::Mono)),
        log_level,
        demo: global.demo,
        ui: file.ui,
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn paths_for(dir: &Path) -> Paths {
        Paths {
            config_file: dir.join("config.toml"),
            config_explicit: false,
            state_dir: dir.join("state"),
            log_file: dir.join("state/kace-tui.log"),
            cache_dir: dir.join("cache"),
        }
    }

    const FILE: &str = r#"
default_profile = "prod"
log_level = "debug"
[profiles.prod]
server = "https://prod"
user = "produser"
org = "Default"
page_size = 250
password_command = "pass show prod"
[profiles.lab]
server = "https://lab"
insecure = true
readonly = true
[profiles.pinned]
server = "http://kace.internal"
tls_fingerprint = "sha256:00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"
allow_http = true
max_response_mb = 8
max_records = 5000
"#;

    fn with_file(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), text).unwrap();
        dir
    }

    #[test]
    fn the_default_profile_fills_what_flags_leave_open() {
        let dir = with_file(FILE);
        let resolved =
            resolve_with(&GlobalOptions::default(), paths_for(dir.path()), false).unwrap();
        assert_eq!(resolved.profile_name.as_deref(), Some("prod"));
        assert_eq!(resolved.settings.server, "https://prod");
        assert_eq!(resolved.server_origin, Origin::Profile);
        assert_eq!(resolved.user.as_deref(), Some("produser"));
        assert_eq!(resolved.settings.page_size, 250);
        assert_eq!(resolved.password_command.as_deref(), Some("pass show prod"));
        assert_eq!(resolved.log_level, LevelFilter::DEBUG);
        assert!(!resolved.settings.insecure && !resolved.readonly);
    }

    #[test]
    fn flags_beat_the_profile() {
        let dir = with_file(FILE);
        let global = GlobalOptions {
            profile: Some("lab".into()),
            server: Some("https://flag".into()),
            user: Some("flaguser".into()),
            org: Some("Lab".into()),
            ca_cert: Some(PathBuf::from("/ca.pem")),
            log_level: Some("trace".into()),
            ..GlobalOptions::default()
        };
        let resolved = resolve_with(&global, paths_for(dir.path()), true).unwrap();
        assert_eq!(resolved.profile_name.as_deref(), Some("lab"));
        assert_eq!(resolved.settings.server, "https://flag");
        assert_eq!(resolved.server_origin, Origin::FlagOrEnv);
        assert_eq!(resolved.user.as_deref(), Some("flaguser"));
        assert_eq!(resolved.org.as_deref(), Some("Lab"));
        assert_eq!(resolved.settings.ca_cert, Some(PathBuf::from("/ca.pem")));
        assert!(resolved.settings.insecure && resolved.readonly && resolved.no_color);
        assert_eq!(resolved.log_level, LevelFilter::TRACE);
    }

    #[test]
    fn app_options_carry_the_ui_settings_and_the_password_from_its_command() {
        use secrecy::ExposeSecret;
        let dir = with_file(
            "default_profile = \"a\"\n[profiles.a]\nserver = \"https://a\"\n\
             password_command = \"echo pw-from-command\"\ntheme = \"mono\"\nreadonly = true\n\
             [ui]\nstale_after_days = 3\ncolumns = [\"name\", \"model\"]\n[ui.keys]\nquit = \"ctrl-q\"\n",
        );
        let resolved =
            resolve_with(&GlobalOptions::default(), paths_for(dir.path()), false).unwrap();
        let options = resolved.app_options().unwrap();
        assert_eq!(
            options
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string()),
            Some("pw-from-command".to_string())
        );
        assert_eq!(options.stale_after, Some(Duration::from_secs(3 * 86_400)));
        assert!(options.no_color);
        assert!(options.readonly);
        assert_eq!(
            options.columns,
            Some(vec![
                crate::app::table::Column::Name,
                crate::app::table::Column::Model
            ])
        );
        assert_eq!(options.settings.server, "https://a");
        let quit: Vec<String> = options
            .keymap
            .keys(
                crate::app::keymap::Context::Machines,
                crate::app::keymap::Action::Quit,
            )
            .iter()
            .map(|chord| chord.to_string())
            .collect();
        assert!(!quit.is_empty());
        assert_ne!(
            quit,
            Keymap::defaults()
                .keys(
                    crate::app::keymap::Context::Machines,
                    crate::app::keymap::Action::Quit
                )
                .iter()
                .map(|chord| chord.to_string())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn transport_settings_come_from_the_profile_and_flags_win() {
        let dir = with_file(FILE);
        let pinned = GlobalOptions {
            profile: Some("pinned".into()),
            ..GlobalOptions::default()
        };
        let resolved = resolve_with(&pinned, paths_for(dir.path()), false).unwrap();
        let settings = &resolved.settings;
        assert!(settings.allow_http);
        assert_eq!(settings.max_response_bytes, 8 * 1024 * 1024);
        assert_eq!(settings.max_records, 5000);
        assert_eq!(
            settings.tls_fingerprint.map(|pin| pin.to_string()),
            Some(
                "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"
                    .to_string()
            )
        );
        let flag = "FF".repeat(32);
        let overridden = GlobalOptions {
            tls_fingerprint: Some(flag.clone()),
            ..pinned.clone()
        };
        let resolved = resolve_with(&overridden, paths_for(dir.path()), false).unwrap();
        assert_eq!(
            resolved.settings.tls_fingerprint,
            Some(Fingerprint::parse(&flag).unwrap())
        );
        let bad = GlobalOptions {
            tls_fingerprint: Some("nope".into()),
            ..pinned
        };
        let error = resolve_with(&bad, paths_for(dir.path()), false).unwrap_err();
        assert!(
            matches!(&error, SetupError::Usage(message) if message.starts_with("--tls-fingerprint")),
            "{error}"
        );
        let prod = resolve_with(&GlobalOptions::default(), paths_for(dir.path()), false).unwrap();
        assert!(!prod.settings.allow_http && prod.settings.tls_fingerprint.is_none());
        assert_eq!(
            prod.settings.max_response_bytes,
            crate::api::client::DEFAULT_MAX_RESPONSE_BYTES
        );
        let allow = GlobalOptions {
            allow_http: true,
            ..GlobalOptions::default()
        };
        let resolved = resolve_with(&allow, paths_for(dir.path()), false).unwrap();
        assert!(resolved.settings.allow_http);
    }

    #[test]
    fn no_file_and_no_profile_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let resolved =
            resolve_with(&GlobalOptions::default(), paths_for(dir.path()), false).unwrap();
        assert!(!resolved.config_found);
        assert_eq!(resolved.settings.server, "");
        assert_eq!(resolved.profile_name, None);
    }

    #[test]
    fn an_unknown_profile_lists_the_known_ones() {
        let dir = with_file(FILE);
        let global = GlobalOptions {
            profile: Some("staging".into()),
            ..GlobalOptions::default()
        };
        let error = resolve_with(&global, paths_for(dir.path()), false).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("\"staging\""), "{message}");
        assert!(message.contains("profiles: lab, pinned, prod"), "{message}");
    }

    #[test]
    fn an_explicit_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = paths_for(dir.path());
        paths.config_explicit = true;
        let error = resolve_with(&GlobalOptions::default(), paths, false).unwrap_err();
        assert!(matches!(error, SetupError::Config(_)), "{error}");
    }

    #[test]
    fn a_bad_log_level_flag_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let global = GlobalOptions {
            log_level: Some("chatty".into()),
            ..GlobalOptions::default()
        };
        let error = resolve_with(&global, paths_for(dir.path()), false).unwrap_err();
        assert!(matches!(error, SetupError::Usage(_)), "{error}");
    }
}
