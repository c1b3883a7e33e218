//! The non-interactive commands: `machines list`, `machines get`, `orgs`, `info` and
//! `completions`. They print to stdout for scripts and pipes; errors go to stderr as one line
//! (plus a hint) with a stable exit code (see [`exit`]).
//!
//! - [`failure`]: the error type every command returns, and its exit code.
//! - [`info`]: `kace-tui info`, the resolved paths and profile.
//! - [`output`]: the table, json, jsonl and csv formats.
//! - [`session`]: logging in (credentials, 2FA, `--demo`) through the worker.
//! - [`machines`]: `machines list`, `machines get` and `orgs` on a logged-in session.

pub mod failure;
pub mod info;
pub mod machines;
pub mod output;
pub mod session;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::{Cli, Command, GlobalOptions, MachinesCommand, OutputFormat};
use crate::config::Resolved;
pub use failure::{Failure, exit};
use machines::Terminal;
use session::Connection;

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
    if let Command::Info = command {
        return info::print(&resolved, &mut std::io::stdout().lock());
    }
    let terminal = Terminal {
        is_terminal: std::io::stdout().is_terminal(),
        width: terminal_width(),
    };
    // Piped output is for programs: one JSON object per line (one document for a single one).
    let format_or = |chosen: Option<OutputFormat>, piped: OutputFormat| {
        chosen.unwrap_or(if terminal.is_terminal {
            OutputFormat::Table
        } else {
            piped
        })
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Failure::unexpected(format!("cannot start the runtime: {error}")))?;
    // Bad flags are reported before anything is sent.
    let list_plan = match &command {
        Command::Machines(MachinesCommand::List(args)) => Some(machines::ListPlan::new(
            args,
            format_or(args.output, OutputFormat::Jsonl),
            machines::table_columns(resolved.ui.columns.as_deref()),
        )?),
        _ => None,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    warn_if_insecure(&resolved);
    let result = runtime.block_on(async {
        let mut connection = Connection::open(&resolved).await?;
        match (command, list_plan) {
            (Command::Machines(MachinesCommand::List(args)), Some(plan)) => {
                machines::list(&mut connection, &args, plan, &terminal, &mut out).await
            }
            (
                Command::Machines(MachinesCommand::Get {
                    machine,
                    software,
                    output,
                }),
                _,
            ) => {
                let format = format_or(output, OutputFormat::Json);
                machines::get(
                    &mut connection,
                    &machine,
                    software,
                    format,
                    &terminal,
                    &mut out,
                )
                .await
            }
            (Command::Orgs { output }, _) => {
                let format = format_or(output, OutputFormat::Jsonl);
                machines::orgs(&mut connection, format, &terminal, &mut out).await
            }
            _ => Err(Failure::unexpected(
                "internal error: command dispatched to the wrong place",
            )),
        }
    });
    // Whatever was printed before a failure stays printed.
    let flushed = out.flush();
    drop(out);
    // The worker's tasks end with the runtime; do not wait for idle connections to close.
    runtime.shutdown_background();
    result?;
    match flushed {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::unexpected(
            format!("cannot write the output: {error}"),
        )),
        _ => Ok(()),
    }
}

/// The width tables are fitted into: the terminal's, else `COLUMNS`, else none (no cutting).
/// A terminal that reports 0 columns (a pseudo-terminal nobody sized) does not count.
fn terminal_width() -> Option<usize> {
    if std::io::stdout().is_terminal()
        && let Ok((columns, _)) = crossterm::terminal::size()
        && columns > 0
    {
        return Some(usize::from(columns));
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse().ok())
        .filter(|&columns| columns > 0)
}

/// The stderr warning for `insecure`, printed before anything connects (headless and TUI).
pub fn warn_if_insecure(resolved: &Resolved) {
    if resolved.settings.insecure {
        eprintln!(
            "kace-tui: WARNING: TLS certificate verification is disabled (--insecure / insecure = true): \
             anyone on the network path can read the password and the session. \
             Prefer ca_cert or tls_fingerprint."
        );
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
