//! `zailai`: the operator CLI. `simulate` checks a rule file against a list of ops, `keygen`
//! makes snapshot-signing keys; later issues add `serve` and `report`.

mod simulate;
mod text;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zailai_server::keys;

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
    /// Write a new Ed25519 snapshot-signing key pair: <out>/<id>.secret.json (mode 600) and <out>/<id>.public.json.
    Keygen {
        /// The key id (letters, digits, `-`, `_`, `.`), e.g. the date it starts signing.
        #[arg(long)]
        id: String,
        /// The directory to write to.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Show the id and public key of a secret key file (or of $ZAILAI_SIGNING_KEY): which key a server signs with.
    KeyInfo {
        /// The secret key file; default: the environment variable.
        #[arg(long)]
        key: Option<PathBuf>,
    },
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
        Command::Keygen { id, out } => keys::write_pair(&out, &id)
            .map(|(secret, public)| {
                println!(
                    "secret key: {} (keep it private; the server reads it with --key or ${})",
                    secret.display(),
                    keys::KEY_ENV
                );
                println!(
                    "public key: {} (add it to the trusted keys clients get)",
                    public.display()
                );
            })
            .map_err(|e| simulate::Failure::Input(format!("error: {e}"))),
        Command::KeyInfo { key } => keys::load_signing_key(key.as_deref())
            .map(|signer| println!("{}", keys::public_json(&signer.id, &signer.public_key())))
            .map_err(|e| simulate::Failure::Input(format!("error: {e}"))),
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
