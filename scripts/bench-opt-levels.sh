#!/usr/bin/env bash
# The size/speed curve of the shipped module (issue 13, deliverable 4): builds pkg/ at each
# optimisation level (ZAILAI_WASM_OPT: rustc and wasm-opt alike), measures every client figure
# on JavaScriptCore without JIT and on V8 (benches/engines.mjs) and prints the table that
# docs/package.md keeps. Leaves pkg/ built at the default level. About 8 minutes on 2 cores.
# Usage: bash scripts/bench-opt-levels.sh [levels, default "z s 2 3"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
levels=${1:-z s 2 3}
for level in $levels; do
  echo "== opt-level $level" >&2
  ZAILAI_WASM_OPT=$level bash scripts/build-pkg.sh >/dev/null
  node benches/engines.mjs >/dev/null
  cp target/bench/engines.json "target/bench/opt-$level.json"
  cp target/zailai-pkg/sizes.json "target/bench/opt-$level-sizes.json"
done
bash scripts/build-pkg.sh >/dev/null
node benches/opt-curve.mjs $levels
