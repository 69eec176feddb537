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
  for (const [condition, entry] of [['miniprogram', 'miniprogram'], ['node', 'node'], ['browser', 'web'], ['import', 'web']]) {
    assert.deepEqual(dot[condition], { types: `./types/${entry}.d.ts`, default: `./dist/${entry}/index.js` }, condition);
  }
  // `require` without `node`: TypeScript's bundler resolution of a CommonJS project, as the
  // mini-program templates are (TypeScript 7's default): the mini-program types
  // (js/test/types.test.js compiles such a project with TypeScript 5 and 7).
  assert.deepEqual(dot.require, { types: './types/miniprogram.d.ts', default: './dist/node/index.js' });
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

test('the docs at the package root: a Chinese quick-start first, English beside it, a changelog, the format docs', () => {
  const zh = readFileSync(join(pkg, 'README.md'), 'utf8');
  assert.match(zh.split('\n')[0], /^# zailai（再来）/);
  // What the quick-start must teach, in its order: install, one client, why open/session, components, errors, locale.
  const sections = ['## 1. 安装', '## 2. 整个小程序只用一个客户端', "track('open')", 'session(', '## 3. 页面里用组件', '## 4. 错误', '## 5. 语言'];
  let at = -1;
  for (const s of sections) {
    const i = zh.indexOf(s, at + 1);
    assert.ok(i > at, `${s} missing or out of order`);
    at = i;
  }
  for (const name of ['checkin-calendar', 'progress-bar', 'task-list', 'points-card', 'collect-cards', 'lottery']) assert.ok(zh.includes(`zailai/${name}/index`), name);
  assert.match(readFileSync(join(pkg, 'README.en.md'), 'utf8'), /## 2\. One client per app/);
  assert.match(readFileSync(join(pkg, 'CHANGELOG.md'), 'utf8'), /## \d+\.\d+\.\d+\n[\s\S]*camelCase/);
  // Both READMEs link the demo and the components' pages, which ship in docs/components/.
  for (const readme of [zh, readFileSync(join(pkg, 'README.en.md'), 'utf8')]) {
    assert.match(readme, /\]\(https:\/\/github\.com\/[^)]+\/miniprogram-demo\)/);
    assert.match(readme, /docs\/components\//);
  }
  for (const name of ['README', 'checkin-calendar', 'task-list', 'points-card', 'progress-bar', 'collect-cards', 'lottery']) {
    assert.ok(existsSync(join(pkg, 'docs', 'components', `${name}.md`)), name);
  }
  assert.ok(existsSync(join(pkg, 'docs', 'components', 'img', 'checkin-calendar.png')));
  for (const f of ['config.md', 'ops.md', 'render.md', 'sync.md', 'lottery.md']) assert.ok(existsSync(join(pkg, 'docs', f)), f);
  assert.ok(!existsSync(join(mpDir, 'README.md')) && !existsSync(join(mpDir, 'docs')), 'no docs in the mini-program dist');
  for (const key of ['repository', 'homepage', 'bugs']) assert.ok(manifest[key], key);
  assert.match(manifest.repository.url, /^git\+https:\/\/.+\.git$/);
  assert.match(manifest.bugs.url, /\/issues$/);
  for (const f of ['docs', 'seed.json', 'README.en.md', 'CHANGELOG.md']) assert.ok(manifest.files.includes(f), f);
});

test('seed.json ships with the package, and mergeConfig extends it into a rule file the CLI accepts', () => {
  const { root, cli } = require('./helpers.js');
  const dir = mkdtempSync(join(tmpdir(), 'zailai-merge-'));
  const { mkdirSync, symlinkSync } = require('node:fs');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'zailai'));
  // Resolved by name, through the package's exports, as an app's build would.
  const load = new Function('require', "return [require('zailai/seed.json'), require('zailai').mergeConfig];");
  const [seed, mergeConfig] = load(require('node:module').createRequire(join(dir, 'app.js')));
  assert.deepEqual(seed, JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8')));
  const before = JSON.stringify(seed);
  const rules = mergeConfig(seed, { points: { daily_cap: 200 }, checkin: { makeup: { cost_points: 20 }, streak_bonuses: [{ day: 7, reward: { points: 30 } }] }, campaigns: null });
  assert.equal(JSON.stringify(seed), before, 'the seed is not changed');
  assert.equal(rules.points.daily_cap, 200);
  assert.equal(rules.points.monthly_cap, seed.points.monthly_cap, 'siblings kept');
  assert.equal(rules.checkin.makeup.cost_points, 20);
  assert.equal(rules.checkin.makeup.monthly_limit, seed.checkin.makeup.monthly_limit);
  assert.deepEqual(rules.checkin.streak_bonuses, [{ day: 7, reward: { points: 30 } }], 'arrays replace');
  assert.equal('campaigns' in rules, false, 'null deletes');
  delete rules.cards; // they follow a campaign
  delete rules.lotteries;
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
  const checked = spawnSync(cli, ['check', '--config', join(dir, 'rules.json')], { encoding: 'utf8' });
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  // And a bad patch is caught by the CLI, every problem at once.
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(mergeConfig(rules, { points: { daily_cap: 'many', monthly_cap: -1 } })));
  const bad = spawnSync(cli, ['check', '--config', join(dir, 'bad.json')], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr + bad.stdout, /points\.daily_cap[\s\S]*points\.monthly_cap|points\.monthly_cap[\s\S]*points\.daily_cap/);
});

test('the mini-program index.js is minified; its source map lies outside the dist the code package gets', () => {
  const code = readFileSync(join(mpDir, 'index.js'), 'utf8');
  assert.ok(code.length < 70_000, `${code.length} bytes`);
  assert.ok(code.split('\n').length < 40, 'minified: a few long lines');
  assert.doesNotMatch(code, /sourceMappingURL/, 'the module names no map (it would not be in the code package)');
  const dist = readdirSync(mpDir, { recursive: true });
  assert.deepEqual(dist.filter((f) => f.endsWith('.map')), [], '"构建 npm" copies every file of the dist into the code package');
  const map = JSON.parse(readFileSync(join(pkg, 'sourcemaps', 'miniprogram', 'index.js.map'), 'utf8'));
  assert.equal(map.version, 3);
  assert.ok(map.mappings.length > 1000);
  const client = map.sources.findIndex((f) => f.endsWith('js/src/client.js'));
  assert.ok(client >= 0, map.sources.join());
  assert.match(map.sourcesContent[client], /class Client/, 'the sources travel with the map');
  assert.ok(manifest.files.includes('sourcemaps'), 'published beside the dist, for an error reporter');
  // And it maps: where the module calls WXWebAssembly.instantiate is that call's line in
  // js/src/miniprogram.js.
  const at = code.indexOf('WXWebAssembly.instantiate(');
  const line = code.slice(0, at).split('\n').length - 1;
  const column = at - (code.lastIndexOf('\n', at) + 1);
  const hit = originalPosition(map, line, column);
  assert.ok(map.sources[hit.source].endsWith('js/src/miniprogram.js'), map.sources[hit.source]);
  assert.match(map.sourcesContent[hit.source].split('\n')[hit.line], /WXWebAssembly\.instantiate\(/);
});

/** The original {source, line} (0-based) of a generated position, from a v3 map's mappings. */
function originalPosition(map, line, column) {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const state = [0, 0, 0]; // source, original line, original column: relative across segments
  let found = null;
  map.mappings.split(';').forEach((group, l) => {
    let generated = 0;
    for (const segment of group ? group.split(',') : []) {
      const values = [];
      let value = 0;
      let shift = 0;
      for (const ch of segment) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      generated += values[0];
      if (values.length >= 4) for (let i = 0; i < 3; i++) state[i] += values[i + 1];
      if (l === line && generated <= column && values.length >= 4) found = { source: state[0], line: state[1], column: state[2] };
    }
  });
  assert.ok(found, `no mapping at ${line}:${column}`);
  return found;
}

test('the version is js/package.json\'s, and the changelog\'s newest section is that version', () => {
  const version = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;
  assert.equal(manifest.version, version);
  const changelog = readFileSync(join(pkg, 'CHANGELOG.md'), 'utf8');
  const sections = [...changelog.matchAll(/^## (\S+)/gm)].map((m) => m[1]);
  assert.equal(sections[0], version, 'the breaking changes are under the version that brings them');
  assert.ok(!sections.includes('Unreleased'), sections.join());
  const [major, minor] = version.split('.').map(Number);
  const [prevMajor, prevMinor] = sections[1].split('.').map(Number);
  assert.ok(major > prevMajor || (major === 0 && minor > prevMinor), `${version} after ${sections[1]}: breaking changes need a new minor before 1.0`);
});
