// The package's TypeScript types, checked so they cannot drift from the code:
// - usage files compile under --strict: a Node one, and a mini-program one with
//   miniprogram-api-typings, no DOM lib and no skipLibCheck;
// - each entry's types export exactly the values the entry exports at run time;
// - the error code unions hold every code the core, the bindings, the JS layer and the server
//   can raise, and nothing else;
// - real views and events, as the wasm module serializes them, typecheck as object literals
//   against their interfaces (an extra, missing or renamed field fails), and the Event union
//   names every event of the core.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { encodeRules, pkg, root } = require('./helpers.js');
const { codePackage, startRuntime } = require('./miniprogram-runtime.js');

// TypeScript 5 by its package: node_modules/.bin/tsc may be either version's (typescript7 has
// a `tsc` too).
const tsc = join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const types = join(pkg, 'types');
const core = readFileSync(join(types, 'core.d.ts'), 'utf8');

function compile(project) {
  const result = spawnSync(tsc, ['-p', project], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
}

/** Compiles `source` (a .ts file importing from 'zailai') against the Node entry's types. */
function compileSource(source) {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-types-'));
  writeFileSync(join(dir, 'check.ts'), source);
  const compilerOptions = { strict: true, noEmit: true, target: 'es2020', module: 'commonjs', moduleResolution: 'node', lib: ['es2020'], types: [], paths: { zailai: [join(types, 'node.d.ts')] } };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['check.ts'] }));
  compile(dir);
}

test('a Node usage typechecks under --strict with no DOM lib, no any leaking', () => {
  compile(join(__dirname, 'types', 'tsconfig.json'));
});

test('a mini-program page typechecks with miniprogram-api-typings, --strict, no DOM, no skipLibCheck', () => {
  const config = JSON.parse(readFileSync(join(__dirname, 'types', 'miniprogram', 'tsconfig.json'), 'utf8'));
  assert.equal(config.compilerOptions.skipLibCheck, false);
  assert.deepEqual(config.compilerOptions.lib, ['es2020']);
  compile(join(__dirname, 'types', 'miniprogram'));
});

// TypeScript 5 (what the templates pinned) and 7 (what `npm i typescript` installs now), each
// resolving `zailai` from node_modules as npm lays it out.
const COMPILERS = { 5: tsc, 7: join(__dirname, '..', 'node_modules', 'typescript7', 'bin', 'tsc') };

/** A project folder with `files` and node_modules/zailai (the built package) and the
 * mini-program typings; compiled with TypeScript `version`: its output, '' when clean. */
function project(version, files) {
  const dir = mkdtempSync(join(tmpdir(), `zailai-ts${version}-`));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'zailai'));
  symlinkSync(join(__dirname, '..', 'node_modules', 'miniprogram-api-typings'), join(dir, 'node_modules', 'miniprogram-api-typings'));
  const result = spawnSync(COMPILERS[version], ['-p', dir], { encoding: 'utf8' });
  return { status: result.status, out: result.stdout + result.stderr };
}

const template = (name) => readFileSync(join(__dirname, 'types', 'template', name), 'utf8');

for (const version of [5, 7]) {
  test(`TypeScript ${version}: a project of WeChat's TS template finds the mini-program entry, component details and a typed wx`, () => {
    const version_ = spawnSync(COMPILERS[version], ['--version'], { encoding: 'utf8' }).stdout;
    assert.match(version_, new RegExp(`Version ${version}\\.`));
    const { status, out } = project(version, { 'tsconfig.json': template('tsconfig.json'), 'app.ts': template('app.ts') });
    assert.equal(status, 0, out);
    // And the check can fail: a use of the Node entry is refused here.
    const bad = project(version, { 'tsconfig.json': template('tsconfig.json'), 'app.ts': "import { loadSync } from 'zailai';\nvoid loadSync;\n" });
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /loadSync/);
  });

  test(`TypeScript ${version}: Node (nodenext) gets the Node entry, a bundler's ESM import the browser one`, () => {
    const node = { compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [] }, files: ['main.cts'] };
    const nodeUse = "import { loadSync, checkRules, createClient } from 'zailai';\nvoid [loadSync, checkRules, createClient];\n";
    let r = project(version, { 'tsconfig.json': JSON.stringify(node), 'main.cts': nodeUse });
    assert.equal(r.status, 0, r.out);
    r = project(version, { 'tsconfig.json': JSON.stringify(node), 'main.cts': "import { startApp } from 'zailai';\nvoid startApp;\n" });
    assert.notEqual(r.status, 0, 'startApp is the mini-program entry\'s only');
    const web = { compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2022'], types: [] }, files: ['main.ts'] };
    r = project(version, { 'tsconfig.json': JSON.stringify(web), 'main.ts': "import { localStorageAdapter, fetchTransport } from 'zailai';\nvoid [localStorageAdapter, fetchTransport];\n" });
    assert.equal(r.status, 0, r.out);
  });
}

test('without miniprogram-api-typings, `wx` parameters take any object', () => {
  const config = { compilerOptions: { strict: true, noEmit: true, module: 'commonjs', target: 'es2020', lib: ['es2020'], types: [] }, files: ['app.ts'] };
  const use = "import { wxLoginCredentials } from 'zailai';\ndeclare const myWx: { login(o: object): void };\nvoid wxLoginCredentials(myWx);\n";
  const r = project(5, { 'tsconfig.json': JSON.stringify(config), 'app.ts': use });
  assert.equal(r.status, 0, r.out);
});

/** The values an entry's .d.ts re-exports from core.d.ts. */
function declaredValues(entry) {
  const text = readFileSync(join(types, `${entry}.d.ts`), 'utf8');
  const block = /export \{([^}]*)\} from '\.\/core';/.exec(text);
  assert.ok(block, `${entry}.d.ts has no value export list`);
  return block[1].split(',').map((s) => s.trim()).filter(Boolean).sort();
}

test("each entry's types export exactly the values the entry exports", async () => {
  const node = Object.keys(require(join(pkg, 'dist', 'node', 'index.js'))).filter((k) => k !== '__esModule');
  const web = Object.keys(await import(join(pkg, 'dist', 'web', 'index.js')));
  const mp = Object.keys(startRuntime(codePackage(join(pkg, 'dist', 'miniprogram'))).require('zailai')).filter((k) => k !== '__esModule');
  assert.deepEqual(declaredValues('node'), node.sort());
  assert.deepEqual(declaredValues('web'), web.sort());
  assert.deepEqual(declaredValues('miniprogram'), mp.sort());
  // And each is declared as a value in core.d.ts.
  for (const name of new Set([...node, ...web, ...mp])) {
    assert.match(core, new RegExp(`export declare (function|class|const) ${name}\\b`), `${name} is not declared`);
  }
});

/** The string literals of a union type alias in core.d.ts. */
function union(name) {
  const m = new RegExp(`export type ${name} =([^;]*);`).exec(core);
  assert.ok(m, `no union ${name}`);
  return new Set([...m[1].matchAll(/'([A-Z0-9_]+)'/g)].map((x) => x[1]));
}

const read = (dir, filter = /\.(rs|js)$/) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => filter.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
const all = (text, re) => new Set([...text.matchAll(re)].map((m) => m[1]));

test('the error code unions hold every code that can be raised, and only those', () => {
  const rule = all(readFileSync(join(root, 'src', 'error.rs'), 'utf8'), /=> "([A-Z0-9_]+)"/g);
  const client = new Set([
    ...all(read(join(root, 'src', 'config')), /code: "([A-Z0-9_]+)"/g),
    ...all(read(join(root, 'wasm', 'src')), /error\(\s*"([A-Z0-9_]+)"/g),
    ...all(read(join(root, 'js', 'src')), /zailaiError\('([A-Z0-9_]+)'/g),
  ]);
  // Error codes the wasm bindings raise by name (bad_argument) and the JS layer passes through
  // from the core are in `rule`; the JS layer's own also name core codes (OP_INVALID, …).
  for (const code of rule) client.delete(code);
  // Every upper-case string literal of the HTTP layer is a code, but for environment
  // variable names and one header value.
  // (Test modules' literals, such as HTTP methods, are no codes.)
  const server = all(read(join(root, 'server', 'src', 'serve'), /(?<!_tests)\.rs$/), /"([A-Z][A-Z0-9_]{3,})"/g);
  for (const code of [...server]) if (code.startsWith('ZAILAI_') || code === 'OUT_DIR' || code === 'DENY' || rule.has(code)) server.delete(code);
  server.delete('INTERNAL'); // the wasm module's too: in ClientErrorCode
  server.delete('CONFIG_INVALID'); // a rule file's problems, the package's own: the console's validate answers it too
  for (const code of server) client.delete(code); // UNAUTHORIZED: wx.login's failure as the server's
  assert.ok(rule.size > 40 && client.size > 10 && server.size > 8, 'the sources were read');
  assert.deepEqual([...union('RuleErrorCode')].sort(), [...rule].sort());
  assert.deepEqual([...union('ClientErrorCode')].sort(), [...client].sort());
  assert.deepEqual([...union('ServerErrorCode')].sort(), [...server].sort());
});

test('the Event union names every event of the core', () => {
  const rust = readFileSync(join(root, 'src', 'event.rs'), 'utf8');
  const body = rust.slice(rust.indexOf('pub enum Event {'), rust.indexOf('\n}\n', rust.indexOf('pub enum Event {')));
  const variants = [...body.matchAll(/^ {4}([A-Z]\w+)/gm)].map((m) => m[1].replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase()));
  const declared = core.slice(core.indexOf('export type Event ='), core.indexOf(';\n\n', core.indexOf('export type Event =')));
  const named = [...declared.matchAll(/type: '([a-z_]+)'/g)].map((m) => m[1]);
  assert.ok(variants.length > 30);
  assert.deepEqual(named.sort(), variants.sort());
});

const DAY = 86_400_000;

/** A member with a few days of everything the seed rules offer, the campaign running. */
async function busyMember() {
  const zailai = require(pkg);
  const config = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  const today = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  config.campaigns[0].start = today(Date.now() - 2 * DAY);
  config.checkin.makeup.window = { kind: 'last_days', days: 7 }; // whatever today's date
  config.tasks.find((t) => t.id === 'daily_query').reward.accelerators = 1;
  let now = Date.now() - 4 * DAY;
  const c = await zailai.createClient({ storage: zailai.memoryStorage(), user: 'drift', config: encodeRules(config), now: () => now });
  const events = [];
  const act = (f) => events.push(...f());
  for (let day = 0; day < 5; day++, now += DAY) {
    if (day !== 1) act(() => c.checkIn());
    act(() => c.track('open'));
    act(() => c.track('query'));
    act(() => c.track('share'));
    act(() => c.session(12));
  }
  now -= DAY;
  act(() => c.makeUp(today(now - 3 * DAY)));
  act(() => c.redeem('streak_freeze'));
  act(() => c.draw(config.lotteries[0].id));
  now += 2 * DAY; // a day missed: the freeze bought above keeps the streak
  act(() => c.checkIn());
  events.push(...await serverWritten(zailai, config, now - 2 * DAY));
  return { c, events };
}

/** Events of what only the server and the merchant write, through the low-level binding:
 * orders, holds, refunds, memberships, grants, a settled draw, and a member away for months. */
async function serverWritten(zailai, config, now) {
  const { Rules, Member } = await zailai.load();
  const oneKind = JSON.parse(JSON.stringify(config)); // a set of one kind: a card completes it
  oneKind.cards[0].kinds = oneKind.cards[0].kinds.slice(0, 1);
  const rules = new Rules(encodeRules(oneKind));
  const m = Member.join(rules, 'server-side', now - DAY);
  let seq = 0;
  const events = [];
  const apply = (device, at, op) => events.push(...m.apply(rules, { device, seq: ++seq, at, op }));
  apply('phone', now - DAY, { type: 'check_in' });
  apply('~ops', now - DAY + 1, { type: 'grant', points: 500, reason: 'welcome' });
  apply('phone', now - DAY + 2, { type: 'draw', lottery: config.lotteries[0].id });
  apply('~server', now - DAY + 3, { type: 'settle_draw', lottery: config.lotteries[0].id, draw_device: 'phone', draw_seq: 3, prize: config.lotteries[0].prizes[0].id });
  apply('~merchant', now - DAY + 4, { type: 'hold_points', order: 'A-1', points: 100, until: now });
  apply('~merchant', now - DAY + 5, { type: 'order', order: 'A-1', amount_cents: 20_000, points: 100 });
  apply('~merchant', now - DAY + 6, { type: 'refund_order', order: 'A-1', amount_cents: 5_000, points: 50 });
  apply('~merchant', now - DAY + 7, { type: 'cancel_order', order: 'A-1' });
  apply('~merchant', now - DAY + 8, { type: 'hold_points', order: 'A-2', points: 10, until: now });
  apply('~merchant', now - DAY + 9, { type: 'release_hold', order: 'A-2' });
  apply('~merchant', now - DAY + 10, { type: 'buy_membership', plan: 'monthly' });
  apply('phone', now - DAY + 11, { type: 'use_service' });
  // The merchant takes back the month from its 6th day on; it ends then as a shorter term.
  const sixthDay = new Date(now - DAY + 8 * 3600_000 + 5 * DAY).toISOString().slice(0, 10);
  apply('~merchant', now - DAY + 11, { type: 'revoke_membership', plan: 'monthly', from: sixthDay });
  apply('phone', now - DAY + 12, { type: 'track', action: 'share' });
  apply('phone', now - DAY + 13, { type: 'exchange_cards', set: oneKind.cards[0].id });
  // Months away: the membership ends, points expire, the member comes back.
  apply('phone', now + 400 * DAY, { type: 'track', action: 'open' });
  m.free();
  return events;
}

test('real views and events typecheck against their interfaces (camelCase, no field missing or extra)', async (t) => {
  const { c, events } = await busyMember();
  const byType = new Map(events.map((e) => [e.type, e]));
  // Most of the core's events, each checked as it serializes (the rest by name, above).
  assert.ok(byType.size >= 31, `${byType.size}: ${[...byType.keys()].join()}`);
  t.diagnostic(`${byType.size} event types checked as serialized: ${[...byType.keys()].sort().join(', ')}`);
  const views = {
    CalendarView: c.calendar(),
    'CalendarCell[]': c.calendarCells(),
    ProgressValues: c.progress(),
    TierProgress: c.tierProgress(),
    'TaskView[]': c.tasks(),
    'CampaignView[]': c.campaigns(),
    'CatalogEntry[]': c.catalog(),
    PointsSummary: c.pointsSummary(),
    'Prompt[]': c.prompts(),
    Summary: c.summary(),
    CheckoutQuote: c.checkoutQuote(20000),
    'Event[]': [...byType.values()],
  };
  assert.ok(views['CampaignView[]'][0].cards && views['CampaignView[]'][0].lotteries, 'the campaign runs');
  const lines = Object.entries(views).map(([type, value], i) => `const v${i}: Z.${type.replace('[]', '')}${type.endsWith('[]') ? '[]' : ''} = ${JSON.stringify(value)};`);
  compileSource(`import type * as Z from 'zailai';\n${lines.join('\n')}\nvoid [${lines.map((_, i) => `v${i}`).join(', ')}];\n`);
  // The check can fail: a snake_case field is refused.
  assert.throws(() => compileSource(`import type * as Z from 'zailai';\nconst s: Z.PointsSummary = ${JSON.stringify({ ...views.PointsSummary, daily_cap: 1 })};\nvoid s;\n`));
});
