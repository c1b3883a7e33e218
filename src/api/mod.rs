//! The KACE SMA REST API client. Knows nothing of the terminal.
//!
//! - [`model`]: the compact in-memory records (machines, software, organizations, users).
//! - [`decode`]: lenient decoding of the appliance's JSON into those records.
//! - [`query`]: the typed builder for `filtering`, `sorting`, `paging` and `shaping`.
//! - [`client`]: login, 2FA, organizations, inventory calls, retries and re-login.
//! - [`error`]: the typed errors the UI and the CLI act on.
//! - [`tls`]: certificate fingerprints and the pinning verifier for self-signed appliances.

pub mod client;
pub mod decode;
pub mod error;
pub mod model;
pub mod query;
pub mod tls;

pub use client::{Client, ConnectionSettings, Credentials};
pub use error::ApiError;
pub use model::{
    CurrentUser, Machine, MachineDetail, Organization, Role, SUMMARY_EXTRA_FIELDS, Software, Text,
    Timestamp,
};
pub use query::{Direction, Filter, Level, Op, Query, SortKey};
