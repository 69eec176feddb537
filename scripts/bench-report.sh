#!/usr/bin/env bash
# The report at scale (issue 16), opt-in and never part of the test command: for each size, a
# PostgreSQL database built by `zailai populate --bulk` (60 days, two campaigns in range), its
# size on disk, then the full report (cohorts, tiers, both campaigns, one experiment) timed
# three times. PostgreSQL is a throwaway cluster with fsync on and the settings of
# docs/deploy.md. Needs about 20 GB of free disk for a million members and ~25 minutes.
# Usage: bash scripts/bench-report.sh [sizes…]   (default: 10000 100000 1000000)
# Results: target/bench/report.md (a table) and the lines printed.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
cargo build --release -q -p zailai-server
bin="$PWD/target/release/zailai"
out=target/bench
mkdir -p "$out"
eval "$(ZAILAI_PG_FSYNC=on ZAILAI_PG_OPTS="-c shared_buffers=4GB -c work_mem=256MB \
  -c maintenance_work_mem=1GB -c max_wal_size=16GB -c effective_cache_size=12GB" \
  bash scripts/postgres-up.sh)"
trap 'bash scripts/postgres-down.sh' EXIT
node -e '
  const seed = JSON.parse(require("fs").readFileSync("presets/seed.json", "utf8"));
  delete seed.cards; delete seed.lotteries; // they follow the seed campaign replaced here
  seed.campaigns = [
    {id: "summer", name: {en: "Summer"}, start: "2026-08-20", days: 7, checkin_multiplier: 2},
    {id: "mid_autumn", name: {en: "Mid-autumn"}, start: "2026-09-20", days: 5, checkin_multiplier: 2,
     tiers: ["silver", "gold", "diamond"]}];
  require("fs").writeFileSync(process.argv[1], JSON.stringify(seed));
' "$out/report-rules.json"
echo '[{"id": "banner", "variants": ["control", "treatment"], "start": "2026-08-01"}]' \
  > "$out/report-experiments.json"
now() { date +%s.%N; }
export PGOPTIONS="-c client_min_messages=warning"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(uname -sr), $(date -u +%F)" \
  | tee "$out/report.md"
echo "| members | ops | populate --bulk | database on disk | report (median of 3) |" | tee -a "$out/report.md"
echo "| ---: | ---: | ---: | ---: | ---: |" | tee -a "$out/report.md"
for n in "${sizes[@]}"; do
  db="report_$n"
  psql "$ZAILAI_TEST_POSTGRES" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  url="${ZAILAI_TEST_POSTGRES/dbname=postgres/dbname=$db}"
  t0=$(now)
  line=$("$bin" populate --bulk --database "$url" --config "$out/report-rules.json" \
    --users "$n" --start 2026-08-01 --days 60)
  t1=$(now)
  psql "$url" -qc "VACUUM ANALYZE"
  ops=$(echo "$line" | sed -E 's/.* ([0-9]+) ops .*/\1/')
  size=$(psql "$url" -Atc "SELECT pg_size_pretty(pg_database_size('$db'))")
  times=()
  for _ in 1 2 3; do
    r0=$(now)
    "$bin" report --database "$url" --config "$out/report-rules.json" \
      --experiments "$out/report-experiments.json" --from 2026-08-01 --to 2026-09-29 \
      > "$out/report-$n.json"
    r1=$(now)
    times+=("$(awk "BEGIN { print $r1 - $r0 }")")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
  printf '| %s | %s | %.0f s | %s | %.2f s (runs: %s) |\n' "$n" "$ops" "$(awk "BEGIN { print $t1 - $t0 }")" \
    "$size" "$median" "$(printf '%.2f ' "${times[@]}")" | tee -a "$out/report.md"
  psql "$ZAILAI_TEST_POSTGRES" -qc "DROP DATABASE $db"
done
