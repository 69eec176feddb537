// The client side of the benchmarks (issue 7), in Node on the built package, every figure the
// median of many runs with its p10–p90 spread, peers measured in the same process:
// cold start, single ops, views, the heavy year's replay, snapshot verification against
// @noble/ed25519 and tweetnacl, plain-JS rules against the engine, the JS boundary, sizes and
// memory. Writes target/bench/client.json (and the fixtures benches/core.rs replays natively).
// Run through `bash scripts/bench.sh`, or alone: node benches/client.mjs [runs].
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heavyYear } from './heavy-year.mjs';
import { benchSigner, encodeRules } from './snapshot.mjs';
import { PlainMember, checkAgainstEngine, plainRulesConfig, randomOps } from './plain-rules.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'js', 'package.json'));
const zailai = require(join(root, 'pkg'));
const ed = require('@noble/ed25519');
const { sha512 } = require('@noble/hashes/sha512');
const nacl = require('tweetnacl');
ed.etc.sha512Sync = (...m) => sha512(ed.etc.concatBytes(...m));

const RUNS = Number(process.argv[2] || 300);
const out = join(root, 'target', 'bench');
mkdirSync(out, { recursive: true });
const results = { runs: RUNS, figures: {}, sizes: {}, notes: [] };
const b = zailai.loadSync();
const { Rules, Member, Snapshot } = b;
const DAY = 86_400_000;

/** Median and p10/p90 of `fn`'s time in µs over `runs` calls (after a warm-up). */
function measure(name, fn, { runs = RUNS, warm = 20, setup } = {}) {
  for (let i = 0; i < warm; i++) fn(setup ? setup(i) : undefined);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const arg = setup ? setup(i + warm) : undefined;
    const t = performance.now();
    fn(arg);
    times.push((performance.now() - t) * 1000);
  }
  times.sort((x, y) => x - y);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  results.figures[name] = { median_us: q(0.5), p10_us: q(0.1), p90_us: q(0.9), runs };
  console.log(`${name.padEnd(44)} ${q(0.5).toFixed(1).padStart(10)} µs  (${q(0.1).toFixed(1)} – ${q(0.9).toFixed(1)})`);
}

// ---- the heavy year ---------------------------------------------------------------------------
const year = heavyYear();
writeFileSync(join(out, 'heavy-year.json'), JSON.stringify(year));
const rules = Rules.seed();
const opTexts = year.ops.map((op) => JSON.stringify(op));
function replay() {
  const m = Member.join(rules, year.user, year.joined_at);
  for (const text of opTexts) {
    try {
      m.applyJSON(rules, text);
    } catch (_) {
      // a few make-ups are refused (already frozen, limit): part of a real year
    }
  }
  return m;
}
const heavy = replay();
const memoryAfterYear = b.wasmMemoryBytes();
const endAt = year.ops[year.ops.length - 1].at;
results.notes.push(`heavy year: ${year.ops.length} ops from 2026-01-05, seed 1 (benches/heavy-year.mjs)`);

// ---- cold start, in fresh processes -------------------------------------------------------------
// Three parts: loading the package's JS, compiling and instantiating the module, and the first
// rules + member + calendar view (which also warms the module's code paths).
const coldScript = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const pkg = require(${JSON.stringify(join(root, 'pkg'))});
const t1 = performance.now();
const { Rules, Member } = pkg.loadSync();
const t2 = performance.now();
const rules = Rules.seed();
const m = Member.join(rules, 'cold', ${endAt});
m.calendar(rules, 2026, 12, ${endAt});
const t3 = performance.now();
process.stdout.write(JSON.stringify([t3 - t0, t1 - t0, t2 - t1, t3 - t2].map((x) => x * 1000)));`;
const cold = [];
for (let i = 0; i < 21; i++) cold.push(JSON.parse(execFileSync(process.execPath, ['-e', coldScript], { encoding: 'utf8' })));
['cold start: package JS + module + first calendar view', 'cold start: loading the package JS', 'cold start: compiling and instantiating the module', 'cold start: rules, member and first calendar view'].forEach((name, k) => {
  const xs = cold.map((c) => c[k]).sort((x, y) => x - y);
  results.figures[name] = { median_us: xs[10], p10_us: xs[2], p90_us: xs[18], runs: 21 };
  console.log(`${name.padEnd(44)} ${xs[10].toFixed(0).padStart(10)} µs  (${xs[2].toFixed(0)} – ${xs[18].toFixed(0)})`);
});

// ---- single ops -------------------------------------------------------------------------------
// One op on a fresh copy of the heavy member each time (the copy is not timed), as
// benches/core.rs does natively: the first op of the next day, with its time effects.
const copies = [];
const copy = () => {
  const m = heavy.copy();
  copies.push(m);
  return m;
};
const checkInText = JSON.stringify({ device: 'b2', seq: 1, at: endAt + DAY, op: { type: 'check_in' } });
measure('check-in (member with a heavy year)', (m) => m.applyJSON(rules, checkInText), { setup: copy, runs: Math.min(RUNS, 300) });
const seed = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
const lenient = structuredClone(seed);
lenient.checkin.makeup.monthly_limit = 31;
const lenientRules = new Rules(encodeRules(lenient));
const missed = new Date(endAt + DAY + 8 * 3_600_000).toISOString().slice(0, 10);
const makeUpText = JSON.stringify({ device: 'b3', seq: 1, at: endAt + 2 * DAY, op: { type: 'make_up', date: missed } });
measure('make-up (member with a heavy year)', (m) => m.applyJSON(lenientRules, makeUpText), { setup: copy, runs: Math.min(RUNS, 300) });
for (const m of copies.splice(0)) m.free();

// ---- views on the heavy member ----------------------------------------------------------------
const [vy, vm] = [2026, 12];
measure('month calendar view model (cells)', () => heavy.calendarCells(rules, vy, vm, endAt, 'zh-CN'));
measure('month calendar view (grid object)', () => heavy.calendar(rules, vy, vm, endAt, 'zh-CN'));
measure('month calendar SVG', () => heavy.calendarSVG(rules, vy, vm, endAt, 'zh-CN'));
measure('tier progress', () => heavy.tierProgress(rules, endAt, 'zh-CN'));
measure('points summary', () => heavy.pointsSummary(rules, endAt));

// ---- replay ----------------------------------------------------------------------------------
measure('replay of the heavy year (empty state → 1,961 ops)', () => replay().free(), { runs: Math.max(15, RUNS / 20), warm: 3 });

// ---- snapshot verification against JS peers ---------------------------------------------------------
const signer = benchSigner();
const publicBytes = signer.publicBytes;
const payloadObject = { user: year.user, server_version: 1, issued_at: endAt, config_hash: '0'.repeat(64), acked: { bench: year.ops.filter((o) => o.device === 'bench').length }, state: JSON.parse(heavy.stateJSON()) };
const { signed, signature, base64: snapshotB64 } = signer.sign(payloadObject);
// What a JS client with a JSON payload would parse after the signature (snapshot format 1).
const payloadJSON = JSON.stringify(payloadObject);
const keys = JSON.stringify(signer.keys);
writeFileSync(join(out, 'heavy-snapshot.json'), JSON.stringify({ keys: signer.keys, snapshot: snapshotB64 }));
measure('snapshot verify, ours (wasm: signature + decode)', () => Snapshot.verify(keys, snapshotB64).free(), { runs: Math.max(50, RUNS / 3) });
const msg = new Uint8Array(signed);
const sig = new Uint8Array(signature);
const pub = new Uint8Array(publicBytes);
measure('snapshot verify, @noble/ed25519 (signature only)', () => {
  if (!ed.verify(sig, msg, pub)) throw new Error('noble refused');
}, { runs: Math.max(50, RUNS / 3) });
measure('snapshot verify, tweetnacl (signature only)', () => {
  if (!nacl.sign.detached.verify(msg, sig, pub)) throw new Error('tweetnacl refused');
}, { runs: Math.max(50, RUNS / 3) });
measure('snapshot verify, tweetnacl + JSON.parse of the payload as JSON', () => {
  if (!nacl.sign.detached.verify(msg, sig, pub)) throw new Error('tweetnacl refused');
  JSON.parse(payloadJSON);
}, { runs: Math.max(50, RUNS / 3) });

// ---- plain JS rules against the engine --------------------------------------------------------
let a = 11;
const rnd = () => ((a = (a * 1103515245 + 12345) % 2147483648), a / 2147483648);
const plainConfig = new Rules(encodeRules(plainRulesConfig(seed)));
const compared = checkAgainstEngine(b, plainConfig, rnd, 100);
results.notes.push(`plain-JS rules agreed with the engine on ${compared} random ops (100 sequences) before being timed`);
const start = Date.UTC(2026, 0, 5, 1, 0);
const sequence = randomOps(rnd, start, 400);
const sequenceTexts = sequence.map((op) => JSON.stringify(op));
measure(`plain-JS rules, ${sequence.length} ops`, () => {
  const p = new PlainMember(start);
  for (const op of sequence) p.apply(op);
}, { runs: 30, warm: 5 });
measure(`wasm engine, the same ${sequence.length} ops (JSON in and out)`, () => {
  const m = Member.join(plainConfig, 'plain', start);
  for (const text of sequenceTexts) {
    try {
      m.applyJSON(plainConfig, text);
    } catch (_) {
      // refusals are part of the sequence
    }
  }
  m.free();
}, { runs: 30, warm: 5 });

// ---- the JS boundary ------------------------------------------------------------------------------
const boundary = heavy.copy();
let bday = endAt + DAY;
let bseq = 0;
const track = () => ({ device: 'b4', seq: ++bseq, at: (bday += 60_000), op: { type: 'track', action: 'core_action' } });
measure('boundary: op as object, events as objects (apply)', () => boundary.apply(rules, track()));
measure('boundary: op as JSON, events as JSON text (applyJSON)', () => boundary.applyJSON(rules, JSON.stringify(track())));
measure('boundary: poster commands as JSON text', () => heavy.poster(rules, endAt, 'zh-CN'));
measure('boundary: poster commands parsed into objects', () => JSON.parse(heavy.poster(rules, endAt, 'zh-CN')));

// ---- sizes and memory -------------------------------------------------------------------------------
const dist = join(root, 'pkg', 'dist');
const wasmRaw = readFileSync(join(dist, 'node', 'zailai.wasm'));
results.sizes = {
  'zailai.wasm (raw)': wasmRaw.length,
  'zailai.wasm.br (mini-program dist)': statSync(join(dist, 'miniprogram', 'zailai.wasm.br')).size,
  'mini-program JS (dist/miniprogram/index.js)': statSync(join(dist, 'miniprogram', 'index.js')).size,
  'mini-program JS, brotli': brotliCompressSync(readFileSync(join(dist, 'miniprogram', 'index.js'))).length,
  'wasm linear memory after loading and replaying the heavy year': memoryAfterYear,
  'wasm linear memory at the end (300 copies of the heavy member made and freed; it never shrinks)': b.wasmMemoryBytes(),
  'stored state of the heavy member (state JSON)': Buffer.byteLength(heavy.stateJSON()),
  'its signed snapshot, base64 as stored': snapshotB64.length,
};
for (const [k, v] of Object.entries(results.sizes)) console.log(`${k.padEnd(62)} ${String(v).padStart(9)} B`);
writeFileSync(join(out, 'client.json'), JSON.stringify(results, null, 1));
console.log(`→ ${join(out, 'client.json')}`);
