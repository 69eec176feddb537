//! `zailai operator add | list | disable | reset-password`: the console's operators in a
//! server's database (docs/console.md), e.g. the first admin. Each change is in the audit
//! log as actor `cli`.

use crate::rules_versions_cli::{open, Db};
use crate::simulate::Failure;
use serde_json::Value;
use zailai_server::operators::{self, Change, OperatorError};
use zailai_server::store::operators::{AuditRow, OperatorStore};
use zailai_server::store::AnyStore;

#[derive(clap::Subcommand)]
pub enum OperatorCommand {
    /// Add an operator. Without --password-stdin a strong password is made and printed once.
    Add {
        /// 1–32 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit.
        name: String,
        /// viewer (reads), operator (+ drafts, what-if, campaigns, grants, exports) or admin
        /// (+ publishing, rollback, revokes, operators).
        #[arg(long)]
        role: String,
        /// Read the password (12–256 characters) from stdin's first line instead.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: Db,
    },
    /// List the operators (name, role, disabled, last login).
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: Db,
    },
    /// Disable an operator: it can no longer log in, and its sessions end at once.
    Disable {
        name: String,
        #[command(flatten)]
        db: Db,
    },
    /// Give an operator a new password (made and printed once, or --password-stdin); its
    /// sessions end.
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: Db,
    },
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(format!("error: {e}"))
}

/// The password from stdin's first line, or a fresh one (then `true`: print it).
fn password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if !from_stdin {
        return operators::generate_password()
            .map(|p| (p, true))
            .map_err(input);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| input(format!("cannot read the password from stdin: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    operators::check_password(&line).map_err(input)?;
    Ok((line, false))
}

/// Records a CLI change in the audit log.
async fn audit(
    store: &AnyStore,
    action: &str,
    name: &str,
    before: Value,
    after: Value,
) -> Result<(), Failure> {
    let row = AuditRow {
        id: 0,
        at: zailai_server::serve::now_ms(),
        actor: "cli".to_owned(),
        role: "admin".to_owned(),
        action: action.to_owned(),
        target: format!("operator:{name}"),
        before: before.to_string(),
        after: after.to_string(),
        address: String::new(),
    };
    store.add_audit(&row).await.map(|_| ()).map_err(input)
}

fn operator_error(e: OperatorError) -> Failure {
    input(e)
}

pub fn run(command: OperatorCommand) -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new().map_err(input)?;
    runtime.block_on(run_async(command))
}

async fn run_async(command: OperatorCommand) -> Result<(), Failure> {
    let now = zailai_server::serve::now_ms();
    match command {
        OperatorCommand::Add {
            name,
            role,
            password_stdin,
            db,
        } => {
            // Checked before the password is read or made, and before the database is opened.
            operators::check_name(&name).map_err(operator_error)?;
            operators::check_role(&role).map_err(operator_error)?;
            let (password, print) = password(password_stdin)?;
            let store = open(&db).await?;
            let row = operators::add(&store, &name, &role, &password, now)
                .await
                .map_err(operator_error)?;
            let after = operators::public(&row);
            audit(&store, "operator.add", &name, Value::Null, after).await?;
            println!("added operator {name} ({role})");
            if print {
                println!("password: {password}  (shown once: hand it over, it is not stored)");
            }
            Ok(())
        }
        OperatorCommand::List { json, db } => {
            let store = open(&db).await?;
            let all = store.operators().await.map_err(input)?;
            if json {
                let shown: Vec<Value> = all.iter().map(operators::public).collect();
                println!("{}", serde_json::json!({ "operators": shown }));
                return Ok(());
            }
            if all.is_empty() {
                println!("no operators: add one with `zailai operator add NAME --role admin`");
            }
            for op in &all {
                let login = op
                    .last_login_at
                    .map_or_else(|| "never".to_owned(), |at| format!("{at}"));
                let state = if op.disabled { "disabled" } else { "active" };
                println!(
                    "{:<32} {:<8} {:<8} last login {login}",
                    op.name, op.role, state
                );
            }
            Ok(())
        }
        OperatorCommand::Disable { name, db } => {
            let store = open(&db).await?;
            let change = Change {
                disabled: Some(true),
                ..Change::default()
            };
            let (before, after) = operators::change(&store, &name, change, now)
                .await
                .map_err(operator_error)?;
            audit(&store, "operator.change", &name, before, after).await?;
            println!("disabled operator {name}; its sessions ended");
            Ok(())
        }
        OperatorCommand::ResetPassword {
            name,
            password_stdin,
            db,
        } => {
            let store = open(&db).await?;
            if store.operator(&name).await.map_err(input)?.is_none() {
                return Err(operator_error(OperatorError::Unknown(name)));
            }
            let (password, print) = password(password_stdin)?;
            let change = Change {
                password: Some(password.clone()),
                ..Change::default()
            };
            let (before, after) = operators::change(&store, &name, change, now)
                .await
                .map_err(operator_error)?;
            audit(&store, "operator.change", &name, before, after).await?;
            println!("new password for {name}; its sessions ended");
            if print {
                println!("password: {password}  (shown once: hand it over, it is not stored)");
            }
            Ok(())
        }
    }
}
