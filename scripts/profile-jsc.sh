#!/usr/bin/env bash
# Where a client figure's time goes on JavaScriptCore without JIT (iOS), by wasm function name:
# builds the shipped module again with its names kept (its own target dir; the code is the
# shipped one's), runs benches/engines/client.js for the figures matching REGEX, RUNS times each,
# under `jsc --useJIT=false --sample`, and prints the top functions. A profile, not a benchmark:
# the sampler slows the run. Usage: bash scripts/profile-jsc.sh REGEX [runs=3000] [top=40]
# e.g. bash scripts/profile-jsc.sh 'Member.record alone'
set -euo pipefail
cd "$(dirname "$0")/.."
regex=$1 runs=${2:-3000} top=${3:-40}
bash scripts/build-pkg.sh >/dev/null
out=target/profile-jsc
RUSTC_BOOTSTRAP=1 RUSTFLAGS='-C target-cpu=mvp -Zunstable-options -Cpanic=immediate-abort --cfg zailai_cold_size' \
  CARGO_PROFILE_RELEASE_STRIP=false cargo build -q -p zailai-wasm --release \
  --target wasm32-unknown-unknown --target-dir target/wasm-named -Zbuild-std=std,panic_abort \
  --config "profile.release.opt-level='s'" --config "profile.release.package.zailai.opt-level=3" \
  --config "profile.release.package.ed25519-compact.opt-level=3"
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target bundler --out-dir "$out/bindgen" --out-name zailai \
  target/wasm-named/wasm32-unknown-unknown/release/zailai_wasm.wasm
# The passes of js/build/build.mjs, with the names kept (-g).
js/node_modules/.bin/wasm-opt "$out/bindgen/zailai_bg.wasm" -o "$out/named.wasm" -g \
  --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int -Os --converge \
  --signext-lowering --llvm-memory-copy-fill-lowering --llvm-nontrapping-fptoint-lowering \
  --remove-exports --pass-arg=remove-exports@__abort_handler,__instance_terminated --strip-producers
# The fixture and the bundle as benches/engines.mjs makes them (a short run of one figure).
node benches/engines.mjs --only 'module compile' >/dev/null
work=$(ls -td /tmp/zailai-engines-* | head -n 1 || true) # the newest (a closed pipe is no error)
code=$(ls -td /tmp/zailai-mp-* | head -n 1 || true)
node - "$out" "$work" "$code" "$runs" <<'JS'
const { cpSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const [out, work, code, runs] = process.argv.slice(2);
cpSync(code, join(out, 'code'), { recursive: true });
cpSync(join(work, 'decompressed-after'), join(out, 'raw'), { recursive: true });
cpSync(join(out, 'named.wasm'), join(out, 'raw', 'miniprogram_npm', 'zailai', 'zailai.wasm.br.raw'));
// wasm-bindgen names its internal exports by number when the names are stripped, by name here.
const index = join(out, 'code', 'miniprogram_npm', 'zailai', 'index.js');
let glue = readFileSync(index, 'utf8');
for (const [a, b] of [['__wbindgen_export4', '__wbindgen_free'], ['__wbindgen_export3', '__wbindgen_realloc'], ['__wbindgen_export2', '__wbindgen_malloc'], ['__wbindgen_export', '__wbindgen_exn_store']]) glue = glue.split(a).join(b);
writeFileSync(index, glue);
// Every figure runs `runs` times (at most 60 s).
const original = readFileSync(join(work, 'client.js'), 'utf8');
const bundle = original.replace('{ runs = 200, budgetMs = 1500, warm = 2, setup } = {}', `{ warm = 2, setup } = {}, runs = ${Number(runs)}, budgetMs = 60000`);
if (bundle === original) throw new Error('benches/engines/client.js: measure() has other parameters now; update this script');
writeFileSync(join(out, 'client.js'), bundle);
writeFileSync(join(out, 'fixture.json'), readFileSync(join(work, 'fixture.json')));
JS
(cd "$out" && jsc --useJIT=false --sample --samplingProfilerTopFunctionsCount="$top" client.js -- \
  "$PWD/code" "$PWD/raw" "$PWD/fixture.json" jsc "$regex") > "$out/profile.txt" 2>&1
head -n 1 "$out/profile.txt" # the figures, slowed by the sampler
sed -n '/Top functions as/,/^$/p' "$out/profile.txt" | sed -E 's/zailai_wasm\.wasm\.wasm-function//; s/\[[0-9a-f]{16}\]//g' | cut -c1-160
