//! The log file: `tracing` events go to a file in the state directory, never to the terminal
//! (the UI owns the terminal, and headless output must stay parseable). No ANSI colours; the
//! file is private to the owner because it may name machines and users.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use tracing_subscriber::filter::LevelFilter;

/// The level used when neither `--log-level` nor the configuration says otherwise.
pub const DEFAULT_LEVEL: LevelFilter = LevelFilter::INFO;

/// When the process started, as near as `main` can tell (the first thing it does is
/// [`mark_process_start`]). The performance milestones in the log are measured from here.
static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Starts the clock of [`ms_since_start`]. Call it first thing in `main`; later calls do nothing.
pub fn mark_process_start() {
    PROCESS_START.get_or_init(Instant::now);
}

/// Monotonic milliseconds since [`mark_process_start`], for the debug-level performance
/// milestones ("login done", "first page", "first frame with rows", "all rows loaded", "key to
/// frame") that `scripts/bench.sh` reads from the log.
pub fn ms_since_start() -> f64 {
    PROCESS_START
        .get_or_init(Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1_000.0
}

/// Parses a level name (case-insensitive): off, error, warn, info, debug, trace.
pub fn parse_level(name: &str) -> Option<LevelFilter> {
    match name.trim().to_ascii_lowercase().as_str() {
        "off" => Some(LevelFilter::OFF),
        "error" => Some(LevelFilter::ERROR),
        "warn" | "warning" => Some(LevelFilter::WARN),
        "info" => Some(LevelFilter::INFO),
        "debug" => Some(LevelFilter::DEBUG),
        "trace" => Some(LevelFilter::TRACE),
        _ => None,
    }
}

/// Installs the global subscriber writing to `log_file` (created 0600, appended to). Call once,
/// early; a second call leaves the first subscriber in place.
pub fn init(log_file: &Path, level: LevelFilter) -> std::io::Result<()> {
    if level == LevelFilter::OFF {
        return Ok(());
    }
    let file = crate::paths::open_private_append(log_file)?;
    let installed = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(level)
        .with_writer(Mutex::new(file))
        .try_init();
    if installed.is_ok() {
        tracing::info!(version = env!("CARGO_PKG_VERSION"), "kace-tui started");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_parse_case_insensitively() {
        assert_eq!(parse_level("TRACE"), Some(LevelFilter::TRACE));
        assert_eq!(parse_level(" warn "), Some(LevelFilter::WARN));
        assert_eq!(parse_level("loud"), None);
    }
}
