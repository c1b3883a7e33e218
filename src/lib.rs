//! kace-tui: a terminal dashboard for the inventory of a Quest KACE SMA.
//!
//! The crate is a map of its folders:
//! - [`api`]: the HTTP client for the appliance (no UI types).
//! - [`worker`]: the background task that owns the client; commands in, events out.
//! - [`app`]: the one owned application state and the pure `update` function.
//! - [`ui`]: the pure `render` functions, one file per screen.
//! - [`tui`]: the terminal guard and the event loop that ties the above together.
//! - [`fake`]: the fake KACE SMA appliance used by the demo and every integration test.
//! - [`cli`]: the command line.
//! - [`config`]: the configuration file, profiles, and where secrets come from.
//! - [`paths`]: where the configuration, state, log and cache files live.
//! - [`logging`]: the log file (never the terminal).
//! - [`headless`]: the non-interactive commands (`machines`, `orgs`, `info`) and their output.
//! - [`sanitize`]: the one sanitizer for server text that reaches a terminal.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod fake;
pub mod headless;
pub mod logging;
pub mod paths;
pub mod sanitize;
pub mod tui;
pub mod ui;
pub mod worker;
