#!/usr/bin/env bash
# Sync throughput of two server binaries side by side (a benchmark: it reports, it does not
# pass or fail): runs `sync_load` (5 ops a sync, 127.0.0.1) on each binary in turn, ROUNDS
# times, on SQLite and on a throwaway PostgreSQL with fsync on, and prints each run, the
# medians and their ratio. Interleaving keeps a noisy machine's drift out of the ratio.
# Usage: bash scripts/bench-sync-ab.sh BEFORE_BIN AFTER_BIN [rounds=3] [seconds=8] [clients=50]
# Build a binary of another commit with: git worktree add /tmp/base <commit> &&
#   (cd /tmp/base && cargo build --release -p zailai-server) → /tmp/base/target/release/zailai
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 rounds=${3:-3} seconds=${4:-8} clients=${5:-50}
mkdir -p target/bench
eval "$(ZAILAI_PG_FSYNC=on bash scripts/postgres-up.sh)"
trap 'bash scripts/postgres-down.sh' EXIT
cargo bench -q -p zailai-server --bench sync_load --no-run
echo "machine: $(nproc) cores, $(uname -sr), $(date -u '+%F %H:%M')"
echo "before: $before"
echo "after:  $after"
results=target/bench/sync-ab.tsv
: > "$results"
# A database of each side's own: the newer binary migrates its schema past the older one's.
for side in before after; do
  psql "$ZAILAI_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS ab_$side" -c "CREATE DATABASE ab_$side"
done
for round in $(seq "$rounds"); do
  for side in before after; do
    bin=${!side}
    out="target/bench/sync-ab-$side-$round.json"
    db="${ZAILAI_TEST_POSTGRES/dbname=postgres/dbname=ab_$side}"
    ZAILAI_BIN="$bin" ZAILAI_BENCH_POSTGRES="$db" ZAILAI_BENCH_SECONDS="$seconds" \
      ZAILAI_BENCH_CONCURRENCY="$clients" ZAILAI_BENCH_OUT="$PWD/$out" \
      cargo bench -q -p zailai-server --bench sync_load > /dev/null
    node -e '
      const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const r of Array.isArray(j) ? j : j.runs)
        console.log([process.argv[2], process.argv[3], r.backend, r.syncs_per_s.toFixed(0), r.p99_ms, r.errors].join("\t"));
    ' "$out" "$side" "$round" | tee -a "$results"
  done
done
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(l => l.split("\t"));
  const median = xs => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  for (const backend of [...new Set(rows.map(r => r[2]))]) {
    const of = side => rows.filter(r => r[0] === side && r[2] === backend).map(r => Number(r[3]));
    const [b, a] = [median(of("before")), median(of("after"))];
    console.log(`${backend}: before ${b.toFixed(0)}/s, after ${a.toFixed(0)}/s (median of ${of("after").length}): after/before = ${(a / b).toFixed(3)}`);
  }
' "$results"
