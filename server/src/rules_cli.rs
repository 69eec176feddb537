//! `zailai rules encode|show`: a rule file (JSON, for people) into the binary form a client
//! holds (`docs/binary.md`, "Rules"), and back. An app that pins its own rules in the client
//! passes the encoded text as `config`; the server sends the same bytes at `/v1/config`.
//! The published versions in a server's database (`publish`, `list`, `show N`, `diff`,
//! `rollback`) are `rules_versions_cli.rs`.

use crate::rules_versions_cli as versions;
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
    /// Without N: read rules in the binary form (base64, on stdin), check them and print
    /// them as JSON. With N: print published version N (its rules, mapping and who, when, why).
    Show {
        number: Option<u32>,
        #[command(flatten)]
        db: versions::Db,
    },
    /// Publish a rule file as the next version, in effect from --effective-from.
    Publish {
        /// The rule file (JSON).
        #[arg(long)]
        config: PathBuf,
        #[command(flatten)]
        publishing: versions::Publishing,
        #[command(flatten)]
        db: versions::Db,
    },
    /// List the published versions (in effect, past, scheduled).
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: versions::Db,
    },
    /// The paths where version B's rules differ from version A's.
    Diff {
        a: u32,
        b: u32,
        #[command(flatten)]
        db: versions::Db,
    },
    /// Publish version N's rules anew as the next version (history is never rewritten).
    Rollback {
        number: u32,
        #[command(flatten)]
        publishing: versions::Publishing,
        #[command(flatten)]
        db: versions::Db,
    },
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
        RulesCommand::Show {
            number: Some(n),
            db,
        } => versions::show(&db, n),
        RulesCommand::Publish {
            config,
            publishing,
            db,
        } => versions::publish(&db, &config, &publishing),
        RulesCommand::List { json, db } => versions::list(&db, json),
        RulesCommand::Diff { a, b, db } => versions::diff(&db, a, b),
        RulesCommand::Rollback {
            number,
            publishing,
            db,
        } => versions::rollback(&db, number, &publishing),
        RulesCommand::Show { number: None, .. } => {
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
