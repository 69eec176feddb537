#!/usr/bin/env bash
# The main job: build the CLI and the npm package (pkg/), show the rule simulator on the seed
# preset, then start the reference sync server (SQLite, dev mode) and say where it listens.
# The web preview joins it with the rendering issue.
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
Coming next: the client's sync(), then the demo mini-program and the web preview.

Starting the sync server (dev mode, data in .zailai-data/; Ctrl-C stops it)…
MSG
exec "$bin" serve --dev --data-dir .zailai-data --addr "${ZAILAI_ADDR:-127.0.0.1:8787}"
