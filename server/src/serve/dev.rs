//! Dev mode (`--dev`): anyone may log in as any member (`{"dev_user"}`), so a dev server must
//! never hold a production credential nor production data. It refuses them, and makes its own
//! under the data dir (0700; files 0600, kept across restarts): the signing key, the lottery
//! secret, the admin and merchant tokens, the console password of operator `dev` (an admin).
//! The tokens and the console login are printed at start, so a developer can call the admin
//! and merchant APIs and log in to the console. The database records which kind of server created it
//! ([`claim_mode`]): a dev server refuses a production database, and the other way round.

use super::Options;
use crate::keys;
use crate::store::{AnyStore, Store};
use std::path::Path;

/// Why `--dev` cannot run with what `opts` (and the environment) carry, naming each source.
pub fn refuse_production_credentials(opts: &Options) -> Result<(), String> {
    let mut found = Vec::new();
    if opts.key.is_some() {
        found.push("--key".to_owned());
    } else if std::env::var_os(keys::KEY_ENV).is_some() {
        found.push(keys::KEY_ENV.to_owned());
    }
    if opts.admin_token.is_some() {
        found.push("--admin-token (or ZAILAI_ADMIN_TOKEN)".to_owned());
    }
    if opts.merchant_token.is_some() {
        found.push("--merchant-token (or ZAILAI_MERCHANT_TOKEN)".to_owned());
    }
    if opts.wechat.is_some() {
        found.push("--wechat-appid/--wechat-secret (or ZAILAI_WECHAT_APPID)".to_owned());
    }
    if std::env::var_os(super::lottery_secret::SECRET_ENV).is_some() {
        // Its seeds decide production's undrawn prizes: a dev server would show them.
        found.push(super::lottery_secret::SECRET_ENV.to_owned());
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(format!(
        "--dev refuses {}: dev mode lets anyone log in as any member ({{\"dev_user\"}}), so \
         with a production key, token or WeChat login it would hand them to anyone. Dev mode \
         makes its own key and tokens under {} and prints the tokens; for production, drop \
         --dev (or unset the variable to stay in dev mode)",
        found.join(", "),
        opts.data_dir.display()
    ))
}

/// The 32-byte secret in `<data_dir>/<name>` as 64 hex characters, made on first use.
pub fn secret_file(data_dir: &Path, name: &str) -> Result<String, String> {
    let path = data_dir.join(name);
    if !path.exists() {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| format!("no randomness: {e}"))?;
        private_data_dir(data_dir)?;
        keys::create_new(&path, &zailai::lottery::hex(&fresh), true)?;
    }
    std::fs::read_to_string(&path)
        .map(|text| text.trim().to_owned())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Gives a dev server its own admin and merchant tokens (after the refusal above).
pub fn tokens(opts: &mut Options) -> Result<(), String> {
    opts.admin_token = Some(secret_file(&opts.data_dir, "dev.admin-token")?);
    opts.merchant_token = Some(secret_file(&opts.data_dir, "dev.merchant-token")?);
    Ok(())
}

/// The dev console login: operator `dev`, an admin, with the password kept in
/// `<data_dir>/dev.console-password` (made once, reused). Made at the first start; if the
/// password file changed since (a new data dir over an old database), the hash follows it.
pub async fn console_login(store: &AnyStore, data_dir: &Path) -> Result<(String, String), String> {
    use crate::operators::{self, Change};
    use crate::store::operators::OperatorStore;
    let password = secret_file(data_dir, "dev.console-password")?;
    let now = super::now_ms();
    let known = store
        .operator(DEV_OPERATOR)
        .await
        .map_err(|e| e.to_string())?;
    match known {
        None => {
            operators::add(store, DEV_OPERATOR, "admin", &password, now)
                .await
                .map_err(|e| e.to_string())?;
        }
        Some(op) => {
            let same = operators::verify_blocking(password.clone(), Some(op.password_hash)).await;
            if !same || op.disabled || op.role != "admin" {
                let change = Change {
                    role: Some("admin".to_owned()),
                    disabled: Some(false),
                    password: Some(password.clone()),
                };
                operators::change(store, DEV_OPERATOR, change, now)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    Ok((DEV_OPERATOR.to_owned(), password))
}

/// Dev mode's console operator.
pub const DEV_OPERATOR: &str = "dev";

/// Creates the data dir for the owner alone (0700) if it is missing: it will hold the dev key,
/// tokens and lottery secret. One that exists keeps its mode.
pub fn private_data_dir(data_dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))
}

/// The setting that records which kind of server created a database: `dev` or `production`.
pub const MODE: &str = "mode";

/// Records the mode of the first server to open the database, and refuses the other mode: a
/// dev server must not open production's members (anyone could log in as them), and a
/// production server must not serve a dev database (its members, balances and grants were
/// open to anyone). A database from before modes were recorded is production's, unless it is
/// the SQLite file of a data dir dev mode made (`dev.secret.json` beside it); one with members
/// and neither is refused by `--dev`, as it may be production's.
pub async fn claim_mode(store: &AnyStore, dev: bool, data_dir: &Path) -> Result<(), String> {
    let ours = if dev { "dev" } else { "production" };
    let store_err = |e: crate::store::StoreError| e.to_string();
    let recorded = match store.setting(MODE, None).await.map_err(store_err)? {
        Some(mode) => mode,
        None => {
            let dev_dir =
                matches!(store, AnyStore::Sqlite(_)) && data_dir.join("dev.secret.json").exists();
            let members = !store.users().await.map_err(store_err)?.is_empty();
            let guess = match (dev_dir, members) {
                (true, _) => "dev",
                (false, true) => "production",
                (false, false) => ours,
            };
            store
                .setting(MODE, Some(guess.to_owned()))
                .await
                .map_err(store_err)?
                .unwrap_or_else(|| guess.to_owned())
        }
    };
    if recorded == ours {
        return Ok(());
    }
    Err(if dev {
        "--dev refuses this database: a production server created it (or it has members and \
         predates recorded modes). Dev mode lets anyone log in as any member; give --dev a \
         fresh --data-dir (or --database) of its own"
            .to_owned()
    } else {
        "this database was created by a --dev server (or zailai populate): its members, \
         balances and grants were open to anyone (dev login, printed tokens) or made up. A production server starts on a fresh \
         --data-dir (or --database); keep the dev one for --dev"
            .to_owned()
    })
}
