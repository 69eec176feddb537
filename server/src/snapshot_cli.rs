//! `zailai snapshot show|encode`: the binary snapshot payload as JSON for people, and JSON
//! back into the binary payload for tools that sign with keys of their own (the benchmarks).

use crate::simulate::Failure;
use std::io::Read;
use std::path::PathBuf;
use zailai::snapshot::{self, base64, Payload, TrustedKeys};

#[derive(clap::Subcommand)]
pub enum SnapshotCommand {
    /// Read a snapshot (base64, on stdin) and print its payload as JSON; with --keys, verify it first.
    Show {
        /// Trusted keys, as `/v1/config` gives them: [{"id", "public"}] (public keys in base64).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Read a payload as JSON ({user, server_version, issued_at, config_hash, acked, state}) on stdin and print it in the binary form, base64.
    Encode,
}

fn input_error(what: String) -> Failure {
    Failure::Input(format!("error: {what}"))
}

fn stdin_text() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| input_error(format!("stdin: {e}")))?;
    Ok(text)
}

pub fn run(command: SnapshotCommand) -> Result<(), Failure> {
    match command {
        SnapshotCommand::Show { keys } => show(keys),
        SnapshotCommand::Encode => encode(),
    }
}

fn show(keys: Option<PathBuf>) -> Result<(), Failure> {
    let bytes = base64::decode(stdin_text()?.trim())
        .ok_or_else(|| input_error("stdin is not base64".to_owned()))?;
    let (key_id, payload) = snapshot::inspect(&bytes).map_err(|e| input_error(e.to_string()))?;
    let verified = match keys {
        Some(path) => {
            let trusted = read_keys(&path)?;
            snapshot::verify(&bytes, &trusted).map_err(|e| input_error(e.to_string()))?;
            true
        }
        None => false,
    };
    let out = serde_json::json!({"key_id": key_id, "verified": verified, "payload": payload});
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    Ok(())
}

fn read_keys(path: &PathBuf) -> Result<TrustedKeys, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| input_error(format!("{}: {e}", path.display())))?;
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| input_error(format!("{}: {e}", path.display())))?;
    let mut trusted = TrustedKeys::new();
    for (i, key) in list.iter().enumerate() {
        let field = |name: &str| {
            key[name].as_str().ok_or_else(|| {
                input_error(format!("{}: [{i}].{name} must be a string", path.display()))
            })
        };
        let public = base64::decode(field("public")?).ok_or_else(|| {
            input_error(format!("{}: [{i}].public is not base64", path.display()))
        })?;
        trusted
            .add(field("id")?, &public)
            .map_err(|e| input_error(format!("{}: [{i}]: {e}", path.display())))?;
    }
    Ok(trusted)
}

fn encode() -> Result<(), Failure> {
    let value: serde_json::Value =
        serde_json::from_str(&stdin_text()?).map_err(|e| input_error(format!("stdin: {e}")))?;
    let text = |name: &str| {
        value[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| input_error(format!("payload.{name} must be a string")))
    };
    let number = |name: &str| {
        value[name]
            .as_i64()
            .ok_or_else(|| input_error(format!("payload.{name} must be a whole number")))
    };
    // Read in the payload's field order, so the first problem reported is the first field's.
    let user = text("user")?;
    let server_version = u32::try_from(number("server_version")?)
        .map_err(|_| input_error("payload.server_version out of range".to_owned()))?;
    let issued_at = number("issued_at")?;
    let config_hash = text("config_hash")?;
    let acked = value["acked"]
        .as_object()
        .ok_or_else(|| input_error("payload.acked must be an object".to_owned()))?
        .iter()
        .map(|(device, seq)| match seq.as_u64().map(u32::try_from) {
            Some(Ok(seq)) => Ok((device.clone(), seq)),
            _ => Err(input_error(format!("payload.acked.{device} must be a seq"))),
        })
        .collect::<Result<_, _>>()?;
    let state = zailai::State::from_json(&value["state"].to_string())
        .map_err(|e| input_error(format!("payload.state: {e}")))?;
    let payload = Payload {
        user,
        server_version,
        issued_at,
        config_hash,
        acked,
        state,
    };
    println!("{}", base64::encode(&zailai::binary::encode(&payload)));
    Ok(())
}
