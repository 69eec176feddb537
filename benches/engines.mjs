// Every client figure on both engines WeChat uses, side by side: JavaScriptCore without JIT
// (`jsc --useJIT=false`, how iOS runs mini-programs: wasm interpreted) and V8 (Node, as on
// Android). Prepares the fixture (the heavy year, its state and signed snapshots, a stored base
// with 20 pending ops, the plain-JS rules' ops), bundles benches/engines/client.js once and runs
// it in each engine over the mini-program dist as "构建 npm" lays it out. Writes
// target/bench/engines.json for benches/report.mjs.
// Run through `bash scripts/bench.sh`, or alone: node benches/engines.mjs
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heavyYear } from './heavy-year.mjs';
import { benchSigner, encodeRules } from './snapshot.mjs';
import { plainRulesConfig, randomOps } from './plain-rules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'js', 'package.json'));
const esbuild = require('esbuild');
const zailai = require(join(root, 'pkg'));
const { codePackage, decompressModules } = require(join(root, 'js', 'test', 'miniprogram-runtime.js'));
const DAY = 86_400_000;
const out = join(root, 'target', 'bench');
mkdirSync(out, { recursive: true });

// ---- the fixture ---------------------------------------------------------------------------------
const { Rules, Member } = zailai.loadSync();
const rules = Rules.seed();
const year = heavyYear();
const heavy = Member.join(rules, year.user, year.joined_at);
for (const op of year.ops) {
  try {
    heavy.apply(rules, op);
  } catch (_) {
    // a few make-ups are refused: part of a real year
  }
}
const endAt = year.ops[year.ops.length - 1].at;
const heavyState = heavy.stateJSON();
const signer = benchSigner();
const keys = signer.keys;
/** The snapshot the server would send for this state. */
const snapshot = (stateJSON, user, acked) => signer.sign({ user, server_version: 1, issued_at: endAt, config_hash: '0'.repeat(64), acked, state: JSON.parse(stateJSON) }).base64;
const heavySnapshot = snapshot(heavyState, year.user, { bench: year.ops.filter((o) => o.device === 'bench').length });
const newcomer = Member.join(rules, 'newcomer', endAt);
const newSnapshot = snapshot(newcomer.stateJSON(), 'newcomer', {});

/** The pending log as a phone stores it (docs/binary.md), made by the package itself. */
function storedPending(ops, device) {
  const json = ['zailai-ops/1', ...ops.map((op) => JSON.stringify(op))].join('\n');
  const m = Member.open(rules, year.user, device, '', year.joined_at, ops.length, undefined, json);
  const text = m.pendingText();
  m.free();
  if (!text.startsWith('zailai-ops/2\n')) throw new Error('the package wrote another pending format');
  return text;
}

// What the heavy member's phone holds: the signed base and 20 ops made since, not yet synced.
const now = endAt + DAY + 3_600_000;
const pending = Array.from({ length: 20 }, (_, i) => ({ device: 'phone', seq: i + 1, at: endAt + DAY + i * 60_000, op: { type: 'track', action: 'core_action' } }));
const prefix = `zailai:${encodeURIComponent(year.user)}:`;
const stored = {
  [`${prefix}meta`]: JSON.stringify({ v: 1, device: 'phone', seq: 20, joinedAt: year.joined_at, user: year.user, clockOffset: 0 }),
  [`${prefix}pending`]: storedPending(pending, 'phone'),
  [`${prefix}snapshot`]: heavySnapshot,
};

// An offline-only member (never synced): a year of pending ops and no snapshot (the phone's
// own: orders reach a phone only in a snapshot).
const phoneOps = year.ops.filter((op) => op.device === 'bench');
const offline = {
  [`${prefix}meta`]: JSON.stringify({ v: 1, device: 'bench', seq: phoneOps.length, joinedAt: year.joined_at, user: year.user, clockOffset: 0 }),
  [`${prefix}pending`]: storedPending(phoneOps, 'bench'),
};

let a = 11;
const rnd = () => ((a = (a * 1103515245 + 12345) % 2147483648), a / 2147483648);
const seed = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
const plainStart = Date.UTC(2026, 0, 5, 1, 0);
const plainOps = randomOps(rnd, plainStart, 400);

/**
 * A revealed lottery record of `n` draws by 50 members, decided as the server decides them
 * (docs/lottery.md) but computed here with node:crypto, apart from the module it checks: the
 * salted member tags, the slots, the prizes in order with their stock.
 */
function lotteryRecord(n) {
  const l = seed.lotteries[0];
  const hash = (parts) => parts.reduce((h, p) => h.update(p).update(Buffer.from([0])), createHash('sha512')).digest();
  const secret = Buffer.alloc(32, 7);
  const won = l.prizes.map(() => 0);
  const draws = [];
  for (let i = 0; i < n; i++) {
    const member = hash([Buffer.from('zailai-member/v2'), secret, Buffer.from(`u${i % 50}`)]).subarray(0, 8).toString('hex');
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(i + 1);
    const slot = Number(hash([Buffer.from('zailai-lottery/v1'), secret, Buffer.from(l.id), Buffer.from(member), Buffer.from('phone'), seq]).readBigUInt64LE(0) % BigInt(l.total_weight));
    let end = 0;
    let prize = null;
    for (const [k, z] of l.prizes.entries()) {
      end += z.weight; // lottery weight 1
      if (slot < end) {
        if (won[k] < z.stock) (won[k]++, (prize = z.id));
        break;
      }
    }
    draws.push({ member, device: 'phone', seq: i + 1, weight: 1, prize });
  }
  const commitment = hash([Buffer.from('zailai-lottery-seed/v1'), secret]).toString('hex');
  return JSON.stringify({ lottery: l.id, commitment, seed: secret.toString('hex'), reveal_at: 0, after: 0, next: null, draws });
}

const work = mkdtempSync(join(tmpdir(), 'zailai-engines-'));
const fixture = join(work, 'fixture.json');
writeFileSync(fixture, JSON.stringify({ user: year.user, keys, now, stored, offline, heavyState, heavySnapshot, newSnapshot, year, plainConfig: encodeRules(plainRulesConfig(seed)), plainOps, plainStart, lottery: lotteryRecord(1000) }));

// ---- the bundle, run in each engine --------------------------------------------------------------
const codeRoot = codePackage(join(root, 'pkg', 'dist', 'miniprogram'));
const decompressed = decompressModules(codeRoot, join(work, 'decompressed'));
const bundle = join(work, 'client.js');
await esbuild.build({ entryPoints: [join(root, 'benches', 'engines', 'client.js')], outfile: bundle, bundle: true, nodePaths: [join(root, 'js', 'node_modules')], format: 'iife', platform: 'neutral', mainFields: ['module', 'main'], target: 'es2020', logLevel: 'warning' });

// The jsc shell's host functions, for Node.
const nodeShim = `
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
globalThis.print = (s) => process.stdout.write(s + '\\n');
globalThis.readFile = (p, how) => { const b = readFileSync(p); return how === 'binary' ? b.buffer.slice(b.byteOffset, b.byteOffset + b.length) : b.toString('utf8'); };
globalThis.preciseTime = () => performance.now() / 1000;
globalThis.arguments = process.argv.slice(1);
require(${JSON.stringify(bundle)});`;
const args = [codeRoot, decompressed, fixture];
const engines = {
  'JSC, no JIT': () => execFileSync('jsc', ['--useJIT=false', bundle, '--', ...args, 'jsc-nojit'], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  'V8 (Node)': () => execFileSync(process.execPath, ['-e', nodeShim, ...args, 'v8'], { encoding: 'utf8', maxBuffer: 1 << 24 }),
};
const results = { engines: {}, notes: [`heavy year: ${year.ops.length} ops, state ${Buffer.byteLength(heavyState)} B, snapshot ${heavySnapshot.length} B base64`, `plain-JS rules: ${plainOps.length} random ops`] };
for (const [name, run] of Object.entries(engines)) {
  process.stderr.write(`engines: ${name}…\n`);
  const text = run().trim().split('\n').pop();
  const parsed = JSON.parse(text);
  if (parsed.error) throw new Error(`${name}: ${parsed.error}`);
  results.engines[name] = parsed.figures;
}
const names = Object.keys(results.engines);
const fmt = (us) => (us === undefined ? '–' : us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} µs`);
console.log(`${'figure'.padEnd(64)} ${names.map((n) => n.padStart(14)).join(' ')}`);
for (const figure of Object.keys(results.engines[names[0]])) {
  console.log(`${figure.padEnd(64)} ${names.map((n) => fmt(results.engines[n][figure]?.median_us).padStart(14)).join(' ')}`);
}
writeFileSync(join(out, 'engines.json'), JSON.stringify(results, null, 1));
console.log(`→ ${join(out, 'engines.json')}`);
