#!/usr/bin/env bash
# Sync throughput and latency of `zailai serve` on 127.0.0.1, SQLite and PostgreSQL (a
# benchmark: it reports, it does not pass or fail). PostgreSQL is a throwaway cluster with
# fsync on, like a real one. Usage: bash scripts/bench-sync.sh [seconds per run]
# ZAILAI_BENCH_CONCURRENCY=1,10,50,100 by default. Results: target/bench/sync.json.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p zailai-server
mkdir -p target/bench
eval "$(ZAILAI_PG_FSYNC=on bash scripts/postgres-up.sh)"
trap 'bash scripts/postgres-down.sh' EXIT
echo "machine: $(nproc) cores, $(uname -sr), $(date -u +%F)"
ZAILAI_BIN="$PWD/target/release/zailai" ZAILAI_BENCH_POSTGRES="$ZAILAI_TEST_POSTGRES" \
  ZAILAI_BENCH_SECONDS="${1:-10}" ZAILAI_BENCH_OUT="$PWD/target/bench/sync.json" \
  cargo bench -q -p zailai-server --bench sync_load
