//! `zailai rules encode|show`: a rule file (JSON, for people) into the binary form a client
//! holds (`docs/binary.md`, "Rules"), and back. An app that pins its own rules in the client
//! passes the encoded text as `config`; the server sends the same bytes at `/v1/config`.

use crate::simulate::{load_config, Failure};
use std::io::Read;
use std::path::PathBuf;
use zailai::snapshot::base64;
use zailai::Config;

#[derive(clap::Subcommand)]
pub enum RulesCommand {
    /// Check a rule file as `check` does and print its binary form, base64 (what `createClient({config})` takes).
    Encode {
        /// The rule file (JSON).
        #[arg(long)]
        config: PathBuf,
    },
    /// Read rules in the binary form (base64, on stdin), check them and print them as JSON.
    Show,
    /// Replay the members' op logs from a day on under a candidate rule file beside the
    /// current rules, and report the difference by week.
    WhatIf(crate::what_if_cli::Args),
}

pub fn run(command: RulesCommand) -> Result<(), Failure> {
    match command {
        RulesCommand::WhatIf(args) => crate::what_if_cli::run_what_if(args),
        RulesCommand::Encode { config } => {
            let (rules, warnings) = load_config(&config)?;
            for w in warnings {
                eprintln!("warning: {w}");
            }
            println!("{}", base64::encode(&rules.to_binary()));
            Ok(())
        }
        RulesCommand::Show => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Failure::Input(format!("error: stdin: {e}")))?;
            let bytes = base64::decode(text.trim())
                .ok_or_else(|| Failure::Input("error: stdin is not base64".to_owned()))?;
            let rules = Config::from_binary(&bytes)
                .map_err(|e| Failure::Input(format!("error: binary rules: {e}")))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).unwrap_or_default()
            );
            Ok(())
        }
    }
}
