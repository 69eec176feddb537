//! `zailai`: the operator CLI. `simulate` checks a rule file against a list of ops, `keygen`
//! makes snapshot-signing keys; later issues add `serve` and `report`.

mod messages_sent_cli;
mod operator_cli;
mod rules_cli;
mod rules_versions_cli;
mod simulate;
mod snapshot_cli;
mod text;
mod what_if_cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use zailai_server::{keys, serve};

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
    /// Run the sync server (SQLite under --data-dir by default, or --database postgres://…).
    Serve(Box<ServeArgs>),
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
    /// Print the operator's report (retention cohorts, tiers, campaigns) as JSON, from a server's database, and its diagnoses on stderr.
    Report {
        /// The data dir of `zailai serve` (its SQLite database), unless --database is given.
        #[arg(long, default_value = "zailai-data")]
        data_dir: PathBuf,
        /// `postgres://…`, or an SQLite file.
        #[arg(long)]
        database: Option<String>,
        /// The rules whose tiers and campaigns the report names; default: the database's rule
        /// version in effect now (ops are replayed under the versions in effect at their times).
        #[arg(long)]
        config: Option<PathBuf>,
        /// First business day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last business day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// A/B experiments to compare (JSON: [{"id", "variants", "start"}]).
        #[arg(long)]
        experiments: Option<PathBuf>,
        /// Also write the charts here: cohorts.svg, tiers.svg, uplift.svg, liability.svg,
        /// funnel.svg, roi.svg.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// The scorecard's settings (coupon values, diagnoses: docs/report.md); default: the
        /// built-in presets/scorecard.json.
        #[arg(long)]
        scorecard: Option<PathBuf>,
        /// Also write every chart as data for the console to this file (JSON, the shape of
        /// `GET /v1/admin/report/charts`).
        #[arg(long)]
        charts: Option<PathBuf>,
    },
    /// Fill a server's database with a seeded population living out some weeks (for reports and benchmarks).
    Populate {
        /// The data dir (its SQLite database), unless --database is given.
        #[arg(long, default_value = "zailai-data")]
        data_dir: PathBuf,
        #[arg(long)]
        database: Option<String>,
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value_t = 1000)]
        users: u32,
        /// First simulated business day, YYYY-MM-DD.
        #[arg(long)]
        start: String,
        #[arg(long, default_value_t = 90)]
        days: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write in large batches (PostgreSQL: COPY) instead of one transaction per sync:
        /// the same database, for millions of members. The members must be new to it.
        #[arg(long)]
        bulk: bool,
    },
    /// Record the subscription messages you sent (members in a file, one id a line): the
    /// report's notified participation counts them (POST /v1/admin/messages/sent without HTTP).
    MessagesSent(messages_sent_cli::Args),
    /// Verify a lottery's published results (the JSON of GET /v1/lotteries/{id}, revealed) against the rules.
    VerifyLottery {
        /// The rule file the lottery ran under; default: the seed preset.
        #[arg(long)]
        config: Option<PathBuf>,
        /// The published record: its pages in order (`?after=` from 0 to the last, whose
        /// `next` is null), or one file holding every draw.
        #[arg(required = true)]
        record: Vec<PathBuf>,
    },
    /// Read snapshots as JSON, or encode a JSON payload in the binary form.
    #[command(subcommand)]
    Snapshot(snapshot_cli::SnapshotCommand),
    /// Rule files and versions: encode a rule file in the binary form clients hold, show such
    /// rules as JSON; publish, list, show, diff and roll back a server's rule versions.
    #[command(subcommand)]
    Rules(rules_cli::RulesCommand),
    /// The console's operators (people who log in with a name, a password and a role):
    /// add, list, disable, reset-password, in a server's database (docs/console.md).
    #[command(subcommand)]
    Operator(operator_cli::OperatorCommand),
    /// Check a rule file and print every problem with its path.
    Check {
        /// The rule file (JSON).
        #[arg(long)]
        config: PathBuf,
    },
}

/// The pages of a published lottery record (`GET /v1/lotteries/{id}?after=`) as one record:
/// each page must start where the one before ended and the last must be the end, since a
/// verification needs every draw in order (stock is counted along them).
fn lottery_pages(pages: &[PathBuf]) -> Result<zailai::lottery::Published, simulate::Failure> {
    use simulate::Failure;
    let mut whole: Option<zailai::lottery::Published> = None;
    for (i, path) in pages.iter().enumerate() {
        let bad = |why: String| Failure::Input(format!("error: {}: {why}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| Failure::Io(path.clone(), e))?;
        let page = zailai::lottery::Published::from_json(&text).map_err(|e| bad(e.to_string()))?;
        let paging: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let so_far = whole.as_ref().map_or(0, |w| w.draws.len() as u64);
        let after = paging["after"].as_u64().unwrap_or(0);
        if after != so_far {
            return Err(bad(format!(
                "this page starts after draw {after}, but the pages before it hold {so_far} \
                 draws: give every page, in order"
            )));
        }
        if i + 1 == pages.len() {
            if let Some(next) = paging["next"].as_u64() {
                return Err(bad(format!(
                    "the record goes on after draw {next}: fetch ?after={next} too"
                )));
            }
        }
        match &mut whole {
            None => whole = Some(page),
            Some(w)
                if (&w.lottery, &w.commitment, &w.seed)
                    == (&page.lottery, &page.commitment, &page.seed) =>
            {
                w.draws.extend(page.draws)
            }
            Some(_) => {
                return Err(bad(
                    "a page of another lottery, commitment or seed".to_owned()
                ))
            }
        }
    }
    whole.ok_or_else(|| Failure::Input("error: no record given".to_owned()))
}

/// Recomputes every draw of a published lottery record from its revealed seed.
fn verify_lottery(config: Option<PathBuf>, pages: &[PathBuf]) -> Result<(), simulate::Failure> {
    use simulate::Failure;
    let cfg = match config {
        Some(path) => simulate::load_config(&path)?.0,
        None => zailai::Config::seed(),
    };
    let published = lottery_pages(pages)?;
    let lottery = cfg
        .lotteries
        .iter()
        .find(|l| l.id == published.lottery)
        .ok_or_else(|| {
            Failure::Input(format!(
                "error: no lottery `{}` in the rules",
                published.lottery
            ))
        })?;
    let verified = zailai::lottery::verify(lottery, &published)
        .map_err(|e| Failure::Input(format!("NOT VERIFIED: {e}")))?;
    let won: Vec<String> = verified
        .won
        .iter()
        .map(|(id, n)| format!("{id} {n}"))
        .collect();
    println!(
        "{}: all {} draws verified (seed matches the commitment); won: {}",
        published.lottery,
        verified.draws,
        won.join(", ")
    );
    Ok(())
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free one; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: std::net::SocketAddr,
    /// Where the SQLite database and the dev key live.
    #[arg(long, default_value = "zailai-data")]
    data_dir: PathBuf,
    /// `postgres://user@host/db` to share one PostgreSQL between servers.
    #[arg(long)]
    database: Option<String>,
    /// Secret key file (else $ZAILAI_SIGNING_KEY; --dev makes its own in the data dir).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Public key files clients should still trust (key rotation); repeatable.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// The rule file; default: the seed preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Dev mode: dev login (POST /v1/session {"dev_user"}), and its own key and admin and
    /// merchant tokens in the data dir (printed at start). Refuses --key, --admin-token,
    /// --merchant-token and a WeChat login: anyone may log in as anyone.
    #[arg(long)]
    dev: bool,
    /// Token guarding the operator endpoints (else they are off).
    #[arg(long, env = "ZAILAI_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Token of the merchant's backend for the merchant API (orders, holds, refunds,
    /// memberships: docs/merchant.md); else that API is off. Not the admin token.
    #[arg(long, env = "ZAILAI_MERCHANT_TOKEN", hide_env_values = true)]
    merchant_token: Option<String>,
    /// Session lifetime in hours.
    #[arg(long, default_value_t = 24 * 7)]
    session_hours: i64,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    body_limit: usize,
    /// Seconds a client may take to send a request's headers, and then its body; slower
    /// connections are closed (1–300).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    read_timeout: u64,
    /// Sync requests per minute per member (bursts of the same).
    #[arg(long, default_value_t = 120)]
    rate_per_minute: u32,
    /// Requests per minute per address (an IPv4 address, an IPv6 /64), bursts of the same: a
    /// coarse guard, sized for a carrier NAT's crowd behind one address (at least four times
    /// --rate-per-minute).
    #[arg(long, default_value_t = 6000)]
    address_rate_per_minute: u32,
    /// Logins per minute per address (each may cost a code2session call), bursts of the same;
    /// requests without a valid session count apart, at the same rate.
    #[arg(long, default_value_t = 600)]
    logins_per_minute: u32,
    /// Most connections open at once (0: the open-file limit less 128). Past it, a new
    /// connection closes the oldest one not being answered.
    #[arg(long, default_value_t = 0)]
    max_connections: usize,
    /// Ops pushed per minute per user (a week offline is a few hundred).
    #[arg(long, default_value_t = 3000)]
    ops_per_minute: u32,
    /// WeChat mini-program AppID: enables login with the code of wx.login (code2session).
    #[arg(long, env = "ZAILAI_WECHAT_APPID", requires = "wechat_secret")]
    wechat_appid: Option<String>,
    /// The mini-program's AppSecret (prefer the environment variable over the command line).
    #[arg(long, env = "ZAILAI_WECHAT_SECRET", hide_env_values = true)]
    wechat_secret: Option<String>,
    /// Base URL of WeChat's API (a local fake in tests).
    #[arg(long, default_value = "https://api.weixin.qq.com")]
    wechat_api: String,
    /// A directory of static files served at / (the web preview; scripts/start.sh builds it).
    #[arg(long)]
    web: Option<PathBuf>,
    /// A/B experiments for GET /v1/admin/report (JSON, docs/report.md).
    #[arg(long)]
    experiments: Option<PathBuf>,
    /// The scorecard's settings for GET /v1/admin/report (coupon values, diagnoses:
    /// docs/report.md); default: the built-in presets/scorecard.json.
    #[arg(long)]
    scorecard: Option<PathBuf>,
    /// A reverse proxy's address: requests from it are limited by the client address its
    /// X-Forwarded-For gives (repeatable). Without it, the peer address counts.
    #[arg(long)]
    trusted_proxy: Vec<std::net::IpAddr>,
    /// How often to re-read the published rule versions, in seconds (1–60); the server also
    /// re-reads them before applying anything once its last read is twice this old.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    rules_poll_seconds: u64,
    /// Points one operator (or the admin token) may grant members a business day of the
    /// rules' zone, through POST /v1/admin/members/{user}/grants (counted in the database).
    #[arg(long, default_value_t = serve::member_writes::DEFAULT_GRANT_CAP)]
    grant_cap: u64,
    /// Coupons one operator (or the admin token) may grant members a business day, through
    /// the same route (counted apart from points).
    #[arg(long, default_value_t = serve::member_writes::DEFAULT_COUPON_CAP)]
    coupon_cap: u64,
}

fn serve_command(a: ServeArgs) -> Result<(), simulate::Failure> {
    let opts = serve::Options {
        addr: a.addr,
        data_dir: a.data_dir,
        database: a.database,
        key: a.key,
        trust: a.trust,
        config: a.config,
        dev: a.dev,
        admin_token: a.admin_token,
        merchant_token: a.merchant_token,
        session_ttl_ms: a.session_hours.clamp(1, 24 * 365) * 3_600_000,
        body_limit: a.body_limit,
        read_timeout: std::time::Duration::from_secs(a.read_timeout),
        rate_per_minute: a.rate_per_minute,
        address_rate_per_minute: a.address_rate_per_minute,
        logins_per_minute: a.logins_per_minute,
        max_connections: a.max_connections,
        ops_per_minute: a.ops_per_minute,
        wechat: match (a.wechat_appid, a.wechat_secret) {
            (Some(appid), Some(secret)) => Some(serve::WeChatOptions {
                appid,
                secret,
                api: a.wechat_api,
            }),
            _ => None,
        },
        web: a.web,
        experiments: a.experiments,
        scorecard: a.scorecard,
        trusted_proxies: a.trusted_proxy,
        rules_poll_seconds: a.rules_poll_seconds,
        grant_cap: a.grant_cap,
        coupon_cap: a.coupon_cap,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| simulate::Failure::Input(format!("error: {e}")))?;
    runtime
        .block_on(serve::run(opts))
        .map_err(|e| simulate::Failure::Input(format!("error: {e}")))
}

#[allow(clippy::too_many_arguments)]
fn populate_command(
    data_dir: PathBuf,
    database: Option<String>,
    config: Option<PathBuf>,
    users: u32,
    start: &str,
    days: u32,
    seed: u64,
    bulk: bool,
) -> Result<(), simulate::Failure> {
    let input = |e: String| simulate::Failure::Input(format!("error: {e}"));
    let cfg = match &config {
        Some(path) => simulate::load_config(path)?.0,
        None => zailai::Config::seed(),
    };
    let start = zailai_server::report::parse_date("start", start).map_err(|e| input(e.0))?;
    if users == 0 || users > 1_000_000 || days == 0 || days > 3 * 366 {
        return Err(input("--users 1–1000000 and --days 1–1098".to_owned()));
    }
    let database = database.unwrap_or_else(|| {
        let _ = std::fs::create_dir_all(&data_dir);
        data_dir.join("zailai.db").display().to_string()
    });
    let plan = zailai_server::populate::Plan {
        users,
        start,
        days,
        seed,
    };
    let runtime = tokio::runtime::Runtime::new().map_err(|e| input(e.to_string()))?;
    let totals = runtime
        .block_on(async {
            let store = zailai_server::store::AnyStore::open(&database, &cfg).await?;
            let now = zailai_server::serve::now_ms();
            let versions = zailai_server::versions::at_start(&store, &cfg, config.as_deref(), now)
                .await
                .map_err(zailai_server::store::StoreError)?;
            if versions.versions().len() > 1 {
                return Err(zailai_server::store::StoreError(
                    "the database holds several rule versions: populate writes synthetic \
                     members under one rule set (use a new database)"
                        .to_owned(),
                ));
            }
            // The rules stored (without --config, the database's, not the seed).
            let cfg = (*versions.last().config).clone();
            // Seeded members are no one's: a database populate made is a dev one (a dev
            // server may open it, a production one refuses it); one that had a mode keeps it.
            use zailai_server::store::Store;
            let dev = Some("dev".to_owned());
            store.setting(zailai_server::serve::dev::MODE, dev).await?;
            if bulk {
                zailai_server::populate::run_bulk(&store, &cfg, &plan).await
            } else {
                zailai_server::populate::run(&store, &cfg, &plan).await
            }
        })
        .map_err(|e| input(e.to_string()))?;
    println!(
        "populated {database}: {} members, {} syncs, {} ops ({} refused) over {days} days from {start} (seed {seed})",
        totals.members, totals.syncs, totals.ops, totals.rejected
    );
    Ok(())
}

/// What `zailai report` writes besides the JSON it prints.
struct ReportOutputs {
    /// A directory for the charts as SVG.
    svg: Option<PathBuf>,
    /// A file for the charts as data.
    charts: Option<PathBuf>,
}

#[allow(clippy::too_many_arguments)]
fn report_command(
    data_dir: PathBuf,
    database: Option<String>,
    config: Option<PathBuf>,
    experiments: Option<PathBuf>,
    outputs: ReportOutputs,
    scorecard: Option<PathBuf>,
    from: &str,
    to: &str,
) -> Result<(), simulate::Failure> {
    let input = |e: String| simulate::Failure::Input(format!("error: {e}"));
    let scorecard =
        zailai_server::diagnoses::Scorecard::load(scorecard.as_deref()).map_err(|e| {
            simulate::Failure::Input(format!("error: {}", e.replace('\n', "\nerror: ")))
        })?;
    let cfg = match &config {
        Some(path) => simulate::load_config(path)?.0,
        None => zailai::Config::seed(),
    };
    let experiments = match &experiments {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| input(format!("cannot read {}: {e}", path.display())))?;
            zailai_server::report::parse_experiments(&text)
                .map_err(|e| input(format!("{}: {}", path.display(), e.0)))?
        }
        None => Vec::new(),
    };
    let from = zailai_server::report::parse_date("from", from).map_err(|e| input(e.0))?;
    let to = zailai_server::report::parse_date("to", to).map_err(|e| input(e.0))?;
    let database = zailai_server::store::existing_database(&data_dir, database).map_err(input)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| input(e.to_string()))?;
    let report = runtime.block_on(async {
        let store = zailai_server::store::AnyStore::open(&database, &cfg)
            .await
            .map_err(|e| e.to_string())?;
        let cfg = match (&config, zailai_server::versions::load(&store).await) {
            (None, Ok(Some((timeline, _)))) => {
                (*timeline.config_at(zailai_server::serve::now_ms())).clone()
            }
            (_, Err(e)) => return Err(e.to_string()),
            _ => cfg,
        };
        zailai_server::report::build(
            &store,
            &cfg,
            (&experiments, &scorecard.coupon_values_cents),
            from,
            to,
        )
        .await
        .map(|r| (r, cfg))
        .map_err(|e| e.0)
    });
    let (mut report, cfg) = report.map_err(input)?;
    zailai_server::diagnoses::diagnose(&mut report, &scorecard);
    let ReportOutputs { svg, charts } = outputs;
    let lines = zailai_server::report_svg_scorecard::Lines::of(&scorecard);
    if let Some(path) = charts {
        let data = zailai_server::report_charts::charts(&report, &cfg.tiers.levels, lines);
        let json = serde_json::to_string_pretty(&data).map_err(|e| input(e.to_string()))?;
        std::fs::write(&path, json + "\n")
            .map_err(|e| input(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(dir) = svg {
        let tiers: Vec<String> = cfg.tiers.levels.iter().map(|t| t.id.clone()).collect();
        std::fs::create_dir_all(&dir)
            .map_err(|e| input(format!("cannot create {}: {e}", dir.display())))?;
        for name in zailai_server::report_svg::CHARTS {
            let chart = zailai_server::report_svg::draw(name, &report, &tiers, lines)
                .expect("every name of CHARTS draws");
            let path = dir.join(format!("{name}.svg"));
            std::fs::write(&path, chart)
                .map_err(|e| input(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&report).map_err(|e| input(e.to_string()))?
    );
    // The findings readable, on stderr (after the JSON on a terminal; apart from it in a pipe).
    for coupon in scorecard.unvalued_coupons(&cfg) {
        eprintln!(
            "warning: coupon `{coupon}` has no face value in the scorecard: its cost counts 0"
        );
    }
    for d in &report.diagnoses {
        eprintln!("{}", d.line(&cfg.default_locale));
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => simulate::run(&args),
        Command::Serve(args) => serve_command(*args),
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
        Command::Report {
            data_dir,
            database,
            config,
            from,
            to,
            experiments,
            svg,
            scorecard,
            charts,
        } => report_command(
            data_dir,
            database,
            config,
            experiments,
            ReportOutputs { svg, charts },
            scorecard,
            &from,
            &to,
        ),
        Command::Populate {
            data_dir,
            database,
            config,
            users,
            start,
            days,
            seed,
            bulk,
        } => populate_command(data_dir, database, config, users, &start, days, seed, bulk),
        Command::VerifyLottery { config, record } => verify_lottery(config, &record),
        Command::MessagesSent(args) => messages_sent_cli::run(args),
        Command::Snapshot(command) => snapshot_cli::run(command),
        Command::Rules(command) => rules_cli::run(command),
        Command::Operator(command) => operator_cli::run(command),
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
