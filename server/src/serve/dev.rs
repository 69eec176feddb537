//! Dev mode (`--dev`): anyone may log in as any member (`{"dev_user"}`), so a dev server must
//! never hold a production credential. It refuses them and makes its own under the data dir
//! (0600, kept across restarts): the signing key, the lottery secret, the admin and merchant
//! tokens. The tokens are printed at start, so a developer can call the admin and merchant APIs.

use super::Options;
use crate::keys;
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
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
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
