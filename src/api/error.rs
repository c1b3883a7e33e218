//! Typed errors, so the UI and the CLI can act on them (log in again, ask for a 2FA code,
//! point at `ca_cert`, ...). Messages are written for a person, and never contain a secret.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum ApiError {
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("this account needs a two-factor code")]
    TwoFactorRequired,
    #[error("the two-factor code was not accepted")]
    TwoFactorRejected,
    #[error("unknown organization \"{0}\"")]
    UnknownOrganization(String),
    #[error("the session expired: log in again")]
    SessionExpired,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("not allowed for this account: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("the appliance rejected the request: {0}")]
    BadRequest(String),
    #[error("the appliance answered {status}: {description}")]
    Server { status: u16, description: String },
    #[error("no answer from {host} within {seconds} s")]
    Timeout { host: String, seconds: u64 },
    #[error("connection refused by {host}: is the appliance running and the port right?")]
    ConnectionRefused { host: String },
    #[error("cannot resolve host {host}")]
    Dns { host: String },
    #[error(
        "TLS failure talking to {host}: {detail} (for a self-signed appliance set ca_cert or tls_fingerprint, or as a last resort insecure = true)"
    )]
    Tls { host: String, detail: String },
    #[error("network error talking to {host}: {detail}")]
    Network { host: String, detail: String },
    #[error("could not read the answer to {call}: {detail}")]
    Decode { call: String, detail: String },
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error(
        "refusing to send credentials over plain HTTP to {host}: use https:// (or allow_http = true)"
    )]
    InsecureTransport { host: String },
    #[error(
        "the answer to {call} is larger than the {limit_mb} MB cap (max_response_mb); the appliance may be broken"
    )]
    TooLarge { call: String, limit_mb: u64 },
    #[error(
        "{call}: the appliance sent more than {limit} records; stopped there (max_records), what was loaded is kept"
    )]
    TooManyRecords { call: String, limit: usize },
    #[error("invalid setting: {0}")]
    Config(String),
}
