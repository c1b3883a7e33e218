//! The non-interactive commands: `machines list`, `machines get`, `orgs`, `info` and
//! `completions`. They print to stdout for scripts and pipes; errors go to stderr as one line
//! (plus a hint) with a stable exit code (see [`exit`]).
//!
//! - [`failure`]: the error type every command returns, and its exit code.
//! - [`info`]: `kace-tui info`, the resolved paths and profile.
//! - [`output`]: the table, json, jsonl and csv formats.

pub mod failure;
pub mod info;
pub mod output;

use std::process::ExitCode;

use crate::cli::{Cli, Command, GlobalOptions};
use crate::config::Resolved;
pub use failure::{Failure, exit};

/// Runs one headless command and returns the process exit code. `command` must not be
/// `DemoServer` (the fake appliance has its own entry point).
pub fn run(global: &GlobalOptions, command: Command) -> ExitCode {
    match execute(global, command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            tracing::error!(code = failure.code, "{}", failure.message);
            failure.print();
            ExitCode::from(failure.code)
        }
    }
}

fn execute(global: &GlobalOptions, command: Command) -> Result<(), Failure> {
    if let Command::Completions { shell } = command {
        let mut cli = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(shell, &mut cli, "kace-tui", &mut std::io::stdout());
        return Ok(());
    }
    let resolved = setup(global)?;
    match command {
        Command::Info => info::print(&resolved, &mut std::io::stdout().lock()),
        Command::Machines(_) | Command::Orgs => Err(Failure::unexpected(
            "this command is not available yet in this build",
        )),
        Command::Completions { .. } | Command::DemoServer(_) => Err(Failure::unexpected(
            "internal error: command dispatched to the wrong place",
        )),
    }
}

/// Resolves the configuration and starts the log file: what every command (and the TUI) does
/// first. Errors are usage errors (exit code 2).
pub fn setup(global: &GlobalOptions) -> Result<Resolved, Failure> {
    let resolved = crate::config::resolve(global)?;
    crate::logging::init(&resolved.paths.log_file, resolved.log_level).map_err(|error| {
        Failure::usage(format!(
            "cannot open the log file {}: {error}",
            resolved.paths.log_file.display()
        ))
        .with_hint("set XDG_STATE_HOME to a writable directory, or use --log-level off")
    })?;
    Ok(resolved)
}
