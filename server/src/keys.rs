//! Ed25519 signing keys for snapshots: generation (`zailai keygen`), key files, and loading
//! the server's key from a file or the environment. Format: `docs/snapshot.md` (Keys).

use serde_json::{json, Value};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use zailai::snapshot::{base64, SnapshotSigner};

pub const SECRET_KIND: &str = "zailai-ed25519-secret";
pub const PUBLIC_KIND: &str = "zailai-ed25519-public";
/// Environment variable holding a secret key file's JSON.
pub const KEY_ENV: &str = "ZAILAI_SIGNING_KEY";

/// A fresh key from the operating system's randomness.
pub fn generate(id: &str) -> Result<(SnapshotSigner, [u8; 32]), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| format!("no randomness from the operating system: {e}"))?;
    let signer = SnapshotSigner::from_seed(id, &seed).map_err(|e| e.detail)?;
    Ok((signer, seed))
}

pub fn secret_json(id: &str, seed: &[u8; 32], public: &[u8; 32]) -> String {
    json!({"kind": SECRET_KIND, "id": id, "secret": base64::encode(seed), "public": base64::encode(public)}).to_string()
}

pub fn public_json(id: &str, public: &[u8; 32]) -> String {
    json!({"kind": PUBLIC_KIND, "id": id, "public": base64::encode(public)}).to_string()
}

/// Writes `<dir>/<id>.secret.json` (readable by the owner only) and `<dir>/<id>.public.json`;
/// never overwrites a key.
pub fn write_pair(dir: &Path, id: &str) -> Result<(PathBuf, PathBuf), String> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        return Err(format!(
            "key id `{id}`: use letters, digits, `-`, `_` and `.`"
        ));
    }
    let (signer, seed) = generate(id)?;
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let secret = dir.join(format!("{id}.secret.json"));
    let public = dir.join(format!("{id}.public.json"));
    if public.exists() {
        return Err(format!(
            "{} exists: a key id is never reused",
            public.display()
        ));
    }
    create_new(&secret, &secret_json(id, &seed, &signer.public_key()), true)?;
    create_new(&public, &public_json(id, &signer.public_key()), false)?;
    Ok((secret, public))
}

/// Creates `path` (never overwriting); `private` makes it readable by the owner only.
pub fn create_new(path: &Path, text: &str, private: bool) -> Result<(), String> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads a secret key file's JSON; says what is wrong and where (`what` names the source).
pub fn parse_secret(text: &str, what: &str) -> Result<SnapshotSigner, String> {
    let bad = |why: &str| format!("{what}: {why}");
    let v: Value = serde_json::from_str(text).map_err(|e| bad(&format!("not JSON: {e}")))?;
    if v["kind"] != SECRET_KIND {
        return Err(bad(&format!(
            "`kind` must be \"{SECRET_KIND}\" (is this the public file?)"
        )));
    }
    let id = v["id"].as_str().ok_or_else(|| bad("`id` missing"))?;
    let seed = v["secret"]
        .as_str()
        .and_then(base64::decode)
        .ok_or_else(|| bad("`secret` is not base64"))?;
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| bad("`secret` must be 32 bytes"))?;
    let signer = SnapshotSigner::from_seed(id, &seed).map_err(|e| bad(&e.detail))?;
    let public = v["public"].as_str().and_then(base64::decode);
    if public.as_deref() != Some(&signer.public_key()[..]) {
        return Err(bad(
            "`public` does not match `secret`: the file was edited or mixed up",
        ));
    }
    Ok(signer)
}

/// The server's signing key: from `path` if given, else from $ZAILAI_SIGNING_KEY.
pub fn load_signing_key(path: Option<&Path>) -> Result<SnapshotSigner, String> {
    match path {
        Some(p) => {
            let text =
                fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            parse_secret(&text, &p.display().to_string())
        }
        None => {
            let text = std::env::var(KEY_ENV)
                .map_err(|_| format!("no key: pass --key FILE or set {KEY_ENV}"))?;
            parse_secret(&text, KEY_ENV)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zailai::snapshot::TrustedKeys;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zailai-keys-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn generated_keys_load_and_sign_verifiably() {
        let dir = temp_dir("gen");
        let (secret, public) = write_pair(&dir, "k1").unwrap();
        let signer = load_signing_key(Some(&secret)).unwrap();
        let pub_json: Value = serde_json::from_str(&fs::read_to_string(&public).unwrap()).unwrap();
        let mut trusted = TrustedKeys::new();
        trusted
            .add(
                "k1",
                &base64::decode(pub_json["public"].as_str().unwrap()).unwrap(),
            )
            .unwrap();
        let state = zailai::State::join(&zailai::Config::seed(), "u", 0);
        let payload = zailai::snapshot::Payload {
            user: "u".into(),
            server_version: 1,
            issued_at: 0,
            config_hash: String::new(),
            acked: Default::default(),
            state,
        };
        assert!(zailai::snapshot::verify(&signer.sign(&payload), &trusted).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(write_pair(&dir, "k1").unwrap_err().contains("never reused"));
        let (a, _) = generate("x").unwrap();
        let (b, _) = generate("x").unwrap();
        assert_ne!(a.public_key(), b.public_key(), "fresh randomness each time");
    }

    #[test]
    fn bad_key_files_say_what_is_wrong() {
        let dir = temp_dir("bad");
        let (secret, public) = write_pair(&dir, "k2").unwrap();
        assert!(parse_secret(&fs::read_to_string(&public).unwrap(), "f")
            .unwrap_err()
            .contains("public file"));
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&secret).unwrap()).unwrap();
        v["public"] = json!(base64::encode(&[1; 32]));
        assert!(parse_secret(&v.to_string(), "f")
            .unwrap_err()
            .contains("does not match"));
        v["secret"] = json!("!!");
        assert!(parse_secret(&v.to_string(), "f")
            .unwrap_err()
            .contains("not base64"));
        assert!(parse_secret("{", "f")
            .unwrap_err()
            .starts_with("f: not JSON"));
        assert!(write_pair(&dir, "../evil").is_err());
    }
}
