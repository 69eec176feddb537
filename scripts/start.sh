#!/usr/bin/env bash
# The main job: build the operator console (embedded in the server binary), the server and the
# npm package (pkg/), assemble the web preview, then start `zailai serve` with its embedded
# SQLite database, a dev key and dev login, serving the preview at /, the console at /console/
# and the sync API under /v1. Installs what is missing; a second run is fast.
# ZAILAI_ADDR=host:port changes where it listens (default 127.0.0.1:8787).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-rust.sh
# The console first: server/build.rs embeds console/dist/ when the server is built.
bash scripts/build-console.sh
cargo build --release -q -p zailai-server
bash scripts/build-pkg.sh
node js/build/preview.mjs
bin=target/release/zailai
addr="${ZAILAI_ADDR:-127.0.0.1:8787}"
"$bin" check --config presets/seed.json
cat <<MSG

zailai is starting on http://$addr/
  web preview   http://$addr/              (?user=NAME picks the member, ?lang=en the locale)
  sync API      http://$addr/v1/config     (docs/sync.md)
  mini-program  open miniprogram-demo/ in WeChat DevTools; its README says how to point it here
  rules         presets/seed.json; try yours: $bin simulate --config my-rules.json --ops my-ops.jsonl --format text
  console       http://$addr/console/      (运营后台; log in as the dev operator below:
                "dev console login: dev / PASSWORD", docs/console.md)
Data: .zailai-data/ (SQLite, dev key, tokens and console password; the server prints the
admin and merchant tokens and the console login below). Ctrl-C stops it.

MSG
exec "$bin" serve --dev --data-dir .zailai-data --addr "$addr" --web target/web-preview
