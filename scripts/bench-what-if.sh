#!/usr/bin/env bash
# What-if at scale (issue 26), opt-in and never part of the test command. For each size, an
# SQLite database built by `zailai populate --bulk` (60 days from 2026-08-01, a campaign in
# range), then `zailai rules what-if` over all 60 days with a candidate that changes two
# numbers (core_action 15 → 20 points, gold at 15 active days instead of 20), timed three
# times; sizes above 100000 replay a sample of SAMPLE members (default 100000).
# Usage: bash scripts/bench-what-if.sh [sizes…]   (default: 100000)
#        SAMPLE=50000 bash scripts/bench-what-if.sh 1000000
#        REUSE=1 …: keep a database an earlier run built (its populate time is not measured)
# Results: target/bench/what-if.md (a table) and the lines printed. A million members need
# about 7 GB of disk under target/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000)
sample=${SAMPLE:-100000}
cargo build --release -q -p zailai-server
bin="$PWD/target/release/zailai"
out=target/bench
mkdir -p "$out"
node -e '
  const fs = require("fs");
  const seed = JSON.parse(fs.readFileSync("presets/seed.json", "utf8"));
  delete seed.cards; delete seed.lotteries; // they follow the seed campaign replaced here
  seed.campaigns = [{id: "summer", name: {en: "Summer"}, start: "2026-08-20", days: 7, checkin_multiplier: 2}];
  fs.writeFileSync(process.argv[1], JSON.stringify(seed));
  seed.points.earning.core_action.points = 20;
  seed.tiers.levels[2].upgrade.conditions.active_days = 15;
  fs.writeFileSync(process.argv[2], JSON.stringify(seed));
' "$out/what-if-rules.json" "$out/what-if-candidate.json"
now() { date +%s.%N; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(uname -sr), $(date -u +%F)" \
  | tee "$out/what-if.md"
echo "| members | replayed | ops read | populate --bulk | what-if, wall (median of 3) | CPU of the median run (user + sys) | its peak RSS | load average before |" \
  | tee -a "$out/what-if.md"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" | tee -a "$out/what-if.md"
for n in "${sizes[@]}"; do
  dir="$out/what-if-$n"
  built="kept"
  if [ -z "${REUSE:-}" ] || [ ! -f "$dir/zailai.db" ]; then
    rm -rf "$dir"
    t0=$(now)
    "$bin" populate --bulk --data-dir "$dir" --config "$out/what-if-rules.json" \
      --users "$n" --start 2026-08-01 --days 60 >/dev/null
    t1=$(now)
    built="$(awk "BEGIN { printf \"%.0f s\", $t1 - $t0 }")"
  fi
  args=(rules what-if --data-dir "$dir" --config "$out/what-if-rules.json"
    --candidate "$out/what-if-candidate.json" --from 2026-08-01 --to 2026-09-29 --json)
  replayed=$n
  if [ "$n" -gt 100000 ]; then args+=(--sample "$sample"); replayed=$sample; fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  runs=()
  for i in 1 2 3; do
    r0=$(now)
    /usr/bin/time -f "peak %M KB cpu %U %S" "$bin" "${args[@]}" > "$out/what-if-$n.json" 2> "$out/what-if-$n.$i.err"
    r1=$(now)
    runs+=("$(awk "BEGIN { print $r1 - $r0 }") $i")
  done
  median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
  err="$out/what-if-$n.${median#* }.err"
  ops=$(sed -nE 's/.*\(([0-9]+) ops\).*/\1/p' "$err")
  rss=$(sed -nE 's/^peak ([0-9]+) KB.*/\1/p' "$err")
  cpu=$(sed -nE 's/^peak .* cpu ([0-9.]+) ([0-9.]+)/\1 \2/p' "$err" | awk '{printf "%.1f s", $1 + $2}')
  printf '| %s | %s | %s | %s | %.1f s (runs: %s) | %s | %s MB | %s |\n' "$n" "$replayed" "$ops" \
    "$built" "${median% *}" "$(printf '%s\n' "${runs[@]}" | awk '{printf "%.1f ", $1}')" "$cpu" \
    "$((rss / 1024))" "$load" | tee -a "$out/what-if.md"
done
