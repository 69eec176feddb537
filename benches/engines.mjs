// Every client figure on both engines WeChat uses, side by side: JavaScriptCore without JIT
// (`jsc --useJIT=false`, how iOS runs mini-programs: wasm interpreted) and V8 (Node, as on
// Android). Prepares the fixture (the heavy year, its state and signed snapshots, a stored base
// with 20 pending ops, the plain-JS rules' ops), bundles benches/engines/client.js once and runs
// it in each engine over the mini-program dist as "构建 npm" lays it out. Writes
// target/bench/engines.json for benches/report.mjs.
// Run through `bash scripts/bench.sh`, or alone: node benches/engines.mjs
// Before/after (a change measured side by side in one run): build pkg/ before the change, copy
// it away, change, build again, then
//   node benches/engines.mjs --before /tmp/pkg-before [--after DIR] [--only REGEX] [--rounds 3]
// runs each engine on both packages in turn, `rounds` times, and prints the median of each
// figure's medians per side and their ratio (target/bench/engines-ab.json).
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
const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1];
};
const beforePkg = flag('--before', null);
const afterPkg = flag('--after', join(root, 'pkg'));
const only = flag('--only', '');
const rounds = Number(flag('--rounds', beforePkg ? 3 : 1));
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
  // The rules its first sync stored (the seed preset, as the server sent it).
  [`${prefix}rules`]: JSON.stringify({ versions: [{ number: 1, from: null, hash: '0'.repeat(64), rules: readFileSync(join(root, 'presets', 'seed.rules.b64'), 'utf8').trim() }] }),
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
/** The same storage in the layout of pending-log.js (issue 29): what a phone holds once this
 * build wrote it. The bundle uses it when the package reads it, else the whole-log layout. */
const inLogLayout = (entries) => ({ ...entries, [`${prefix}pending`]: 'zailai-log:1', [`${prefix}pending@1`]: entries[`${prefix}pending`] });
writeFileSync(fixture, JSON.stringify({ user: year.user, keys, now, stored, offline, storedLog: inLogLayout(stored), offlineLog: inLogLayout(offline), heavyState, heavySnapshot, newSnapshot, year, plainConfig: encodeRules(plainRulesConfig(seed)), plainOps, plainStart, lottery: lotteryRecord(1000) }));

// ---- the bundle, run in each engine --------------------------------------------------------------
/** The code package of a built pkg/ as "构建 npm" lays it out, and its modules decompressed. */
const side = (pkgDir, name) => {
  const codeRoot = codePackage(join(pkgDir, 'dist', 'miniprogram'));
  return [codeRoot, decompressModules(codeRoot, join(work, `decompressed-${name}`))];
};
const sides = beforePkg ? { before: side(beforePkg, 'before'), after: side(afterPkg, 'after') } : { after: side(afterPkg, 'after') };
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
const engines = {
  'JSC, no JIT': (args) => execFileSync('jsc', ['--useJIT=false', bundle, '--', ...args, 'jsc-nojit', only], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  'V8 (Node)': (args) => execFileSync(process.execPath, ['-e', nodeShim, ...args, 'v8', only], { encoding: 'utf8', maxBuffer: 1 << 24 }),
};
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
// runs[engine][side] = [figures of each round]; the sides alternate so drift hits both.
const runs = {};
const counts = {}; // counts[engine][side]: characters written (the same every round)
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(engines)) {
    for (const [sideName, [codeRoot, decompressed]] of Object.entries(sides)) {
      process.stderr.write(`engines: ${name}, ${sideName}, round ${round + 1}/${rounds}…\n`);
      const text = run([codeRoot, decompressed, fixture]).trim().split('\n').pop();
      const parsed = JSON.parse(text);
      if (parsed.error) throw new Error(`${name} (${sideName}): ${parsed.error}`);
      ((runs[name] ||= {})[sideName] ||= []).push(parsed.figures);
      ((counts[name] ||= {})[sideName] = parsed.counts || {});
    }
  }
}
/** One side's figures: each the median over the rounds of its medians, p10s and p90s. On a
 * shared machine the p10 is the steadier figure: other work only ever adds time. */
const combine = (list) => Object.fromEntries(Object.keys(list[0]).map((f) => [f, { ...list[0][f], median_us: median(list.map((r) => r[f].median_us)), p10_us: median(list.map((r) => r[f].p10_us)), p90_us: median(list.map((r) => r[f].p90_us)) }]));
const fmt = (us) => (us === undefined ? '–' : us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} µs`);
const names = Object.keys(engines);
const notes = [`heavy year: ${year.ops.length} ops, state ${Buffer.byteLength(heavyState)} B, snapshot ${heavySnapshot.length} B base64`, `plain-JS rules: ${plainOps.length} random ops`];
if (!beforePkg) {
  const results = { engines: Object.fromEntries(names.map((n) => [n, combine(runs[n].after)])), notes };
  console.log(`${'figure'.padEnd(64)} ${names.map((n) => n.padStart(14)).join(' ')}`);
  for (const figure of Object.keys(results.engines[names[0]])) {
    console.log(`${figure.padEnd(64)} ${names.map((n) => fmt(results.engines[n][figure]?.median_us).padStart(14)).join(' ')}`);
  }
  results.counts = counts[names[0]].after;
  for (const [what, n] of Object.entries(results.counts)) console.log(`${what}: ${n}`);
  writeFileSync(join(out, 'engines.json'), JSON.stringify(results, null, 1));
  console.log(`→ ${join(out, 'engines.json')}`);
} else {
  const results = { before: beforePkg, rounds, engines: {}, notes };
  for (const n of names) results.engines[n] = { before: combine(runs[n].before), after: combine(runs[n].after) };
  console.log(`${rounds} rounds; per side the median over the rounds of each round's median (p10); after/before`);
  console.log(`${'figure'.padEnd(64)} ${names.map((n) => `${n} before`.padStart(30) + 'after'.padStart(22) + 'ratio'.padStart(12)).join(' ')}`);
  for (const figure of Object.keys(results.engines[names[0]].after)) {
    const cols = names.map((n) => {
      const b = results.engines[n].before[figure];
      const a = results.engines[n].after[figure];
      const both = (x) => (x ? `${fmt(x.median_us)} (${fmt(x.p10_us)})` : '–');
      const ratio = b && a ? `${(a.median_us / b.median_us).toFixed(2)} (${(a.p10_us / b.p10_us).toFixed(2)})` : '–';
      return both(b).padStart(30) + both(a).padStart(22) + ratio.padStart(12);
    });
    console.log(`${figure.padEnd(64)} ${cols.join(' ')}`);
  }
  results.counts = counts[names[0]];
  for (const what of Object.keys(results.counts.after)) console.log(`${what}: before ${results.counts.before[what] ?? '–'}, after ${results.counts.after[what]}`);
  writeFileSync(join(out, 'engines-ab.json'), JSON.stringify(results, null, 1));
  console.log(`→ ${join(out, 'engines-ab.json')}`);
}
