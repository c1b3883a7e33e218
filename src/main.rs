use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use std::io::IsTerminal;

use kace_tui::cli::{Cli, Command, GlobalOptions};
use kace_tui::fake::{self, DEMO_ACCOUNTS, FakeConfig};
use kace_tui::tui::{self, StartOptions};

fn main() -> ExitCode {
    kace_tui::logging::mark_process_start();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::DemoServer(args)) => {
            if !(0.0..=1.0).contains(&args.error_rate) {
                eprintln!("kace-tui: --error-rate must be between 0.0 and 1.0");
                return ExitCode::from(2);
            }
            let config = FakeConfig {
                port: args.port,
                machines: args.machines,
                seed: args.seed,
                latency: Duration::from_millis(args.latency_ms),
                error_rate: args.error_rate,
                session_ttl: Duration::from_secs(args.session_ttl),
                legacy_csrf: args.legacy_csrf,
                two_factor_code: args.two_factor_code,
            };
            let two_factor_code = config.two_factor_code.clone();
            let served = fake::serve_forever(config, |server| {
                println!("Fake KACE SMA appliance listening on {}", server.base_url());
                println!("Accounts (user/password, role, organizations):");
                for account in &DEMO_ACCOUNTS {
                    let two_factor = if account.two_factor {
                        format!(", 2FA code {two_factor_code}")
                    } else {
                        String::new()
                    };
                    println!(
                        "  {}/{}  {}{}  [{}]",
                        account.user,
                        account.password,
                        account.role,
                        two_factor,
                        account.orgs.join(", ")
                    );
                }
                println!("Press Ctrl-C to stop.");
            });
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("kace-tui: demo-server: {error}");
                    ExitCode::from(1)
                }
            }
        }
        None => interactive(&cli.global),
        Some(command) => kace_tui::headless::run(&cli.global, command),
    }
}

/// Lowers the calling thread's scheduling priority a little (nice +5). Failure is harmless.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only changes the nice value; `who = 0` is the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 5);
    }
}

/// The interactive TUI (`kace-tui`, `kace-tui --demo`).
fn interactive(global: &GlobalOptions) -> ExitCode {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "kace-tui: the interactive view needs a terminal; for scripts use `kace-tui machines list`"
        );
        return ExitCode::from(2);
    }
    // Flags, environment and profile; a bad configuration file is reported before any screen.
    let resolved = match kace_tui::headless::setup(global) {
        Ok(resolved) => resolved,
        Err(failure) => {
            failure.print();
            return ExitCode::from(failure.code);
        }
    };
    let app = match resolved.app_options() {
        Ok(app) => app,
        Err(error) => {
            let failure = kace_tui::headless::Failure::from(error);
            failure.print();
            return ExitCode::from(failure.code);
        }
    };
    let options = if global.demo {
        match tui::demo_options(app) {
            Ok(options) => options,
            Err(error) => {
                eprintln!("kace-tui: cannot start the demo appliance: {error}");
                return ExitCode::from(1);
            }
        }
    } else {
        StartOptions { app, demo: None }
    };
    // The event loop runs on this (main) thread; the runtime's threads fetch and decode pages.
    // They run a little nicer, so on a busy machine a key is answered before the next page is
    // decoded (issue 6, P10). Linux applies nice per thread; elsewhere this is a no-op.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(lower_thread_priority)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("kace-tui: cannot start: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(tui::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kace-tui: terminal error: {error}");
            ExitCode::from(1)
        }
    }
}
