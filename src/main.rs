use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use kace_tui::cli::{Cli, Command};
use kace_tui::fake::{self, DEMO_ACCOUNTS, FakeConfig};

fn main() -> ExitCode {
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
        None => {
            eprintln!("kace-tui: not built yet");
            ExitCode::from(1)
        }
        Some(command) => kace_tui::headless::run(&cli.global, command),
    }
}
