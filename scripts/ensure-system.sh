#!/usr/bin/env bash
# Installs Debian's chromium + chromedriver (wasm tests in a real browser), wabt
# (wasm-validate, wasm-objdump), jsc (JavaScriptCore, the iOS engine), systemd-analyze, the sqlite3 shell and a CJK font (the preview's screenshots show Chinese) when missing. PostgreSQL: scripts/postgres-up.sh. Not Debian's binaryen: its wasm-opt corrupts
# wasm-bindgen output (TOOLCHAIN.md); wasm-opt comes from npm.
set -euo pipefail
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v wasm-validate >/dev/null || missing+=(wabt)
# JavaScriptCore's shell: the engine iOS WeChat runs mini-programs in (jsc --useJIT=false).
command -v jsc >/dev/null || missing+=(libjavascriptcoregtk-4.0-bin)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
# systemd-analyze checks the unit docs/deploy.md gives (js/test/deploy.test.js); nothing starts.
command -v systemd-analyze >/dev/null || missing+=(systemd)
# The sqlite3 shell: end-to-end tests backdate a device's registration in the server's database
# (js/test/server-helpers.js backdateDevice), as the server's clock cannot move.
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi
