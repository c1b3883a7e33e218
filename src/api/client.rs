//! The HTTP client: one per appliance connection. (Skeleton: filled in by the client issue.)

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

/// Where and how to connect. Built from flags, environment and the profile.
#[derive(Clone, Debug)]
pub struct ConnectionSettings {
    /// Base URL of the appliance, e.g. `https://kace.example.com`.
    pub server: String,
    /// Extra CA certificate (PEM) for self-signed appliances.
    pub ca_cert: Option<PathBuf>,
    /// Skip certificate verification entirely (loudly logged).
    pub insecure: bool,
    /// Value of the `x-kace-api-version` / `x-dell-api-version` headers.
    pub api_version: String,
    /// Machines per page when listing everything.
    pub page_size: usize,
    /// Pages in flight at once when listing everything.
    pub concurrency: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Read timeout (between bytes, so big pages are fine).
    pub read_timeout: Duration,
    /// Attempts for idempotent GETs (1 = no retry).
    pub max_attempts: u32,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        ConnectionSettings {
            server: String::new(),
            ca_cert: None,
            insecure: false,
            api_version: "8".to_string(),
            page_size: 1000,
            concurrency: 4,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            max_attempts: 4,
        }
    }
}

/// What login needs. The password never leaves a [`SecretString`] except into the login body.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user: String,
    pub password: SecretString,
    /// `organizationName` for the login body; `None` lets the appliance choose.
    pub organization: Option<String>,
}

/// The appliance client.
pub struct Client {}
