//! `zailai messages-sent`: records the subscription messages an operator sent, straight into
//! a server's database (`POST /v1/admin/messages/sent` without HTTP; `crate::notices`).

use crate::simulate::{load_config, Failure};
use std::path::PathBuf;
use zailai_server::notices::{self, NoticeError, Sent, MAX_USERS};
use zailai_server::store::AnyStore;

#[derive(clap::Args)]
pub struct Args {
    /// The data dir of `zailai serve` (its SQLite database), unless --database is given.
    #[arg(long, default_value = "zailai-data")]
    data_dir: PathBuf,
    /// `postgres://…`, or an SQLite file.
    #[arg(long)]
    database: Option<String>,
    /// The rules when the database holds no rule version; default: the seed preset.
    #[arg(long)]
    config: Option<PathBuf>,
    /// points_expiring, streak_reminder, tier_up, or campaign.
    #[arg(long)]
    kind: String,
    /// The campaign id (kind campaign only).
    #[arg(long)]
    campaign: Option<String>,
    /// The members it was sent to: one id a line (blank lines are skipped).
    #[arg(long)]
    users: PathBuf,
    /// The business day it was sent, YYYY-MM-DD (its first instant); default: now.
    #[arg(long)]
    at: Option<String>,
}

pub fn run(a: Args) -> Result<(), Failure> {
    let input = |e: String| Failure::Input(format!("error: {e}"));
    let cfg = match &a.config {
        Some(path) => load_config(path)?.0,
        None => zailai::Config::seed(),
    };
    let text = std::fs::read_to_string(&a.users).map_err(|e| Failure::Io(a.users.clone(), e))?;
    // (line number, id)
    let users: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i, l.to_owned()))
        .collect();
    if users.is_empty() {
        return Err(input(format!("{}: no member ids", a.users.display())));
    }
    let database =
        zailai_server::store::existing_database(&a.data_dir, a.database).map_err(input)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| input(e.to_string()))?;
    let answer = runtime.block_on(async {
        let store = AnyStore::open(&database, &cfg)
            .await
            .map_err(|e| e.to_string())?;
        let timeline = match zailai_server::versions::load(&store).await {
            Ok(Some((timeline, _))) => timeline,
            Ok(None) => zailai::timeline::Timeline::single(cfg.clone()),
            Err(e) => return Err(e.to_string()),
        };
        let now = zailai_server::serve::now_ms();
        let at = match &a.at {
            Some(day) => {
                let day = zailai_server::report::parse_date("at", day).map_err(|e| e.0)?;
                timeline.config_at(now).clock().start_of(day.to_day())
            }
            None => now,
        };
        let campaigns = notices::known_campaigns(&timeline);
        // The API's limit a transaction; the file may hold more.
        let mut total: Option<notices::Answer> = None;
        for chunk in users.chunks(MAX_USERS) {
            let sent = Sent {
                kind: a.kind.clone(),
                campaign: a.campaign.clone(),
                users: chunk.iter().map(|(_, u)| u.clone()).collect(),
                at,
            };
            let answer = match notices::record(&store, sent, &campaigns).await {
                Ok(answer) => answer,
                Err(NoticeError::Refused(r)) => {
                    // `users[i]` is a line of the file; the other paths are flags.
                    let line = r.path.strip_prefix("users[").and_then(|i| {
                        let i: usize = i.trim_end_matches(']').parse().ok()?;
                        Some(chunk[i].0)
                    });
                    return Err(match line {
                        Some(line) => format!("{}:{line}: {}", a.users.display(), r.message),
                        None => format!("--{}: {}", r.path, r.message),
                    });
                }
                Err(NoticeError::Store(e)) => return Err(e.to_string()),
            };
            total = Some(match total {
                None => answer,
                Some(mut t) => {
                    t.recorded += answer.recorded;
                    t.already += answer.already;
                    t.unknown.extend(answer.unknown);
                    t
                }
            });
        }
        Ok(total)
    });
    let answer = answer.map_err(input)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&answer).map_err(|e| input(e.to_string()))?
    );
    Ok(())
}
