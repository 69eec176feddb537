#!/usr/bin/env bash
# The one benchmark command (issue 7): client in Node (wasm vs JS peers, plain-JS rules, the JS
# boundary, sizes, memory), every client figure on JavaScriptCore without JIT beside V8
# (issue 13), the native core (criterion), and the server on 127.0.0.1 (SQLite and PostgreSQL
# at 1, 10, 50, 100 devices). Writes docs/PERFORMANCE.md. It reports; it never
# fails on a slow figure (the byte budgets are tests). About 10 minutes on 2 cores.
# Usage: bash scripts/bench.sh   (ZAILAI_BENCH_RUNS=500, ZAILAI_BENCH_SECONDS=10 per server run)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-pkg.sh
node benches/client.mjs "${ZAILAI_BENCH_RUNS:-500}"
bash scripts/ensure-system.sh # jsc, for the figures on JavaScriptCore without JIT
node benches/engines.mjs
cargo bench --bench core -- --warm-up-time 2 --measurement-time 5 --noplot
ZAILAI_BENCH_CONCURRENCY=1,10,50,100 bash scripts/bench-sync.sh "${ZAILAI_BENCH_SECONDS:-10}"
node benches/report.mjs "bash scripts/bench.sh"
echo "→ docs/PERFORMANCE.md"
