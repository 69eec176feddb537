#!/usr/bin/env bash
# Builds pkg/ (the npm package) from a clean checkout: installs what is missing (wasm target,
# the wasm-bindgen CLI of exactly the pinned version, npm packages incl. binaryen's wasm-opt)
# and skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-rust.sh
pinned=$(sed -nE 's/^wasm-bindgen = "=([0-9.]+)"/\1/p' wasm/Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$pinned" ]; then
  # No --locked: the registry mirror lacks one locked dependency (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$pinned" --force
fi
if [ ! -d js/node_modules ] || [ js/package-lock.json -nt js/node_modules/.package-lock.json ]; then
  (cd js && npm ci --no-audit --no-fund)
fi
# Skip the build when nothing it reads changed since the last one (a second start is fast).
stamp=target/zailai-pkg.stamp
inputs=$( { echo "mp-wasm=${ZAILAI_MP_WASM:-} opt=${ZAILAI_WASM_OPT:-} hot=${ZAILAI_WASM_OPT_HOT:-} features=${ZAILAI_WASM_FEATURES:-}"; find Cargo.toml Cargo.lock src presets wasm/Cargo.toml wasm/src rules-node/Cargo.toml rules-node/src \
  js/src js/components js/build js/types js/PACKAGE.md js/README.en.md js/CHANGELOG.md js/package.json js/package-lock.json docs LICENSE-MIT LICENSE-APACHE -type f | sort | xargs sha256sum; } | sha256sum)
if [ -f pkg/package.json ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  echo "pkg/ is up to date (delete $stamp to rebuild)"
  exit 0
fi
node js/build/build.mjs
echo "$inputs" > "$stamp"
