// Opening and one check-in of two builds of the package side by side, on JavaScriptCore without
// JIT (how iOS runs mini-programs) and V8: `node benches/rule-versions.mjs BASE_PKG NEW_PKG
// [rounds]`. Each round runs each build once, alternating; the figures are the medians of the
// rounds' medians (issue 26: rule versions must not slow a launch or an action).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heavyYear } from './heavy-year.mjs';
import { benchSigner } from './snapshot.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'js', 'package.json'));
const esbuild = require('esbuild');
const { codePackage, decompressModules } = require(join(root, 'js', 'test', 'miniprogram-runtime.js'));
const [basePkg, newPkg] = process.argv.slice(2, 4).map((p) => resolve(p));
const rounds = Number(process.argv[4] || 3);
const DAY = 86_400_000;
const work = mkdtempSync(join(tmpdir(), 'zailai-versions-bench-'));

// The fixture, made with the base build (both read it).
const zailai = require(basePkg);
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
const signer = benchSigner();
const acked = { bench: year.ops.filter((o) => o.device === 'bench').length };
const snapshot = signer.sign({ user: year.user, server_version: 1, issued_at: endAt, config_hash: '0'.repeat(64), acked, state: JSON.parse(heavy.stateJSON()) }).base64;
const now = endAt + DAY + 3_600_000;
const pendingJSON = ['zailai-ops/1', ...Array.from({ length: 20 }, (_, i) => JSON.stringify({ device: 'phone', seq: i + 1, at: endAt + DAY + i * 60_000, op: { type: 'track', action: 'core_action' } }))].join('\n');
const m = Member.open(rules, year.user, 'phone', '', year.joined_at, 20, undefined, pendingJSON);
const pending = m.pendingText();
const seedRules = require('node:fs').readFileSync(join(root, 'presets', 'seed.rules.b64'), 'utf8').trim();
const prefix = `zailai:${encodeURIComponent(year.user)}:`;
const base = {
  [`${prefix}meta`]: JSON.stringify({ v: 1, device: 'phone', seq: 20, joinedAt: year.joined_at, user: year.user, clockOffset: 0 }),
  [`${prefix}pending`]: pending,
  [`${prefix}snapshot`]: snapshot,
};
const layouts = {
  'seed rules, none stored': base,
  'one version stored': { ...base, [`${prefix}rules`]: JSON.stringify({ hash: 'a'.repeat(64), rules: seedRules }) },
  'next scheduled': { ...base, [`${prefix}rules`]: JSON.stringify({ versions: [{ number: 1, from: null, hash: 'a'.repeat(64), rules: seedRules }, { number: 2, from: now + 3_600_000, hash: 'b'.repeat(64), rules: seedRules }] }) },
};

const bundle = join(work, 'client.js');
await esbuild.build({ entryPoints: [join(root, 'benches', 'rule-versions', 'client.js')], outfile: bundle, bundle: true, nodePaths: [join(root, 'js', 'node_modules')], format: 'iife', platform: 'neutral', target: 'es2020', logLevel: 'warning' });
const nodeShim = `
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
globalThis.print = (s) => process.stdout.write(s + '\\n');
globalThis.readFile = (p, how) => { const b = readFileSync(p); return how === 'binary' ? b.buffer.slice(b.byteOffset, b.byteOffset + b.length) : b.toString('utf8'); };
globalThis.preciseTime = () => performance.now() / 1000;
globalThis.arguments = process.argv.slice(1);
require(${JSON.stringify(bundle)});`;

const builds = {};
for (const [name, pkg] of [['base', basePkg], ['new', newPkg]]) {
  const code = codePackage(join(pkg, 'dist', 'miniprogram'));
  const fixture = join(work, `${name}.json`);
  const versions = name === 'new';
  writeFileSync(fixture, JSON.stringify({ user: year.user, keys: signer.keys, now, layouts, versions, opens: 15, checkins: 30 }));
  builds[name] = [code, decompressModules(code, join(work, `${name}-raw`)), fixture];
}
const engines = {
  'JSC, no JIT': (args) => execFileSync('jsc', ['--useJIT=false', bundle, '--', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  'V8 (Node)': (args) => execFileSync(process.execPath, ['-e', nodeShim, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [engine, run] of Object.entries(engines)) {
  const runs = { base: [], new: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of ['base', 'new']) {
      const out = JSON.parse(run(builds[name]).trim().split('\n').pop());
      if (out.error) throw new Error(`${engine} ${name}: ${out.error}`);
      runs[name].push(out);
    }
  }
  console.log(`\n${engine} (medians of ${rounds} rounds' medians)`);
  console.log(`${'figure'.padEnd(52)} ${'base'.padStart(10)} ${'new'.padStart(10)}`);
  for (const figure of Object.keys(runs.new[0])) {
    const fmt = (name) => (runs[name][0][figure] === undefined ? '–' : `${(median(runs[name].map((x) => x[figure])) / 1000).toFixed(2)} ms`);
    console.log(`${figure.padEnd(52)} ${fmt('base').padStart(10)} ${fmt('new').padStart(10)}`);
  }
}
