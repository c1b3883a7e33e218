use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use std::io::IsTerminal;

use kace_tui::api::ConnectionSettings;
use kace_tui::app::AppOptions;
use kace_tui::cli::{Cli, Command, GlobalOptions};
use kace_tui::fake::{self, DEMO_ACCOUNTS, FakeConfig};
use kace_tui::tui::{self, StartOptions};
use secrecy::SecretString;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kace-tui", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
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
        _ => {
            eprintln!("kace-tui: not built yet");
            ExitCode::from(1)
        }
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
    let no_color =
        global.no_color || std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let app = AppOptions {
        settings: ConnectionSettings {
            server: global.server.clone().unwrap_or_default(),
            ca_cert: global.ca_cert.clone(),
            insecure: global.insecure,
            ..ConnectionSettings::default()
        },
        user: global.user.clone(),
        password: std::env::var("KACE_PASSWORD").ok().map(SecretString::from),
        org: global.org.clone(),
        no_color,
        ..AppOptions::default()
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
    let runtime = match tokio::runtime::Runtime::new() {
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
