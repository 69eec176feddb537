//! `zailai rules what-if`: the members' op logs in a server's database replayed from a day on
//! under a candidate rule file beside the current rules (`docs/rules-lifecycle.md`, "What-if").

use crate::simulate::{load_config, Failure};
use std::path::PathBuf;
use zailai_server::report::parse_date;
use zailai_server::store::AnyStore;
use zailai_server::what_if::load::{run_timed, Request};

#[derive(clap::Args)]
pub struct Args {
    /// The candidate rule file (JSON).
    #[arg(long)]
    candidate: PathBuf,
    /// First business day under the candidate, YYYY-MM-DD.
    #[arg(long)]
    from: String,
    /// Last business day replayed, YYYY-MM-DD; default: today.
    #[arg(long)]
    to: Option<String>,
    /// Replay a random sample of this many members (totals are then estimates with 95 %
    /// confidence intervals).
    #[arg(long)]
    sample: Option<usize>,
    /// Print JSON (the shape in docs/rules-lifecycle.md) instead of text.
    #[arg(long)]
    json: bool,
    /// The data dir of `zailai serve` (its SQLite database), unless --database is given.
    #[arg(long, default_value = "zailai-data")]
    data_dir: PathBuf,
    /// `postgres://…`, or an SQLite file.
    #[arg(long)]
    database: Option<String>,
    /// The rule file the server runs; default: the seed preset.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run_what_if(a: Args) -> Result<(), Failure> {
    let input = |e: String| Failure::Input(format!("error: {e}"));
    let cfg = match &a.config {
        Some(path) => load_config(path)?.0,
        None => zailai::Config::seed(),
    };
    let (candidate, warnings) = load_config(&a.candidate)?;
    for w in warnings {
        eprintln!("warning: {}: {w}", a.candidate.display());
    }
    let from = parse_date("from", &a.from).map_err(|e| input(e.0))?;
    let to = match &a.to {
        Some(to) => parse_date("to", to).map_err(|e| input(e.0))?,
        None => zailai::day::Date::from_day(cfg.clock().day_of(now_ms())),
    };
    let database =
        zailai_server::store::existing_database(&a.data_dir, a.database).map_err(input)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| input(e.to_string()))?;
    let (report, timing) = runtime
        .block_on(async {
            let store = AnyStore::open(&database, &cfg)
                .await
                .map_err(|e| e.to_string())?;
            let req = Request {
                candidate,
                from,
                to,
                sample: a.sample,
            };
            run_timed(&store, &cfg, req)
                .await
                .map_err(|e| e.to_string())
        })
        .map_err(input)?;
    eprintln!(
        "zailai: read and replayed {} members' logs ({} ops) in {:.2} s ({} batches of {} \
         members at a time, over every core)",
        report.members.replayed,
        timing.ops,
        timing.elapsed.as_secs_f64(),
        timing.in_flight,
        zailai_server::what_if::load::BATCH
    );
    if a.json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| input(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
