#!/usr/bin/env bash
# Installs the Rust pieces the build needs when they are missing; fast when they are there.
# (RUSTUP_AUTO_INSTALL=0 on these machines: nothing installs itself.)
set -euo pipefail
installed_components=$(rustup component list --installed 2>/dev/null || true)
# rust-src: the shipped wasm is built with -Zbuild-std (js/build/build.mjs).
for c in rustfmt clippy rust-src; do
  grep -q "^$c" <<<"$installed_components" || rustup component add "$c"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
