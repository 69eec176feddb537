#!/usr/bin/env bash
# Fuzzes the core's inputs with cargo-fuzz (libFuzzer, nightly): rule files, ops applied to a
# member, snapshot bytes, sync request bodies. Each target runs for N seconds (default 10);
# a crash, a panic or an allocation over the limit fails the run and leaves the input in
# fuzz/artifacts/<target>/ (turn it into a regression test). Installs what is missing.
# Usage: bash scripts/fuzz.sh [seconds per target] [target…]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config op_apply snapshot sync_request)
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cd fuzz
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${secs}s"
  # -malloc_limit_mb: one input may not make the core allocate more than this at once.
  log="artifacts/$t.log"
  mkdir -p artifacts
  status=0
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=1024 -malloc_limit_mb=256 -max_len=65536 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^SUMMARY|panicked' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "fuzz target $t failed (exit $status): the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
