#!/usr/bin/env bash
# Builds the operator console (console/ → console/dist/) for server/build.rs to embed: npm ci
# only when node_modules is missing or older than package-lock.json, vite build only when a
# source is newer than the last build (a second run takes well under a second), then the
# shipped packages' licences into dist/THIRD-PARTY-NOTICES.txt (console/scripts/notices.mjs).
# Prints the first page's gzip weight (console/scripts/size.mjs) and writes it to
# target/artifacts/console-size.txt. Quiet when its output is not a terminal, unless a step
# fails. Run it BEFORE any cargo build of the server, so the binary embeds this build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
console=$root/console
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs a step; when stdout is not a terminal its output is shown only if it fails.
step() {
  if [ -t 1 ]; then
    "$@"
  elif ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "build-console: failed: $*" >&2
    exit 1
  fi
}

cd "$console"
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  step npm ci --no-audit --no-fund
fi

built=dist/.vite/manifest.json
if [ ! -f "$built" ] || [ -n "$(find src index.html vite.config.js package-lock.json -newer "$built" -print -quit)" ]; then
  step node_modules/.bin/vite build --logLevel warn
  step node scripts/notices.mjs
elif [ ! -f dist/THIRD-PARTY-NOTICES.txt ]; then
  # (Only when missing: rewriting dist/ makes cargo rebuild the server, which embeds it.)
  step node scripts/notices.mjs
fi

mkdir -p "$root/target/artifacts"
node scripts/size.mjs dist | tee "$root/target/artifacts/console-size.txt" | head -1
