//! `zailai`: the operator CLI. `simulate` checks a rule file against a list of ops;
//! later issues add `serve`, `keygen` and `report`.

mod simulate;
mod text;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "zailai",
    version,
    about = "zailai (再来): retention engine for WeChat mini-programs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply ops (JSON Lines) to a new member under a rule file and print events, state and views as JSON.
    Simulate(simulate::Args),
    /// Check a rule file and print every problem with its path.
    Check {
        /// The rule file (JSON).
        #[arg(long)]
        config: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(&args),
        Command::Check { config } => simulate::load_config(&config).map(|(_, warnings)| {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            println!("{}: ok", config.display());
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.exit_code())
        }
    }
}
