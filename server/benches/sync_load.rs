//! Load generator for `zailai serve` on 127.0.0.1 (a benchmark, not a test; run through
//! `scripts/bench-sync.sh`). For each backend and concurrency it starts the server binary,
//! logs in one member per virtual client, and has each client push 5 ops per sync, one sync
//! after another, for a fixed time. Reports syncs/s, p50/p99/max latency, errors and the
//! server's peak memory. Bounded in time and count; loopback only.
//!
//! Environment: ZAILAI_BIN (server binary), ZAILAI_BENCH_POSTGRES (connection string; the
//! PostgreSQL runs are skipped without it), ZAILAI_BENCH_CONCURRENCY (default "1,10,50,100"),
//! ZAILAI_BENCH_SECONDS (default 10), ZAILAI_BENCH_OUT (JSON results file).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const OPS_PER_SYNC: u32 = 5;
/// Hard cap on syncs per client, so a run stays bounded however fast the machine is.
const MAX_SYNCS_PER_CLIENT: usize = 200_000;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The dev lottery secret every run shares, written where a dev server reads it (0700 dir,
/// 0600 file).
fn write_dev_lottery_secret(data_dir: &std::path::Path) {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .expect("create the bench's data dir");
    std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(data_dir.join("dev.lottery-secret"))
        .and_then(|mut f| f.write_all("42".repeat(32).as_bytes()))
        .expect("write the bench's dev lottery secret");
}

fn start_server(bin: &str, database: Option<&str>) -> Server {
    let data_dir =
        std::env::temp_dir().join(format!("zailai-bench-{}-{}", std::process::id(), now_ms()));
    // Every run's server shares one PostgreSQL database: they must share the lottery secret
    // too (each data dir would make its own dev secret, refused by the stored commitment). A
    // dev server refuses ZAILAI_LOTTERY_SECRET, so the secret goes in its data dir's file.
    write_dev_lottery_secret(&data_dir);
    let mut cmd = Command::new(bin);
    cmd.args([
        "serve",
        "--dev",
        "--addr",
        "127.0.0.1:0",
        "--rate-per-minute",
        "100000000",
        "--ops-per-minute",
        "100000000",
    ])
    .arg("--data-dir")
    .arg(&data_dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    let mut child = cmd.spawn().expect("start the server (ZAILAI_BIN)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in: {line}"))
        .to_owned();
    Server { child, url }
}

/// Peak resident memory of a process, in KB (Linux).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn login(agent: &ureq::Agent, url: &str, user: &str) -> String {
    let mut res = agent
        .post(format!("{url}/v1/session"))
        .header("content-type", "application/json")
        .send(json!({"dev_user": user}).to_string().as_bytes())
        .unwrap();
    let v: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    v["token"].as_str().unwrap().to_owned()
}

/// A device registered as at a first launch (`POST /v1/device`): its id and secret.
fn register(agent: &ureq::Agent, url: &str) -> (String, String) {
    let mut res = agent
        .post(format!("{url}/v1/device"))
        .header("content-type", "application/json")
        .send(b"{}".as_slice())
        .unwrap();
    let v: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    let field = |k: &str| v[k].as_str().unwrap().to_owned();
    (field("device"), field("secret"))
}

/// One virtual client: syncs until `stop`; returns each sync's latency in µs and the errors.
fn client(url: String, user: String, stop: Arc<AtomicBool>) -> (Vec<u32>, usize) {
    let agent = agent();
    let token = login(&agent, &url, &user);
    let (device, secret) = register(&agent, &url);
    let (mut latencies, mut errors, mut seq, mut base) = (Vec::new(), 0, 0u32, 0u64);
    while !stop.load(Ordering::Relaxed) && latencies.len() < MAX_SYNCS_PER_CLIENT {
        let at = now_ms();
        let ops: Vec<Value> = (1..=OPS_PER_SYNC)
            .map(|i| json!({"device": device, "seq": seq + i, "at": at, "op": {"type": "track", "action": "review"}}))
            .collect();
        let body =
            json!({"protocol": 1, "device": device, "base_version": base, "snapshot_formats": [4, 5], "ops": ops}).to_string();
        let started = Instant::now();
        let result = agent
            .post(format!("{url}/v1/sync"))
            .header("authorization", &format!("Bearer {token}"))
            .header("x-device-secret", &secret)
            .header("content-type", "application/json")
            .send(body.as_bytes());
        // The body is read in full either way: the snapshot is part of the cost.
        let text: Option<String> = result.ok().and_then(|mut r| {
            (r.status() == 200)
                .then(|| {
                    r.body_mut()
                        .with_config()
                        .limit(64 << 20)
                        .read_to_string()
                        .ok()
                })
                .flatten()
        });
        latencies.push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
        let reply: Option<Value> = text.and_then(|t| serde_json::from_str(&t).ok());
        match reply {
            Some(v) if v["acked"].as_array().map(Vec::len) == Some(OPS_PER_SYNC as usize) => {
                seq += OPS_PER_SYNC;
                base = v["server_version"].as_u64().unwrap_or(base);
            }
            _ => errors += 1,
        }
    }
    (latencies, errors)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

fn run(bin: &str, backend: &str, database: Option<&str>, clients: usize, seconds: u64) -> Value {
    let server = start_server(bin, database);
    let stop = Arc::new(AtomicBool::new(false));
    let tag = format!("{backend}-{clients}-{}", now_ms());
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|i| {
            let (url, user, stop) = (server.url.clone(), format!("load-{tag}-{i}"), stop.clone());
            std::thread::spawn(move || client(url, user, stop))
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for h in handles {
        let (lat, err) = h.join().unwrap();
        all.extend(lat);
        errors += err;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let rss = peak_rss_kb(server.child.id());
    let result = json!({
        "backend": backend,
        "clients": clients,
        "ops_per_sync": OPS_PER_SYNC,
        "seconds": elapsed,
        "syncs": all.len(),
        "errors": errors,
        "syncs_per_s": all.len() as f64 / elapsed,
        "p50_ms": percentile(&all, 0.50),
        "p99_ms": percentile(&all, 0.99),
        "max_ms": percentile(&all, 1.0),
        "server_peak_rss_kb": rss,
    });
    println!(
        "| {backend} | {clients} | {:.0} | {:.2} | {:.2} | {:.2} | {errors} | {} |",
        result["syncs_per_s"].as_f64().unwrap(),
        result["p50_ms"].as_f64().unwrap(),
        result["p99_ms"].as_f64().unwrap(),
        result["max_ms"].as_f64().unwrap(),
        rss.map_or("?".to_owned(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
    );
    result
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    let bin = env_or("ZAILAI_BIN", "target/release/zailai");
    let seconds: u64 = env_or("ZAILAI_BENCH_SECONDS", "10")
        .parse()
        .expect("ZAILAI_BENCH_SECONDS");
    let levels: Vec<usize> = env_or("ZAILAI_BENCH_CONCURRENCY", "1,10,50,100")
        .split(',')
        .map(|s| s.trim().parse().expect("ZAILAI_BENCH_CONCURRENCY"))
        .collect();
    let postgres = std::env::var("ZAILAI_BENCH_POSTGRES").ok();
    println!(
        "sync load: {OPS_PER_SYNC} ops per sync, {seconds} s per run, server {bin}, 127.0.0.1"
    );
    println!(
        "| backend | clients | syncs/s | p50 ms | p99 ms | max ms | errors | server peak RSS |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut results = Vec::new();
    for &clients in &levels {
        results.push(run(&bin, "sqlite", None, clients, seconds));
        if let Some(pg) = &postgres {
            results.push(run(&bin, "postgres", Some(pg), clients, seconds));
        }
    }
    if postgres.is_none() {
        println!("(PostgreSQL skipped: set ZAILAI_BENCH_POSTGRES, as scripts/bench-sync.sh does)");
    }
    if let Ok(out) = std::env::var("ZAILAI_BENCH_OUT") {
        std::fs::write(&out, serde_json::to_string_pretty(&results).unwrap()).unwrap();
        println!("results: {out}");
    }
}
