#!/usr/bin/env bash
# The size/speed curve of the shipped module (issue 13, deliverable 4): builds pkg/ at each
# optimisation level (`s`: rustc and wasm-opt alike; `s+3`: the hot crates at 3, what ships;
# js/build/build.mjs's ZAILAI_WASM_OPT and ZAILAI_WASM_OPT_HOT), measures every client figure
# on JavaScriptCore without JIT and on V8 (benches/engines.mjs) and prints the table that
# docs/package.md keeps. Leaves pkg/ built at the default level. About 10 minutes on 2 cores.
# Usage: bash scripts/bench-opt-levels.sh [levels, default "z s 3 s+3"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh
levels=${1:-z s 3 s+3}
for level in $levels; do
  echo "== opt-level $level" >&2
  ZAILAI_WASM_OPT=${level%%+*} ZAILAI_WASM_OPT_HOT=${level#*+} bash scripts/build-pkg.sh >/dev/null
  node benches/engines.mjs >/dev/null
  cp target/bench/engines.json "target/bench/opt-$level.json"
  cp target/zailai-pkg/sizes.json "target/bench/opt-$level-sizes.json"
done
bash scripts/build-pkg.sh >/dev/null
node benches/opt-curve.mjs $levels
