use std::process::ExitCode;

use clap::Parser;
use kace_tui::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::DemoServer(_)) | None => {
            eprintln!("kace-tui: not built yet");
            ExitCode::from(1)
        }
        Some(command) => kace_tui::headless::run(&cli.global, command),
    }
}
