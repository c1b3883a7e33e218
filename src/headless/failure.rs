//! The one error type of the headless commands: a message for a person, an optional hint, and
//! a stable exit code. Printed to stderr as `kace-tui: <message>` and `hint: <hint>`.

use crate::api::ApiError;
use crate::config::resolve::SetupError;
use crate::config::secrets::SecretError;

/// The exit codes scripts can rely on.
pub mod exit {
    pub const OK: u8 = 0;
    /// Anything not covered below (a bug, an unexpected answer).
    pub const UNEXPECTED: u8 = 1;
    /// Bad flags, bad configuration file, missing setting.
    pub const USAGE: u8 = 2;
    /// Password, 2FA code or organization rejected, or not available.
    pub const AUTH: u8 = 3;
    /// The machine (or other record) does not exist, or the name is ambiguous.
    pub const NOT_FOUND: u8 = 4;
    /// Network, TLS, or the appliance unreachable or failing.
    pub const NETWORK: u8 = 5;
}

/// Why a headless command failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            hint: None,
        }
    }

    pub fn unexpected(message: impl Into<String>) -> Failure {
        Failure::new(exit::UNEXPECTED, message)
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(exit::USAGE, message)
    }

    pub fn auth(message: impl Into<String>) -> Failure {
        Failure::new(exit::AUTH, message)
    }

    pub fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(exit::NOT_FOUND, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    /// Writes the message (and the hint) to stderr, made safe for a terminal: parts of it may
    /// come from the appliance.
    pub fn print(&self) {
        eprintln!("kace-tui: {}", crate::sanitize::for_display(&self.message));
        if let Some(hint) = &self.hint {
            eprintln!("hint: {}", crate::sanitize::for_display(hint));
        }
    }
}

impl From<SetupError> for Failure {
    fn from(error: SetupError) -> Failure {
        match error {
            SetupError::Config(_) => Failure::usage(error.to_string())
                .with_hint("config.example.toml documents every key"),
            SetupError::Usage(_) => Failure::usage(error.to_string()),
            SetupError::Secret(secret) => Failure::from(secret),
        }
    }
}

impl From<SecretError> for Failure {
    fn from(error: SecretError) -> Failure {
        Failure::auth(error.0)
    }
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Failure {
        let message = error.to_string();
        let (code, hint) = match &error {
            ApiError::InvalidCredentials => (
                exit::AUTH,
                Some("check --user and the password source (password_command, KACE_PASSWORD)"),
            ),
            ApiError::TwoFactorRequired | ApiError::TwoFactorRejected => (
                exit::AUTH,
                Some("set KACE_2FA_CODE to the current code, or run on a terminal to be asked"),
            ),
            ApiError::UnknownOrganization(_) => {
                (exit::AUTH, Some("`kace-tui orgs` lists the organizations"))
            }
            ApiError::SessionExpired | ApiError::NotLoggedIn | ApiError::Forbidden(_) => {
                (exit::AUTH, None)
            }
            ApiError::NotFound(_) => (exit::NOT_FOUND, None),
            ApiError::BadRequest(_) | ApiError::InvalidQuery(_) => (
                exit::USAGE,
                Some("filters look like \"name co web\"; sorts like \"last_sync desc\""),
            ),
            ApiError::Config(_) | ApiError::InsecureTransport { .. } => (exit::USAGE, None),
            ApiError::Timeout { .. }
            | ApiError::ConnectionRefused { .. }
            | ApiError::Dns { .. }
            | ApiError::Network { .. } => (
                exit::NETWORK,
                Some(
                    "check --server (or the profile's `server`) and that the appliance is reachable",
                ),
            ),
            ApiError::Tls { .. } => (exit::NETWORK, None),
            ApiError::Server { status, .. } if *status >= 500 => (exit::NETWORK, None),
            ApiError::Server { .. }
            | ApiError::Decode { .. }
            | ApiError::TooLarge { .. }
            | ApiError::TooManyRecords { .. } => (exit::UNEXPECTED, None),
        };
        let failure = Failure::new(code, message);
        match hint {
            Some(hint) => failure.with_hint(hint),
            None => failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_the_documented_exit_codes() {
        let cases = [
            (ApiError::InvalidCredentials, exit::AUTH),
            (ApiError::TwoFactorRejected, exit::AUTH),
            (ApiError::UnknownOrganization("X".into()), exit::AUTH),
            (ApiError::NotFound("machine 9".into()), exit::NOT_FOUND),
            (ApiError::InvalidQuery("bad op".into()), exit::USAGE),
            (
                ApiError::ConnectionRefused { host: "h".into() },
                exit::NETWORK,
            ),
            (
                ApiError::Tls {
                    host: "h".into(),
                    detail: "d".into(),
                },
                exit::NETWORK,
            ),
            (
                ApiError::Server {
                    status: 503,
                    description: "busy".into(),
                },
                exit::NETWORK,
            ),
            (
                ApiError::Decode {
                    call: "c".into(),
                    detail: "d".into(),
                },
                exit::UNEXPECTED,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(Failure::from(error.clone()).code, code, "{error}");
        }
    }
}
