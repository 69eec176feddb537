#!/usr/bin/env bash
# The main job, for now: build the operator CLI and the npm package (pkg/), and run the rule
# simulator on the seed preset. The reference server (`zailai serve`, SQLite, web preview)
# replaces this when it lands.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-rust.sh
cargo build --release -p zailai-server
bash scripts/build-pkg.sh
bin=target/release/zailai
out=target/zailai-demo
mkdir -p "$out"
"$bin" check --config presets/seed.json
"$bin" simulate --config presets/seed.json --ops presets/seed-demo.ops.jsonl --format text
"$bin" simulate --config presets/seed.json --ops presets/seed-demo.ops.jsonl > "$out/simulation.json"
cat <<MSG

Full JSON (events of every op, state, views): $out/simulation.json
Try your own rules:  $bin simulate --config my-rules.json --ops my-ops.jsonl --format text
The npm package for mini-programs, browsers and Node: pkg/ (docs/package.md)
Rule file reference: docs/config.md · ops format: docs/ops.md · rule semantics: docs/rules.md
Coming next: signed snapshots and \`zailai serve\` with SQLite, then the demo mini-program and web preview.
MSG
