#!/usr/bin/env bash
# Every check of the project: formatting, lints, the core's purity and wasm32 build, and all
# Rust tests (unit, integration, property, golden vectors, CLI). CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-rust.sh

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== the core is pure: no JS bindings, clock, randomness or I/O"
deps=$(cargo tree -p zailai -e normal --prefix none | awk '{print $1}' | sort -u)
forbidden=$(grep -xE 'wasm-bindgen|js-sys|web-sys|getrandom|rand|rand_core|chrono|time' <<<"$deps" || true)
if [ -n "$forbidden" ]; then echo "core depends on: $forbidden" >&2; exit 1; fi
if grep -rnE 'std::(fs|net|env|time|thread|process)|SystemTime|Instant::now' src/; then
  echo "the core must not do I/O or read the clock (above)" >&2; exit 1
fi

echo "== the core builds for wasm32"
cargo build -p zailai --target wasm32-unknown-unknown --release

echo "== tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# One closing line for the whole run (cargo's last line is the doc-tests' own count).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1) } }
     END { printf "all tests: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$log"
