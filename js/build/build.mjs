// Builds ../../pkg from the wasm bindings crate: an MVP .wasm (+ .wasm.br), one wasm-bindgen
// glue bundled three ways (mini-program CommonJS, browser ESM, Node CommonJS), types, and a
// size report. Run through scripts/build-pkg.sh, which installs the tools first.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const js = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(js);
const pkg = join(root, 'pkg');
const work = join(root, 'target', 'zailai-pkg');
/** The optimisation levels of the shipped module (see ZAILAI_WASM_OPT below). */
// `s` for everything, `3` for the hot crates: on JavaScriptCore without JIT about as fast as
// `-O3` everywhere (open 208 vs 226 ms, replay 0.84 vs 0.73 s; `-Oz`: 309 ms, 1.13 s) at 387 KB
// raw instead of 438 (budget 400) and 17 ms to compile instead of 33 (docs/package.md).
const OPT_DEFAULT = 's';
const HOT_DEFAULT = '3';
/** The crates where a client spends its time: the core (JSON reading, rules, views) and Ed25519. */
const HOT_CRATES = ['zailai', 'ed25519-compact'];
/** Docs shipped in the package (docs/ of the repository): what a mini-program developer reads. */
const PACKAGE_DOCS = ['config.md', 'ops.md', 'render.md', 'sync.md', 'lottery.md', 'merchant.md', 'package.md'];
const bin = (name) => join(js, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });

// 1. The module, compiled for the MVP CPU, std included (-Zbuild-std, so std is MVP too and
//    panics abort without their formatting machinery: about 30 KB less). RUSTC_BOOTSTRAP=1
//    lets stable Rust take these flags (TOOLCHAIN.md, recipe B). `strip` keeps the
//    target_features section from wasm-bindgen, which would otherwise emit an externref
//    table. Its own target dir, so these flags never invalidate the test builds.
//    Optimisation: ZAILAI_WASM_OPT picks the level for rustc and wasm-opt alike (z, s, 2, 3;
//    docs/package.md has the size/speed curve on V8 and on JavaScriptCore without JIT that
//    chose the default).
//    ZAILAI_WASM_OPT_HOT sets another level for the crates where the time goes (HOT_CRATES).
//    ZAILAI_WASM_FEATURES: features of zailai-wasm, for measurements (`swb`, docs/package.md).
const levels = ['z', 's', '2', '3'];
const opt = process.env.ZAILAI_WASM_OPT || OPT_DEFAULT;
const hot = process.env.ZAILAI_WASM_OPT_HOT || (process.env.ZAILAI_WASM_OPT ? opt : HOT_DEFAULT);
for (const [name, v] of [['ZAILAI_WASM_OPT', opt], ['ZAILAI_WASM_OPT_HOT', hot]]) {
  if (!levels.includes(v)) throw new Error(`${name} must be z, s, 2 or 3, not ${v}`);
}
const level = (v) => (/\d/.test(v) ? v : `'${v}'`);
run('cargo', ['build', '-p', 'zailai-wasm', '--release', '--target', 'wasm32-unknown-unknown',
  '--config', `profile.release.opt-level=${level(opt)}`,
  ...HOT_CRATES.flatMap((c) => ['--config', `profile.release.package.${c}.opt-level=${level(hot)}`]),
  ...(process.env.ZAILAI_WASM_FEATURES ? ['--features', process.env.ZAILAI_WASM_FEATURES] : []),
  '--target-dir', join(root, 'target', 'mvp'), '-Zbuild-std=std,panic_abort'], {
  RUSTC_BOOTSTRAP: '1',
  // zailai_cold_size: the rule-file reader at opt-level s inside the fast core (src/lib.rs).
  RUSTFLAGS: '-C target-cpu=mvp -Zunstable-options -Cpanic=immediate-abort --cfg zailai_cold_size',
  CARGO_PROFILE_RELEASE_STRIP: 'true',
});
const built = join(root, 'target', 'mvp', 'wasm32-unknown-unknown', 'release', 'zailai_wasm.wasm');

// 2. JS glue. The bundler target keeps every glue function in one ES module (zailai_bg.js)
//    that takes the instance through __wbg_set_wasm, so each environment loads it its own way.
rmSync(work, { recursive: true, force: true });
run('wasm-bindgen', ['--target', 'bundler', '--out-dir', work, '--out-name', 'zailai', built]);

// 3. wasm-opt: lower what std brings in (sign-ext, bulk memory, saturating float-to-int) to
//    MVP, optimise at the base level until nothing more changes (--converge), and drop
//    wasm-bindgen's two Global exports (WeChat on iOS rejects
//    Global exports; with panic=abort the glue never reads them).
const wasm = join(work, 'zailai.wasm');
run(bin('wasm-opt'), [join(work, 'zailai_bg.wasm'), '-o', wasm,
  '--enable-sign-ext', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', `-O${opt}`, '--converge',
  '--signext-lowering', '--llvm-memory-copy-fill-lowering', '--llvm-nontrapping-fptoint-lowering',
  '--remove-exports', '--pass-arg=remove-exports@__abort_handler,__instance_terminated',
  '--strip-debug', '--strip-producers']);
const wasmBytes = readFileSync(wasm);
const wasmBr = brotliCompressSync(wasmBytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: wasmBytes.length } });

// 3b. The rule-file tools of the Node entry (`checkRules`, `encodeRules`, the `zailai-rules`
//     CLI): the core's reader and validator with every shape problem at once (crate
//     rules-node/, feature `rule-files`), in a module of its own that only Node loads, so the
//     mini-program module above does not change. Node runs any wasm feature: no MVP lowering.
//     Its own target dir, so its profile never invalidates the other builds.
run('cargo', ['build', '-p', 'zailai-rules-node', '--release', '--target', 'wasm32-unknown-unknown',
  '--config', "profile.release.opt-level='s'", '--target-dir', join(root, 'target', 'rules-node')]);
const rulesWork = join(work, 'rules');
run('wasm-bindgen', ['--target', 'bundler', '--out-dir', rulesWork, '--out-name', 'zailai_rules',
  join(root, 'target', 'rules-node', 'wasm32-unknown-unknown', 'release', 'zailai_rules_node.wasm')]);
const rulesWasm = join(rulesWork, 'zailai-rules.wasm');
run(bin('wasm-opt'), [join(rulesWork, 'zailai_rules_bg.wasm'), '-o', rulesWasm,
  '--enable-reference-types', '--enable-bulk-memory', '--enable-sign-ext', '--enable-nontrapping-float-to-int',
  '--enable-multivalue', '--enable-mutable-globals', '-Os', '--strip-debug', '--strip-producers']);

// 4. Three entry points over the same glue.
// The mini-program dist ships ONE wasm file: "构建 npm" copies every file of the folder into
// the code package. Brotli by default (base library >= 2.14.0); ZAILAI_MP_WASM=raw for older.
const rawForMiniprogram = process.env.ZAILAI_MP_WASM === 'raw';
const mpWasmFile = rawForMiniprogram ? 'zailai.wasm' : 'zailai.wasm.br';
rmSync(pkg, { recursive: true, force: true });
// __ZAILAI_BUILD__ names the module: a local checkpoint written by another engine is not
// used (js/src/checkpoint.js).
const build = createHash('sha256').update(wasmBytes).digest('hex').slice(0, 16);
const common = { bundle: true, alias: { 'zailai-glue': join(work, 'zailai_bg.js') }, legalComments: 'none', logLevel: 'warning', charset: 'utf8',
  define: { __ZAILAI_BUILD__: JSON.stringify(build) } };
// Minified (the code package counts every byte), with its source map OUTSIDE the dist folder:
// "构建 npm" copies every file of dist/miniprogram into the code package, and a map there would
// ship to every phone. It sits at pkg/sourcemaps/miniprogram/index.js.map, for an error
// reporter (We分析's source-map upload, or a local stack decoder), and the module names no map.
const mpOut = await esbuild.build({ ...common, entryPoints: [join(js, 'src', 'miniprogram.js')], outfile: join(pkg, 'dist', 'miniprogram', 'index.js'),
  format: 'cjs', platform: 'neutral', target: 'es2017', inject: [join(js, 'src', 'text-codec.js')], mainFields: ['module', 'main'],
  define: { ...common.define, __ZAILAI_WASM_FILE__: JSON.stringify(mpWasmFile) }, minify: true, sourcemap: 'external', sourcesContent: true, write: false });
for (const file of mpOut.outputFiles) {
  const map = file.path.endsWith('.map');
  const target = map ? join(pkg, 'sourcemaps', 'miniprogram', 'index.js.map') : file.path;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.contents);
}
const nodeCommon = { ...common, alias: { ...common.alias, 'zailai-rules-glue': join(rulesWork, 'zailai_rules_bg.js') }, format: 'cjs', platform: 'node', target: 'node18' };
await esbuild.build({ ...nodeCommon, entryPoints: [join(js, 'src', 'node.js')], outfile: join(pkg, 'dist', 'node', 'index.js') });
// The `zailai-rules` command: the rule tools only (not the client), beside the module it reads.
await esbuild.build({ ...nodeCommon, entryPoints: [join(js, 'src', 'rules-bin.js')], outfile: join(pkg, 'dist', 'node', 'rules-cli.js'),
  banner: { js: '#!/usr/bin/env node' } });
await esbuild.build({ ...common, entryPoints: [join(js, 'src', 'web.js')], outfile: join(pkg, 'dist', 'web', 'index.js'), format: 'esm', platform: 'browser', target: 'es2020' });

writeFileSync(join(pkg, 'dist', 'miniprogram', mpWasmFile), rawForMiniprogram ? wasmBytes : wasmBr);
// The components and their Behavior, beside the entry: usingComponents "zailai/<name>/index".
cpSync(join(js, 'components'), join(pkg, 'dist', 'miniprogram'), { recursive: true });
for (const target of ['node', 'web']) copyFileSync(wasm, join(pkg, 'dist', target, 'zailai.wasm'));
copyFileSync(rulesWasm, join(pkg, 'dist', 'node', 'zailai-rules.wasm'));
chmodSync(join(pkg, 'dist', 'node', 'rules-cli.js'), 0o755);
mkdirSync(join(pkg, 'types'), { recursive: true });
for (const f of ['core', 'components', 'miniprogram', 'node', 'web']) copyFileSync(join(js, 'types', `${f}.d.ts`), join(pkg, 'types', `${f}.d.ts`));
for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(join(root, f), join(pkg, f));
// The docs at the package root (not in the mini-program dist, which "构建 npm" copies into the
// code package): the Chinese quick-start as README.md, English beside it, the changelog, the
// seed rules as a file to read and extend (mergeConfig), and the formats a developer needs.
copyFileSync(join(js, 'PACKAGE.md'), join(pkg, 'README.md'));
for (const f of ['README.en.md', 'CHANGELOG.md']) copyFileSync(join(js, f), join(pkg, f));
copyFileSync(join(root, 'presets', 'seed.json'), join(pkg, 'seed.json'));
mkdirSync(join(pkg, 'docs'), { recursive: true });
for (const f of PACKAGE_DOCS) copyFileSync(join(root, 'docs', f), join(pkg, 'docs', f));
// A page per mini-program component, with its picture.
cpSync(join(root, 'docs', 'components'), join(pkg, 'docs', 'components'), { recursive: true });
// The npm package's version is js/package.json's, bumped with js/CHANGELOG.md (a test holds
// them together); the Rust crates keep their own.
const version = JSON.parse(readFileSync(join(js, 'package.json'), 'utf8')).version;
const repository = /^repository = "(.+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
writeFileSync(join(pkg, 'package.json'), JSON.stringify({
  name: 'zailai',
  version,
  description: 'Retention engine for WeChat mini-programs: check-in, points, tiers, tasks (Rust core in WebAssembly)',
  license: 'MIT OR Apache-2.0',
  repository: { type: 'git', url: `git+${repository}.git` },
  homepage: `${repository}#readme`,
  bugs: { url: `${repository}/issues` },
  keywords: ['wechat', 'miniprogram', '小程序', 'check-in', '签到', 'points', '积分', 'membership', 'webassembly'],
  main: 'dist/node/index.js',
  module: 'dist/web/index.js',
  browser: 'dist/web/index.js',
  miniprogram: 'dist/miniprogram',
  // `types` is what TypeScript's classic `node` resolution reads, as mini-program projects on
  // TypeScript 5 use it: the mini-program entry's. node16 and bundler resolution read
  // `exports`: a mini-program project (TypeScript 7's default, bundler, for module CommonJS)
  // gets the mini-program types through `require`, no customConditions needed.
  types: 'types/miniprogram.d.ts',
  // `npx zailai-rules check | encode | show | diff` (docs/package.md, "Rules from JS").
  bin: { 'zailai-rules': 'dist/node/rules-cli.js' },
  exports: {
    '.': {
      miniprogram: { types: './types/miniprogram.d.ts', default: './dist/miniprogram/index.js' },
      node: { types: './types/node.d.ts', default: './dist/node/index.js' },
      browser: { types: './types/web.d.ts', default: './dist/web/index.js' },
      import: { types: './types/web.d.ts', default: './dist/web/index.js' },
      // `require` without `node` is TypeScript's bundler resolution of a CommonJS project: the
      // mini-program templates' settings (module CommonJS), which TypeScript 7 resolves this
      // way by default; Node itself (and node16/nodenext) matches `node` above first.
      require: { types: './types/miniprogram.d.ts', default: './dist/node/index.js' },
    },
    './seed.json': './seed.json',
    './package.json': './package.json',
  },
  files: ['dist', 'sourcemaps', 'types', 'docs', 'seed.json', 'README.md', 'README.en.md', 'CHANGELOG.md', 'LICENSE-MIT', 'LICENSE-APACHE'],
  sideEffects: false,
}, null, 2) + '\n');

// 5. Size report.
const sizes = (bytes) => ({ raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: brotliCompressSync(bytes).length });
const report = {
  'zailai.wasm': { ...sizes(wasmBytes), brotli: wasmBr.length },
  'dist/miniprogram/index.js': sizes(readFileSync(join(pkg, 'dist', 'miniprogram', 'index.js'))),
  'dist/node/index.js': sizes(readFileSync(join(pkg, 'dist', 'node', 'index.js'))),
  'dist/node/zailai-rules.wasm': sizes(readFileSync(join(pkg, 'dist', 'node', 'zailai-rules.wasm'))),
  'dist/node/rules-cli.js': sizes(readFileSync(join(pkg, 'dist', 'node', 'rules-cli.js'))),
  'dist/web/index.js': sizes(readFileSync(join(pkg, 'dist', 'web', 'index.js'))),
};
writeFileSync(join(work, 'sizes.json'), JSON.stringify(report, null, 2) + '\n');
console.log('\nsize report (bytes)            raw      gzip    brotli');
for (const [name, s] of Object.entries(report)) {
  console.log(`${name.padEnd(28)} ${String(s.raw).padStart(8)} ${String(s.gzip).padStart(9)} ${String(s.brotli).padStart(9)}`);
}
console.log(`\npkg/ built (${rawForMiniprogram ? 'mini-program ships zailai.wasm' : 'mini-program ships zailai.wasm.br'})`);
