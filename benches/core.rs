//! Native benchmarks of the core (issue 7), the same operations as `benches/client.mjs` runs in
//! wasm, on the same fixtures (the heavy year and its signed snapshot, written by that script),
//! so `docs/PERFORMANCE.md` can give wasm/native ratios. Run through `bash scripts/bench.sh`;
//! alone: `node benches/client.mjs && cargo bench --bench core`. Views are timed up to their
//! JSON text, as the wasm module hands every view to JS as JSON.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use zailai::snapshot::{base64, TrustedKeys};
use zailai::{view, Config, Op, OpKind, State};

const DAY: i64 = 86_400_000;

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/target/bench/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{path}: {e}; run `node benches/client.mjs` first (scripts/bench.sh does)")
    });
    serde_json::from_str(&text).expect("fixture is JSON")
}

struct Year {
    user: String,
    joined_at: i64,
    ops: Vec<Op>,
}

fn year() -> Year {
    let v = fixture("heavy-year.json");
    Year {
        user: v["user"].as_str().unwrap().to_owned(),
        joined_at: v["joined_at"].as_i64().unwrap(),
        ops: v["ops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|op| Op::from_json(&op.to_string()).unwrap())
            .collect(),
    }
}

fn replay(cfg: &Config, y: &Year) -> State {
    let mut st = State::join(cfg, &y.user, y.joined_at);
    for op in &y.ops {
        let _ = st.apply(cfg, op);
    }
    st
}

fn benches(c: &mut Criterion) {
    let cfg = Config::seed();
    let y = year();
    let heavy = replay(&cfg, &y);
    let end = y.ops.last().unwrap().at;

    c.bench_function("replay of the heavy year", |b| {
        b.iter(|| replay(&cfg, black_box(&y)))
    });
    c.bench_function("replay of the heavy year, ops from JSON", |b| {
        let texts: Vec<String> = fixture("heavy-year.json")["ops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        b.iter(|| {
            let mut st = State::join(&cfg, &y.user, y.joined_at);
            for t in &texts {
                let _ = st.apply(&cfg, &Op::from_json(t).unwrap());
            }
            st
        })
    });
    // One op on a fresh copy of the heavy member each time (the copy is not timed), as the
    // wasm bench does: the first op of the next day, with its time effects.
    let check_in = Op {
        device: "b2".into(),
        seq: 1,
        at: end + DAY,
        op: OpKind::CheckIn {},
    };
    c.bench_function("check-in (member with a heavy year)", |b| {
        b.iter_batched_ref(
            || heavy.clone(),
            |st| st.apply(&cfg, &check_in).unwrap(),
            BatchSize::SmallInput,
        )
    });
    // A make-up of a missed day, under rules that allow up to 31 a month.
    let mut lenient: serde_json::Value = serde_json::from_str(zailai::config::SEED_JSON).unwrap();
    lenient["checkin"]["makeup"]["monthly_limit"] = 31.into();
    let lenient = Config::parse(&lenient.to_string()).unwrap();
    let make_up = Op {
        device: "b3".into(),
        seq: 1,
        at: end + 2 * DAY,
        op: OpKind::MakeUp {
            date: zailai::Date::from_day(lenient.clock().day_of(end + DAY)),
        },
    };
    c.bench_function("make-up (member with a heavy year)", |b| {
        b.iter_batched_ref(
            || heavy.clone(),
            |st| st.apply(&lenient, &make_up).unwrap(),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("clone of the heavy state", |b| b.iter(|| heavy.clone()));
    c.bench_function("month calendar view model (cells)", |b| {
        b.iter(|| {
            let month = view::calendar(&heavy, &cfg, 2026, 12, end, "zh-CN").unwrap();
            serde_json::to_string(&view::calendar_cells(&month, &cfg, "zh-CN")).unwrap()
        })
    });
    c.bench_function("month calendar view (grid object)", |b| {
        b.iter(|| {
            serde_json::to_string(&view::calendar(&heavy, &cfg, 2026, 12, end, "zh-CN").unwrap())
                .unwrap()
        })
    });
    c.bench_function("month calendar SVG", |b| {
        b.iter(|| {
            let month = view::calendar(&heavy, &cfg, 2026, 12, end, "zh-CN").unwrap();
            zailai::render::calendar_svg(&month, &cfg, &zailai::render::Theme::default(), "zh-CN")
        })
    });
    c.bench_function("tier progress", |b| {
        b.iter(|| serde_json::to_string(&view::tier_progress(&heavy, &cfg, end, "zh-CN")).unwrap())
    });
    c.bench_function("points summary", |b| {
        b.iter(|| serde_json::to_string(&view::points_summary(&heavy, &cfg, end)).unwrap())
    });
    let snap = fixture("heavy-snapshot.json");
    let mut keys = TrustedKeys::new();
    for k in snap["keys"].as_array().unwrap() {
        let public = base64::decode(k["public"].as_str().unwrap()).unwrap();
        keys.add(k["id"].as_str().unwrap(), &public).unwrap();
    }
    let bytes = base64::decode(snap["snapshot"].as_str().unwrap()).unwrap();
    c.bench_function("snapshot verify (signature + decode)", |b| {
        b.iter(|| zailai::snapshot::verify(black_box(&bytes), &keys).unwrap())
    });
}

criterion_group!(core, benches);
criterion_main!(core);
