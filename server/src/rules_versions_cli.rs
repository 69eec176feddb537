//! `zailai rules publish | list | show N | diff A B | rollback N`: the published rule versions
//! in a server's database (docs/rules-lifecycle.md). Kept apart from `rules_cli.rs` (the rule
//! file's binary form) so each grows on its own.

use crate::simulate::Failure;
use std::path::PathBuf;
use zailai_server::store::AnyStore;
use zailai_server::versions::{self, instant, Candidate, PublishError};

/// Where the versions live: a server's data dir (its SQLite database) or `--database`.
#[derive(clap::Args, Clone)]
pub struct Db {
    /// The data dir of `zailai serve` (its SQLite database), unless --database is given.
    #[arg(long, default_value = "zailai-data")]
    data_dir: PathBuf,
    /// `postgres://…`, or an SQLite file.
    #[arg(long)]
    database: Option<String>,
}

/// Who publishes, when, and why.
#[derive(clap::Args, Clone)]
pub struct Publishing {
    /// When it takes effect: `2027-02-10 00:00 UTC+8` (the rules' zone) or RFC 3339; at
    /// least 10 minutes ahead (the lead time).
    #[arg(long)]
    effective_from: String,
    #[arg(long)]
    author: String,
    #[arg(long, default_value = "")]
    note: String,
    /// The mapping for what the version removes or renames (JSON: `retire`,
    /// `tier_renames`, `business_day_moves`).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// The lead time enforced, in seconds (default 600, docs/rules-lifecycle.md, Lead time).
    /// Shorter gives up the guarantee for ops a device dates ahead of a server's clock (up
    /// to 5 minutes are accepted): for tests whose clocks agree, never in production.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    lead_seconds: u64,
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(format!("error: {e}"))
}

fn now_ms() -> i64 {
    zailai_server::serve::now_ms()
}

/// The store of `db` (it must exist: a typo in --data-dir is an error, not a new database).
pub(crate) async fn open(db: &Db) -> Result<AnyStore, Failure> {
    let database = zailai_server::store::existing_database(&db.data_dir, db.database.clone())
        .map_err(input)?;
    AnyStore::open(&database, &zailai::Config::seed())
        .await
        .map_err(input)
}

fn read(path: &PathBuf) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Io(path.clone(), e))
}

fn published(row: &zailai_server::store::StoredVersion) {
    let zone = zailai::Config::parse(&row.rules)
        .map(|c| c.business_day.utc_offset_minutes)
        .unwrap_or(0);
    println!(
        "published version {} (hash {}), in effect from {}",
        row.number,
        row.hash,
        instant::format(row.effective_from, zone)
    );
}

fn refused(e: PublishError) -> Failure {
    Failure::Input(format!("error: {e}"))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new().map_err(input)
}

pub fn publish(db: &Db, config: &PathBuf, p: &Publishing) -> Result<(), Failure> {
    let rules = read(config)?;
    let mapping = p.mapping.as_ref().map(read).transpose()?;
    let effective_from = instant::parse(&p.effective_from).map_err(input)?;
    runtime()?.block_on(async {
        let store = open(db).await?;
        let candidate = Candidate {
            rules,
            mapping,
            effective_from,
            author: p.author.clone(),
            note: p.note.clone(),
            lead_ms: p.lead_seconds as i64 * 1000,
        };
        let row = versions::publish(&store, candidate, now_ms())
            .await
            .map_err(|e| match e {
                PublishError::Invalid(_) => {
                    Failure::Input(format!("error: {}: {e}", config.display()))
                }
                e => refused(e),
            })?;
        published(&row);
        Ok(())
    })
}

pub fn rollback(db: &Db, number: u32, p: &Publishing) -> Result<(), Failure> {
    let mapping = p.mapping.as_ref().map(read).transpose()?;
    let effective_from = instant::parse(&p.effective_from).map_err(input)?;
    runtime()?.block_on(async {
        let store = open(db).await?;
        let row = versions::rollback(
            &store,
            number,
            mapping,
            effective_from,
            p.author.clone(),
            p.note.clone(),
            now_ms(),
            p.lead_seconds as i64 * 1000,
        )
        .await
        .map_err(refused)?;
        published(&row);
        Ok(())
    })
}

pub fn list(db: &Db, json: bool) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let Some((timeline, rows)) = versions::load(&store).await.map_err(input)? else {
            return Err(input("no rule version yet: start the server once"));
        };
        let listed = versions::listed(&timeline, &rows, now_ms());
        if json {
            println!("{}", serde_json::to_string_pretty(&listed).map_err(input)?);
            return Ok(());
        }
        for v in listed {
            println!(
                "{:>4}  {:<10} {}  {}…  {}  {}",
                v.number,
                v.state,
                v.effective_from_local,
                &v.hash[..12],
                v.author,
                v.note
            );
        }
        Ok(())
    })
}

pub fn show(db: &Db, number: u32) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let row = versions::find(&store, number).await.map_err(refused)?;
        let out = versions::shown(&row).map_err(input)?;
        println!("{}", serde_json::to_string_pretty(&out).map_err(input)?);
        Ok(())
    })
}

pub fn diff(db: &Db, a: u32, b: u32) -> Result<(), Failure> {
    runtime()?.block_on(async {
        let store = open(db).await?;
        let changes = versions::diff_versions(&store, a, b)
            .await
            .map_err(refused)?;
        if changes.is_empty() {
            println!("versions {a} and {b} have the same rules");
        }
        for c in changes {
            println!("{c}");
        }
        Ok(())
    })
}
