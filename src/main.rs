use std::process::ExitCode;

use clap::Parser;
use kace_tui::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Completions { shell }) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kace-tui", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("kace-tui: not built yet");
            ExitCode::from(1)
        }
    }
}
