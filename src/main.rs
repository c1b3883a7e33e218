use std::path::PathBuf;
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
                tls: args.tls,
            };
            let two_factor_code = config.two_factor_code.clone();
            let cert_out = args.cert_out;
            let served = fake::serve_forever(config, |server| {
                println!("Fake KACE SMA appliance listening on {}", server.base_url());
                if let Some(certificate) = server.certificate() {
                    announce_certificate(certificate, cert_out, server.addr().port());
                }
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

/// Prints the self-signed certificate's fingerprint and writes its PEM (to `cert_out`, else
/// the cache directory), with the flags that trust it.
fn announce_certificate(certificate: &fake::Certificate, cert_out: Option<PathBuf>, port: u16) {
    println!(
        "TLS certificate SHA-256 fingerprint: {}",
        certificate.fingerprint
    );
    let path = cert_out.or_else(|| {
        let cache_dir = kace_tui::paths::Paths::resolve(None).ok()?.cache_dir;
        kace_tui::paths::create_private_dir(&cache_dir).ok()?;
        Some(cache_dir.join(format!("demo-server-{port}.pem")))
    });
    let written = path.map(|path| {
        std::fs::write(&path, &certificate.pem)
            .map(|()| path.clone())
            .map_err(|error| format!("{}: {error}", path.display()))
    });
    match written {
        Some(Ok(path)) => {
            println!("TLS certificate (PEM) written to {}", path.display());
            println!(
                "Trust it with --ca-cert {} or --tls-fingerprint {}",
                path.display(),
                certificate.fingerprint
            );
        }
        Some(Err(error)) => eprintln!("kace-tui: cannot write the certificate: {error}"),
        None => eprintln!("kace-tui: no cache directory to write the certificate to"),
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
    kace_tui::headless::warn_if_insecure(&resolved);
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
    let ended = runtime.block_on(tui::run(options));
    // Do not wait for stragglers (a request in flight): the user is done.
    runtime.shutdown_background();
    match ended {
        Ok(ending) => ExitCode::from(ending.exit_code()),
        Err(error) => {
            eprintln!(
                "kace-tui: terminal error: {}",
                kace_tui::sanitize::for_display(&error.to_string())
            );
            ExitCode::from(1)
        }
    }
}
