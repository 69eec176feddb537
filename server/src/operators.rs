//! The console's operators (issue 28, `docs/console.md`): their name rules, roles and
//! argon2id passwords, and the two changes made to them (add; change role, disabled or
//! password), shared by `zailai operator` and `/v1/admin/operators`. Disabling an operator
//! or giving it a new password ends its sessions.

use crate::store::operators::{OperatorRow, OperatorStore, OperatorUpdate};
use crate::store::StoreError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde_json::{json, Value};

/// The roles, lowest first (`serve::auth::Role`).
pub const ROLES: [&str; 3] = ["viewer", "operator", "admin"];

/// The shortest password accepted, and the longest (argon2 reads all of it).
pub const MIN_PASSWORD: usize = 12;
pub const MAX_PASSWORD: usize = 256;

/// What went wrong with a change: `path` names the field at fault.
#[derive(Debug)]
pub enum OperatorError {
    Invalid {
        path: &'static str,
        message: String,
    },
    Unknown(String),
    Taken(String),
    /// The change would leave no enabled admin: nobody could manage operators or publish
    /// from the console (the CLI and the admin token still could).
    LastAdmin(String),
    Store(StoreError),
}

impl std::fmt::Display for OperatorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OperatorError::Invalid { path, message } => write!(f, "{path}: {message}"),
            OperatorError::Unknown(name) => write!(f, "no operator named {name:?}"),
            OperatorError::Taken(name) => write!(f, "an operator named {name:?} exists already"),
            OperatorError::LastAdmin(name) => write!(
                f,
                "{name:?} is the last enabled admin: make another operator admin first"
            ),
            OperatorError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<StoreError> for OperatorError {
    fn from(e: StoreError) -> OperatorError {
        OperatorError::Store(e)
    }
}

fn invalid(path: &'static str, message: impl Into<String>) -> OperatorError {
    OperatorError::Invalid {
        path,
        message: message.into(),
    }
}

/// A name is 1–32 of `a-z 0-9 . _ -`, starting with a letter or digit: it shows in the
/// audit log and its CSV, so nothing there can pass for another name or a formula.
pub fn check_name(name: &str) -> Result<(), OperatorError> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if (1..=32).contains(&name.len()) && first_ok && name.chars().all(ok_char) {
        Ok(())
    } else {
        Err(invalid(
            "name",
            format!(
                "{name:?} is not an operator name: 1–32 of a-z, 0-9, '.', '_', '-', \
                 starting with a letter or digit"
            ),
        ))
    }
}

pub fn check_role(role: &str) -> Result<(), OperatorError> {
    if ROLES.contains(&role) {
        Ok(())
    } else {
        Err(invalid(
            "role",
            format!("{role:?} is not a role: viewer, operator or admin"),
        ))
    }
}

pub fn check_password(password: &str) -> Result<(), OperatorError> {
    let n = password.chars().count();
    if (MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        Ok(())
    } else {
        Err(invalid(
            "password",
            format!("a password has {MIN_PASSWORD}–{MAX_PASSWORD} characters ({n} given)"),
        ))
    }
}

/// The argon2id hash (PHC string) of `password`, at the crate's default cost (OWASP's:
/// 19 MiB, 2 passes). Slow on purpose: call it off the async threads ([`hash_blocking`]).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` is the one `phc` was made from (false for a malformed hash).
pub fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// [`hash_password`] on a blocking thread.
pub async fn hash_blocking(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Checks `password` against `phc` on a blocking thread; with no hash (an unknown name),
/// against a hash of a random password, so that the answer takes as long as for a known one.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => password_matches(&password, &phc),
        None => {
            password_matches(&password, decoy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// Makes the decoy hash now (on a blocking thread), so that the first unknown name does not
/// take twice as long as a known one (`serve::app` calls it at start).
pub fn prepare_decoy() {
    tokio::task::spawn_blocking(|| {
        decoy_hash();
    });
}

/// A hash of a random password, made once, to spend a known name's time on unknown ones.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = generate_password().unwrap_or_else(|_| "decoy-password".to_owned());
        hash_password(&password).unwrap_or_default()
    })
}

/// A strong password to hand out once: 20 characters of an unambiguous 32-letter alphabet
/// (100 bits).
pub fn generate_password() -> Result<String, String> {
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz23456789A";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness: {e}"))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
        .collect())
}

/// An operator as the API and the audit log show it: never the password hash.
pub fn public(op: &OperatorRow) -> Value {
    json!({
        "name": op.name,
        "role": op.role,
        "disabled": op.disabled,
        "created_at": op.created_at,
        "last_login_at": op.last_login_at,
    })
}

/// Adds an operator; its public view.
pub async fn add(
    store: &impl OperatorStore,
    name: &str,
    role: &str,
    password: &str,
    now: i64,
) -> Result<OperatorRow, OperatorError> {
    check_name(name)?;
    check_role(role)?;
    check_password(password)?;
    let password_hash = hash_blocking(password.to_owned())
        .await
        .map_err(|e| OperatorError::Store(StoreError(e)))?;
    let row = OperatorRow {
        name: name.to_owned(),
        role: role.to_owned(),
        password_hash,
        disabled: false,
        created_at: now,
        updated_at: now,
        last_login_at: None,
    };
    if !store.add_operator(&row).await? {
        return Err(OperatorError::Taken(name.to_owned()));
    }
    Ok(row)
}

/// A change to an operator: each field left `None` stays as it is.
#[derive(Debug, Default, Clone)]
pub struct Change {
    pub role: Option<String>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Applies `change` to operator `name`: its public view before and after (the after view
/// says `"password":"changed"` when it was). Disabling it or a new password ends its
/// sessions.
pub async fn change(
    store: &impl OperatorStore,
    name: &str,
    change: Change,
    now: i64,
) -> Result<(Value, Value), OperatorError> {
    if let Some(role) = &change.role {
        check_role(role)?;
    }
    if let Some(password) = &change.password {
        check_password(password)?;
    }
    let Some(before) = store.operator(name).await? else {
        return Err(OperatorError::Unknown(name.to_owned()));
    };
    let mut after = before.clone();
    if let Some(role) = change.role {
        after.role = role;
    }
    if let Some(disabled) = change.disabled {
        after.disabled = disabled;
    }
    if let Some(password) = &change.password {
        after.password_hash = hash_blocking(password.clone())
            .await
            .map_err(|e| OperatorError::Store(StoreError(e)))?;
    }
    after.updated_at = now;
    match store.update_operator(&after).await? {
        OperatorUpdate::Done => {}
        OperatorUpdate::Unknown => return Err(OperatorError::Unknown(name.to_owned())),
        OperatorUpdate::LastAdmin => return Err(OperatorError::LastAdmin(name.to_owned())),
    }
    if after.disabled || change.password.is_some() {
        store.end_console_sessions_of(name).await?;
    }
    let mut shown = public(&after);
    if change.password.is_some() {
        shown["password"] = json!("changed");
    }
    Ok((public(&before), shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rules() {
        for ok in ["alice", "a", "ops-1", "li.wei_2", &"x".repeat(32)] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Alice",
            "-a",
            ".a",
            "a b",
            "李",
            "=cmd",
            &"x".repeat(33),
        ] {
            let err = check_name(bad).unwrap_err().to_string();
            assert!(err.starts_with("name: "), "{bad}: {err}");
        }
    }

    #[test]
    fn roles_and_passwords_are_checked() {
        for role in ROLES {
            assert!(check_role(role).is_ok());
        }
        assert!(check_role("root").unwrap_err().to_string().contains("root"));
        assert!(check_password(&"x".repeat(11)).is_err());
        assert!(check_password(&"x".repeat(12)).is_ok());
        assert!(check_password(&"x".repeat(256)).is_ok());
        assert!(check_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn hashes_are_argon2id_and_verify_only_their_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(password_matches("correct horse battery", &hash));
        assert!(!password_matches("correct horse batterx", &hash));
        assert!(!password_matches("correct horse battery", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    /// An unknown name is checked against the decoy: a real argon2id hash at the same cost as
    /// every operator's, so it takes the same work (a count, not a timing: timed tests flake on
    /// shared machines).
    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let decoy = decoy_hash();
        let real = hash_password("correct horse battery").unwrap();
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).unwrap().to_owned();
        assert_eq!(params(decoy), params(&real), "{decoy} vs {real}");
        assert!(PasswordHash::new(decoy).is_ok());
        assert!(!password_matches("decoy-password", decoy));
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate_password().unwrap();
        assert_eq!(a.chars().count(), 20);
        assert!(check_password(&a).is_ok());
        assert_ne!(a, generate_password().unwrap());
    }
}
