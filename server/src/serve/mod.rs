//! `zailai serve`: the reference sync server. Routes: `docs/sync.md` (HTTP).

mod admin;
mod audit;
mod auth;
mod campaigns;
mod conn;
pub mod console;
mod console_assets;
#[cfg(test)]
mod console_tests;
pub mod dev;
mod device;
pub mod error;
mod invites;
mod limit;
pub mod login;
mod lottery;
mod lottery_secret;
pub mod member_writes;
pub mod members;
mod merchant;
mod messages_csv;
mod operators_admin;
mod refusal_log;
mod request;
mod routes;
/// The routes of an app, for tests that call them in process.
pub use routes::router;
pub mod rules;
mod rules_admin;
mod rules_draft;
mod web;
mod what_if;

use crate::keys;
use crate::store::AnyStore;
use limit::RateLimiter;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use zailai::snapshot::{base64, SnapshotSigner};
use zailai::Config;

/// How the server runs (the `serve` command's flags).
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; default: SQLite at `<data_dir>/zailai.db`.
    pub database: Option<String>,
    /// Secret key file; default `$ZAILAI_SIGNING_KEY`, or in dev mode `<data_dir>/dev.secret.json`.
    pub key: Option<PathBuf>,
    /// Public key files still trusted during a rotation.
    pub trust: Vec<PathBuf>,
    /// The rules; default: the seed preset.
    pub config: Option<PathBuf>,
    /// Dev mode: dev login, a generated key.
    pub dev: bool,
    /// Guards the operator endpoints; without it they are off.
    pub admin_token: Option<String>,
    /// Guards the merchant API (`docs/merchant.md`); without it that API is off.
    pub merchant_token: Option<String>,
    pub session_ttl_ms: i64,
    pub body_limit: usize,
    /// How long a client may take to send a request's headers, and then its body.
    pub read_timeout: std::time::Duration,
    /// Sync requests per minute per user.
    pub rate_per_minute: u32,
    /// Requests per minute per address (an IPv4 address or an IPv6 /64): a coarse guard that
    /// a carrier NAT's crowd stays under; the per-member limits do the fine work.
    pub address_rate_per_minute: u32,
    /// Logins, and requests with no valid session, per minute per address.
    pub logins_per_minute: u32,
    /// Most connections open at once; 0: the open-file limit less a reserve.
    pub max_connections: usize,
    /// Ops pushed per minute per user (burst: the same, at least one full push).
    pub ops_per_minute: u32,
    /// WeChat login (code2session): app id, app secret, API base URL.
    pub wechat: Option<WeChatOptions>,
    /// A directory served at `/` (the web preview).
    pub web: Option<PathBuf>,
    /// The A/B experiments file the report reads (docs/report.md).
    pub experiments: Option<PathBuf>,
    /// The scorecard's settings (coupon values, diagnoses); default: the built-in preset.
    pub scorecard: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the per-address limits).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How often the rule versions are re-read (1–`versions::MAX_POLL_SECONDS`).
    pub rules_poll_seconds: u64,
    /// Points one operator may grant a business day (`--grant-cap`).
    pub grant_cap: u64,
    /// Coupons one operator may grant a business day (`--coupon-cap`).
    pub coupon_cap: u64,
}

impl Options {
    /// A dev server on `data_dir` with a loopback port, default rules and limits generous
    /// enough for a test's requests: what in-process tests of the routes build the app from
    /// (`serve::app`), changing the fields they test.
    pub fn dev_on(data_dir: PathBuf) -> Options {
        Options {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database: None,
            key: None,
            trust: Vec::new(),
            config: None,
            dev: true,
            admin_token: None,
            merchant_token: None,
            session_ttl_ms: 3_600_000,
            body_limit: 1 << 20,
            read_timeout: std::time::Duration::from_secs(10),
            rate_per_minute: 1000,
            address_rate_per_minute: 100_000,
            logins_per_minute: 1000,
            max_connections: 0,
            ops_per_minute: 10_000,
            wechat: None,
            web: None,
            experiments: None,
            scorecard: None,
            trusted_proxies: Vec::new(),
            rules_poll_seconds: 5,
            grant_cap: 5000,
            coupon_cap: 20,
        }
    }
}

#[derive(Clone)]
pub struct WeChatOptions {
    pub appid: String,
    pub secret: String,
    /// `https://api.weixin.qq.com`; a local fake in tests.
    pub api: String,
}

/// Shows the app id only: the secret must not end up in logs.
impl std::fmt::Debug for WeChatOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WeChatOptions({}, {})", self.appid, self.api)
    }
}

/// What every request handler shares.
pub struct App {
    pub store: AnyStore,
    /// The published rule versions (`rules.rs`): each op is applied under the version in
    /// effect at its own `at`, views at `now` under the version in effect then.
    pub rules: rules::Rules,
    pub signer: SnapshotSigner,
    /// (id, base64 public key) of every key clients should trust.
    pub trusted: Vec<(String, String)>,
    pub options: Options,
    pub per_user: RateLimiter,
    /// Ops pushed per user (`--ops-per-minute`), besides the requests.
    pub per_user_ops: RateLimiter,
    pub per_address: RateLimiter,
    /// Failed authentications per address, apart from the members' requests.
    pub failed_auth: RateLimiter,
    /// Logins per address (each may cost a code2session call).
    pub per_login: RateLimiter,
    /// Wrong admin and merchant tokens, and console cookies, per address.
    pub failed_tokens: RateLimiter,
    /// Failed console logins per account name, and per address (`console.rs`).
    pub failed_logins_by_name: RateLimiter,
    pub failed_logins_by_address: RateLimiter,
    /// Dev mode's console login (name, password: `dev.rs`), printed at start.
    pub dev_login: Option<(String, String)>,
    /// Refused ops written to the op log, per member and device a day (`refusal_log.rs`).
    pub refusals_logged: RateLimiter,
    /// Device registrations per address (`POST /v1/device`).
    pub per_device_registration: RateLimiter,
    /// The ways to log in (`POST /v1/session`), picked by the body's field.
    pub verifiers: Vec<Box<dyn login::SessionVerifier>>,
    pub experiments: Vec<crate::report::Experiment>,
    /// The scorecard's settings: the report's diagnoses (`diagnoses.rs`).
    pub scorecard: crate::diagnoses::Scorecard,
    /// Each lottery's secret seed (`lottery.rs`), of every version's lotteries.
    pub seeds: std::sync::RwLock<std::collections::BTreeMap<String, Vec<u8>>>,
    /// The lottery secret (kept to seed the lotteries of versions learned later).
    pub lottery_secret: Option<[u8; 32]>,
}

impl App {
    /// The rules in effect now.
    pub fn config_now(&self) -> Arc<Config> {
        self.rules.live().config_at(now_ms())
    }

    /// The version timeline to apply ops under at `now`, read again first if stale.
    pub async fn timeline(
        &self,
        now: i64,
    ) -> Result<Arc<zailai::timeline::Timeline>, crate::store::StoreError> {
        Ok(self.rules.fresh(&self.store, now).await?.timeline.clone())
    }

    /// A lottery's seed.
    pub fn seed(&self, lottery: &str) -> Option<Vec<u8>> {
        self.seeds
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(lottery)
            .cloned()
    }
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn signing_key(opts: &Options) -> Result<SnapshotSigner, String> {
    if opts.key.is_some() || std::env::var_os(keys::KEY_ENV).is_some() {
        return keys::load_signing_key(opts.key.as_deref());
    }
    if !opts.dev {
        return Err(format!(
            "no signing key: pass --key FILE or set {} (or run with --dev)",
            keys::KEY_ENV
        ));
    }
    let path = opts.data_dir.join("dev.secret.json");
    if !path.exists() {
        let (signer, seed) = keys::generate("dev")?;
        std::fs::create_dir_all(&opts.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", opts.data_dir.display()))?;
        keys::create_new(
            &path,
            &keys::secret_json("dev", &seed, &signer.public_key()),
            true,
        )?;
    }
    keys::load_signing_key(Some(&path))
}

fn trusted_keys(
    signer: &SnapshotSigner,
    files: &[PathBuf],
) -> Result<Vec<(String, String)>, String> {
    let mut out = vec![(signer.id.clone(), base64::encode(&signer.public_key()))];
    for f in files {
        let text =
            std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", f.display()))?;
        match (v["kind"].as_str(), v["id"].as_str(), v["public"].as_str()) {
            (Some(keys::PUBLIC_KIND), Some(id), Some(public))
                if base64::decode(public).is_some_and(|b| b.len() == 32) =>
            {
                out.push((id.to_owned(), public.to_owned()))
            }
            _ => return Err(format!("{}: not a zailai public key file", f.display())),
        }
    }
    Ok(out)
}

fn verifiers(opts: &Options) -> Vec<Box<dyn login::SessionVerifier>> {
    let mut out: Vec<Box<dyn login::SessionVerifier>> = Vec::new();
    if let Some(w) = &opts.wechat {
        out.push(Box::new(login::WeChatLogin::new(
            w.appid.clone(),
            w.secret.clone(),
            w.api.clone(),
        )));
    }
    if opts.dev {
        out.push(Box::new(login::DevLogin));
    }
    out
}

/// The shortest admin token accepted: a guessable one would open every operator endpoint.
pub const MIN_ADMIN_TOKEN: usize = 16;

/// Wrong admin or merchant tokens an address may send a minute (429 beyond): the token's
/// holder is a backend that knows it, so a few mistakes are plenty.
pub const FAILED_TOKENS_PER_MINUTE: u32 = 10;

/// Refuses a short bearer credential (a guessable one would open what it guards) and one with
/// spaces or other characters HTTP would trim or mangle (a token of 16 spaces would start a
/// server no one could call; a trailing space would make two tokens compare equal on the wire).
fn check_token(token: Option<&String>, flag: &str, env: &str, guards: &str) -> Result<(), String> {
    match token {
        Some(t) if t.chars().count() < MIN_ADMIN_TOKEN => Err(format!(
            "{flag} (or {env}) must be at least {MIN_ADMIN_TOKEN} characters; an empty or \
             short token would open {guards} to anyone (leave it unset to keep them off)"
        )),
        Some(t) if !t.bytes().all(|b| b.is_ascii_graphic()) => Err(format!(
            "{flag} (or {env}) must be visible ASCII only (no spaces, tabs, line breaks or \
             other characters): an HTTP header cannot carry them as given \
             (e.g. openssl rand -hex 32)"
        )),
        _ => Ok(()),
    }
}

/// Builds the shared state: rules, store, keys.
pub async fn app(mut opts: Options) -> Result<Arc<App>, String> {
    if opts.dev {
        dev::refuse_production_credentials(&opts)?;
        dev::private_data_dir(&opts.data_dir)?;
        dev::tokens(&mut opts)?;
    }
    web::refuse_overlap(&opts)?;
    check_token(
        opts.admin_token.as_ref(),
        "--admin-token",
        "ZAILAI_ADMIN_TOKEN",
        "the operator endpoints",
    )?;
    check_token(
        opts.merchant_token.as_ref(),
        "--merchant-token",
        "ZAILAI_MERCHANT_TOKEN",
        "the merchant API",
    )?;
    if opts.merchant_token.is_some() && opts.merchant_token == opts.admin_token {
        return Err(
            "--merchant-token must differ from --admin-token: a merchant's backend must not \
             hold the operator's credential, nor the other way round"
                .to_owned(),
        );
    }
    let config = match &opts.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Config::parse(&text)
                .map_err(|e| format!("{} is not a valid rule file: {e}", path.display()))?
        }
        None => Config::seed(),
    };
    for warning in config.lint() {
        eprintln!("zailai serve: rules warning: {warning}");
    }
    let database = opts
        .database
        .clone()
        .unwrap_or_else(|| opts.data_dir.join("zailai.db").display().to_string());
    let store = AnyStore::open(&database, &config)
        .await
        .map_err(|e| e.to_string())?;
    dev::claim_mode(&store, opts.dev, &opts.data_dir).await?;
    crate::operators::prepare_decoy();
    let dev_login = match opts.dev {
        true => Some(dev::console_login(&store, &opts.data_dir).await?),
        false => None,
    };
    let poll = opts.rules_poll_seconds;
    if !(1..=crate::versions::MAX_POLL_SECONDS).contains(&poll) {
        return Err(format!(
            "--rules-poll-seconds must be 1–{}: publishing's lead time counts on it \
             (docs/rules-lifecycle.md, Lead time)",
            crate::versions::MAX_POLL_SECONDS
        ));
    }
    let timeline =
        crate::versions::at_start(&store, &config, opts.config.as_deref(), now_ms()).await?;
    let signer = signing_key(&opts)?;
    let verifiers = verifiers(&opts);
    if verifiers.is_empty() {
        return Err("no way to log in: pass --wechat-appid and --wechat-secret (or ZAILAI_WECHAT_APPID and ZAILAI_WECHAT_SECRET), or run with --dev".to_owned());
    }
    let secret = lottery_secret::load(opts.dev, &opts.data_dir)?;
    let mut seeds = std::collections::BTreeMap::new();
    for v in timeline.versions() {
        seeds.append(&mut lottery::seeds(&store, &v.config, secret.as_ref()).await?);
    }
    let trusted = trusted_keys(&signer, &opts.trust)?;
    let versions = rules::Rules::start(&store, timeline, now_ms(), poll);
    Ok(Arc::new(App {
        store,
        rules: versions,
        signer,
        trusted,
        per_user: RateLimiter::new(opts.rate_per_minute, opts.rate_per_minute.max(10)),
        per_user_ops: RateLimiter::new(opts.ops_per_minute, opts.ops_per_minute.max(500)),
        per_address: {
            // Never below four members' worth: raising --rate-per-minute raises it too.
            let rate = opts
                .address_rate_per_minute
                .max(opts.rate_per_minute.saturating_mul(4));
            RateLimiter::new(rate, rate)
        },
        failed_auth: RateLimiter::new(opts.logins_per_minute, opts.logins_per_minute),
        per_login: RateLimiter::new(opts.logins_per_minute, opts.logins_per_minute),
        failed_tokens: RateLimiter::new(FAILED_TOKENS_PER_MINUTE, FAILED_TOKENS_PER_MINUTE),
        failed_logins_by_name: console::failed_login_limiter(console::FAILURES_PER_NAME),
        failed_logins_by_address: console::failed_login_limiter(console::FAILURES_PER_ADDRESS),
        dev_login,
        refusals_logged: RateLimiter::per_day(refusal_log::PER_DEVICE_DAY),
        per_device_registration: device::registration_limiter(opts.rate_per_minute),
        verifiers,
        experiments: match &opts.experiments {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                crate::report::parse_experiments(&text)
                    .map_err(|e| format!("{}: {}", path.display(), e.0))?
            }
            None => Vec::new(),
        },
        scorecard: crate::diagnoses::Scorecard::load(opts.scorecard.as_deref())?,
        seeds: std::sync::RwLock::new(seeds),
        lottery_secret: secret,
        options: opts,
    }))
}

/// Serves until Ctrl-C / SIGTERM; prints where it listens first.
pub async fn run(opts: Options) -> Result<(), String> {
    let app = app(opts.clone()).await?;
    let listener = tokio::net::TcpListener::bind(opts.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if opts.dev && !addr.ip().to_canonical().is_loopback() {
        eprintln!(
            "zailai serve: WARNING: --dev listens on {addr}, reachable from other machines: \
             anyone who reaches it can log in as any member and read the printed tokens' \
             powers. Use --addr 127.0.0.1:PORT unless you mean it."
        );
    }
    let store = match app.store {
        AnyStore::Sqlite(_) => "SQLite",
        AnyStore::Postgres(_) => "PostgreSQL",
    };
    let logins: Vec<&str> = app.verifiers.iter().map(|v| v.field()).collect();
    let mut banner = format!(
        "zailai serve: listening on http://{addr} ({store}{}, key {}, login by {})\n",
        if opts.dev { ", dev mode" } else { "" },
        app.signer.id,
        if logins.is_empty() {
            "nothing: pass --wechat-appid or --dev".to_owned()
        } else {
            logins.join(", ")
        }
    );
    if opts.dev {
        // Dev mode's own tokens (dev.rs): printed so the admin and merchant APIs can be tried.
        banner += &format!(
            "  dev admin token:    {}\n  dev merchant token: {}\n",
            app.options.admin_token.as_deref().unwrap_or_default(),
            app.options.merchant_token.as_deref().unwrap_or_default()
        );
        if let Some((name, password)) = &app.dev_login {
            banner +=
                &format!("  dev console login:  {name} / {password}  (http://{addr}/console/)\n");
        }
    }
    // One write, and a closed stdout (a supervisor that read the address and left) is not a
    // reason to stop serving: println! would panic on it.
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|()| out.flush());
    drop(out);
    tokio::spawn(poll_rules(app.clone()));
    let max_connections = match opts.max_connections {
        0 => conn::default_max_connections(),
        n => n,
    };
    conn::serve(
        listener,
        routes::router(app),
        opts.read_timeout,
        max_connections,
        shutdown(),
    )
    .await;
    Ok(())
}

/// Re-reads the rule versions every `--rules-poll-seconds`, and seeds the lotteries of the
/// versions it learns.
async fn poll_rules(app: Arc<App>) {
    let mut tick = tokio::time::interval(app.rules.poll_interval());
    loop {
        tick.tick().await;
        match app.rules.refresh(&app.store, now_ms()).await {
            Ok(learned) if !learned.is_empty() => {
                eprintln!("zailai serve: learned rule version(s) {learned:?}");
                let live = app.rules.live();
                for v in live.timeline.versions() {
                    let known = v.config.lotteries.iter().all(|l| app.seed(&l.id).is_some());
                    if known {
                        continue;
                    }
                    match lottery::seeds(&app.store, &v.config, app.lottery_secret.as_ref()).await {
                        Ok(mut more) => app
                            .seeds
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .append(&mut more),
                        Err(e) => eprintln!("zailai serve: rule version {}: {e}", v.number),
                    }
                }
            }
            Ok(_) => {}
            Err(e) => eprintln!("zailai serve: reading the rule versions: {e}"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
