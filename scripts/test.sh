#!/usr/bin/env bash
# Every check of the project: formatting, lints, the core's purity and wasm32 build, all Rust
# tests (unit, integration, property, golden vectors, CLI), the wasm bindings in Node and
# headless Chromium, the built npm package (pkg/) in Node, and the mini-program runtime
# harness. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-rust.sh
bash scripts/ensure-system.sh

echo "== the operator console (console/dist/, before any cargo build: the server embeds it)"
bash scripts/build-console.sh

echo "== format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== the core is pure: no JS bindings, clock, randomness or I/O"
deps=$(cargo tree -p zailai -e normal --prefix none | awk '{print $1}' | sort -u)
forbidden=$(grep -xE 'wasm-bindgen|js-sys|web-sys|getrandom|rand|rand_core|time|iana-time-zone' <<<"$deps" || true)
if [ -n "$forbidden" ]; then echo "core depends on: $forbidden" >&2; exit 1; fi
# chrono for civil dates only: none of the features that read the clock or the zone.
clock=$(cargo tree -p zailai -e features --prefix none | grep -oE 'chrono feature "(clock|now|std|wasmbind|oldtime)"' | sort -u || true)
if [ -n "$clock" ]; then echo "the core's chrono has: $clock" >&2; exit 1; fi
if grep -rnE 'std::(fs|net|env|time|thread|process)|SystemTime|Instant::now' src/; then
  echo "the core must not do I/O or read the clock (above)" >&2; exit 1
fi

echo "== the core builds for wasm32"
cargo build -p zailai --target wasm32-unknown-unknown --release

log=$(mktemp)
cleanup() {
  rm -f "$log"
  bash scripts/postgres-down.sh
}
trap cleanup EXIT

echo "== a throwaway PostgreSQL for the storage conformance suite"
eval "$(bash scripts/postgres-up.sh)"

echo "== Rust tests"
cargo test --workspace 2>&1 | tee -a "$log"

echo "== build pkg/ (MVP wasm, three entry points, size report)"
bash scripts/build-pkg.sh

echo "== wasm bindings in Node and in headless Chromium (one body, two harnesses)"
cargo clippy -p zailai-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
# The Node-only rule tools (rules-node/: the core with `rule-files`, js/test/rules-*.test.js).
cargo clippy -p zailai-rules-node --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo test -p zailai-wasm --target wasm32-unknown-unknown --test node 2>&1 | tee -a "$log"
(cd wasm && CHROMEDRIVER=$(command -v chromedriver) cargo test --target wasm32-unknown-unknown --test browser) 2>&1 | tee -a "$log"

echo "== JS: the built package, the mini-program runtime harness, golden vectors vs native, types"
cargo build -p zailai-server
(cd js && npm test) 2>&1 | tee -a "$log"

echo "== the operator console in headless Chromium (console/test/: roles, CSRF, grants, rules, axe-core, screenshots)"
(cd console && npm test) 2>&1 | tee -a "$log"

echo "== fuzzing each input format briefly (scripts/fuzz.sh; longer runs: docs/security.md)"
bash scripts/fuzz.sh "${ZAILAI_FUZZ_SECONDS:-8}"

# One closing line for the whole run, over cargo's, wasm-bindgen's and node's counts.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i == "passed;") p += $(i-1); if ($i == "failed;") f += $(i-1) } }
     /^# pass / { p += $3 } /^# fail / { f += $3 }
     END { printf "all tests: %d passed, %d failed\n", p, f; if (p == 0 || f > 0) exit 1 }' "$log"
