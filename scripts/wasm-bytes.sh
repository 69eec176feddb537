#!/usr/bin/env bash
# Where the shipped module's bytes are (issue 13, deliverable 4): builds the module exactly as
# js/build/build.mjs does but keeps the function names (its own target dir), runs wasm-bindgen
# and wasm-opt with the same passes and -g, and sums twiggy's sizes by crate and core module.
# The total matches the shipped zailai.wasm within a few bytes (the names are not counted).
# Installs twiggy when missing (about 3 minutes). Usage: bash scripts/wasm-bytes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-pkg.sh >/dev/null
command -v twiggy >/dev/null || cargo install twiggy
opt=${ZAILAI_WASM_OPT:-s}
hot=${ZAILAI_WASM_OPT_HOT:-3}
level() { case $1 in [0-9]) echo "$1" ;; *) echo "'$1'" ;; esac; } # cargo: 3, but 's'
RUSTC_BOOTSTRAP=1 RUSTFLAGS='-C target-cpu=mvp -Zunstable-options -Cpanic=immediate-abort --cfg zailai_cold_size' \
  CARGO_PROFILE_RELEASE_STRIP=false cargo build -q -p zailai-wasm --release \
  --target wasm32-unknown-unknown --target-dir target/wasm-bytes -Zbuild-std=std,panic_abort \
  --config "profile.release.opt-level=$(level "$opt")" \
  --config "profile.release.package.zailai.opt-level=$(level "$hot")" \
  --config "profile.release.package.ed25519-compact.opt-level=$(level "$hot")"
work=target/wasm-bytes/named
rm -rf "$work"
wasm-bindgen --target bundler --out-dir "$work" --out-name zailai \
  target/wasm-bytes/wasm32-unknown-unknown/release/zailai_wasm.wasm
js/node_modules/.bin/wasm-opt "$work/zailai_bg.wasm" -o "$work/named.wasm" -g \
  --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int "-O$opt" --converge \
  --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
  --remove-exports --pass-arg=remove-exports@__abort_handler,__instance_terminated
twiggy top -n 1000000 --format csv "$work/named.wasm" > "$work/top.csv"
python3 - "$work/top.csv" <<'PY'
import collections, csv, re, sys
sizes = collections.Counter()
for row in csv.DictReader(open(sys.argv[1])):
    name, size = re.sub(r'\[[0-9a-f]+\]', '', row['Name']), int(row['ShallowSize'])
    if name.startswith('custom section') or 'subsection' in name:
        continue  # the names kept for this count; the shipped module has none
    if name.startswith('data'):
        key = 'data: string constants and tables'
    elif re.match(r'^(member|rules|snapshot)_|^progressSVG', name):
        key = 'exported methods (bindings with the core inlined)'
    else:
        m = re.match(r'([A-Za-z_]\w*)(::([A-Za-z_]\w*))?', name.lstrip('<&').replace('mut ', '').replace('dyn ', ''))
        key = ('zailai::' + m.group(3)) if m and m.group(1) == 'zailai' and m.group(3) else (m.group(1) if m else name[:30])
    sizes[key] += size
print(f'{sum(sizes.values()):,} bytes without names')
for key, size in sizes.most_common(20):
    print(f'{size / 1000:7.1f} KB  {key}')
PY
