// The built package: its layout, what the mini-program dist may not contain, MVP validity,
// exports, and the size budget.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { brotliDecompressSync } = require('node:zlib');
const { pkg, readExports } = require('./helpers.js');

const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
const mpDir = join(pkg, 'dist', 'miniprogram');

// Every feature past MVP that wabt 1.0.32 knows; each must be off for the shipped module.
const DISABLE = ['--disable-mutable-globals', '--disable-saturating-float-to-int', '--disable-sign-extension',
  '--disable-simd', '--disable-multi-value', '--disable-bulk-memory', '--disable-reference-types'];
const mvpValid = (file) => spawnSync('wasm-validate', [...DISABLE, file], { encoding: 'utf8' });

test('package.json has types and three ways in', () => {
  assert.equal(manifest.name, 'zailai');
  // Classic resolution (mini-program projects) reads `types`: the mini-program entry's.
  assert.equal(manifest.types, 'types/miniprogram.d.ts');
  const dot = manifest.exports['.'];
  assert.deepEqual(Object.keys(dot), ['miniprogram', 'node', 'browser', 'import', 'require']);
  for (const [condition, entry] of [['miniprogram', 'miniprogram'], ['node', 'node'], ['browser', 'web'], ['import', 'web'], ['require', 'node']]) {
    assert.deepEqual(dot[condition], { types: `./types/${entry}.d.ts`, default: `./dist/${entry}/index.js` }, condition);
  }
  assert.equal(manifest.miniprogram, 'dist/miniprogram');
  assert.equal(manifest.main, 'dist/node/index.js');
  assert.equal(manifest.module, 'dist/web/index.js');
  for (const f of [manifest.types, manifest.main, manifest.module, join(manifest.miniprogram, 'index.js')]) {
    assert.ok(existsSync(join(pkg, f)), `${f} missing`);
  }
});

test('the mini-program dist ships one wasm file, brotli', () => {
  const wasmFiles = readdirSync(mpDir).filter((f) => /\.wasm(\.br)?$/.test(f));
  assert.deepEqual(wasmFiles, ['zailai.wasm.br']);
  const raw = brotliDecompressSync(readFileSync(join(mpDir, 'zailai.wasm.br')));
  assert.deepEqual(raw, readFileSync(join(pkg, 'dist', 'node', 'zailai.wasm')));
});

test('the mini-program dist has no eval, Function, import.meta, fetch or WebAssembly reference', () => {
  const code = readFileSync(join(mpDir, 'index.js'), 'utf8');
  const forbidden = {
    eval: /\beval\s*\(/,
    'new Function': /\bnew\s+Function\b|\bFunction\s*\(/,
    'import.meta': /import\.meta/,
    fetch: /\bfetch\b/,
    'WebAssembly.': /(?<![\w$])WebAssembly\./,
    'bare require of node modules': /require\(["'](node:|fs|path)/,
  };
  for (const [name, re] of Object.entries(forbidden)) assert.doesNotMatch(code, re, `${name} found`);
  assert.match(code, /WXWebAssembly\.instantiate\(/);
});

test('the shipped wasm validates as WebAssembly MVP', () => {
  const result = mvpValid(join(pkg, 'dist', 'node', 'zailai.wasm'));
  assert.equal(result.status, 0, result.stderr);
});

test('the MVP check fails on a module using a post-MVP feature', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-mvp-'));
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00];
  // (func (param i32) (result i32) local.get 0 [i32.extend8_s]) with and without sign-ext.
  writeFileSync(join(dir, 'mvp.wasm'), Buffer.from([...header, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b]));
  writeFileSync(join(dir, 'signext.wasm'), Buffer.from([...header, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0xc0, 0x0b]));
  assert.equal(mvpValid(join(dir, 'mvp.wasm')).status, 0);
  assert.notEqual(mvpValid(join(dir, 'signext.wasm')).status, 0);
});

test('the shipped wasm exports no Global and the glue only what it needs', () => {
  const exports = readExports(readFileSync(join(pkg, 'dist', 'node', 'zailai.wasm')));
  assert.deepEqual(exports.filter((e) => e.kind === 'global'), []);
  assert.ok(exports.some((e) => e.name === 'memory' && e.kind === 'memory'));
  // Cross-check the hand-written reader against wabt's.
  const objdump = execFileSync('wasm-objdump', ['-x', '-j', 'Export', join(pkg, 'dist', 'node', 'zailai.wasm')], { encoding: 'utf8' });
  assert.equal(exports.length, Number(/Export\[(\d+)\]/.exec(objdump)[1]));
});

// Raw bytes are paid at every launch too: JavaScriptCore without JIT (iOS) compiles about
// 60 µs per raw KB before the first call. docs/package.md explains every KB.
test('size budget: the shipped .wasm at most 400 KB raw and 160 KB brotli', (t) => {
  const raw = readFileSync(join(pkg, 'dist', 'node', 'zailai.wasm')).length;
  const br = readFileSync(join(mpDir, 'zailai.wasm.br')).length;
  t.diagnostic(`zailai.wasm ${raw} bytes, zailai.wasm.br ${br} bytes`);
  assert.ok(raw <= 400_000, `zailai.wasm is ${raw} bytes, over 400 KB`);
  assert.ok(br <= 160_000, `zailai.wasm.br is ${br} bytes, over 160 KB`);
});
