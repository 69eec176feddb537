// Every client figure on one engine, the package loaded as WeChat loads it (the mini-program
// dist through a path-only WXWebAssembly, no WebAssembly/TextDecoder/console visible to it).
// The same bundle runs in `jsc --useJIT=false` (iOS: wasm interpreted) and in Node (V8, as on
// Android), so the figures are side by side. benches/engines.mjs prepares the fixture, bundles
// this with esbuild and runs it; run through `bash scripts/bench.sh`.
// Host functions (the jsc shell's, shimmed in Node): print, readFile, preciseTime, arguments.
/* global print, readFile, preciseTime */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha512';
import { PlainMember } from '../plain-rules.mjs';
import { wxStorageBackend } from '../../js/test/mp/wx-core.js';
import { jscRuntime } from '../../js/test/jsc/runtime.js';

ed.etc.sha512Sync = (...m) => sha512(ed.etc.concatBytes(...m));
const [root, decompressed, fixturePath, engine, only] = globalThis.arguments;
/** Whether a figure is wanted (`--only REGEX` of benches/engines.mjs: an A/B run of a few). */
const want = (name) => !only || new RegExp(only).test(name);
const fx = JSON.parse(readFile(fixturePath));
const { startRuntime } = jscRuntime(root, decompressed);
const results = { engine, figures: {} };

/** Median, p10 and p90 in µs: runs until `runs` or about `budgetMs` spent (at least 3). */
function measure(name, fn, { runs = 200, budgetMs = 1500, warm = 2, setup } = {}) {
  if (!want(name)) return;
  for (let i = 0; i < warm; i++) fn(setup ? setup() : undefined);
  const times = [];
  const started = preciseTime();
  while (times.length < runs && (times.length < 3 || (preciseTime() - started) * 1000 < budgetMs)) {
    const arg = setup ? setup() : undefined;
    const t = preciseTime();
    fn(arg);
    times.push((preciseTime() - t) * 1e6);
  }
  times.sort((x, y) => x - y);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  results.figures[name] = { median_us: q(0.5), p10_us: q(0.1), p90_us: q(0.9), runs: times.length };
}

const fromB64 = (s) => {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const out = new Uint8Array(Math.floor((s.replace(/=+$/, '').length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const ch of s.replace(/=+$/, '')) {
    acc = (acc << 6) | A.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out;
};

(async () => {
  // Compiling and instantiating the module: a fresh runtime each time, as a launch is.
  const compileTimes = [];
  let zailai;
  let rt;
  for (let i = 0; i < 7; i++) {
    rt = startRuntime(wxStorageBackend());
    zailai = rt.require('zailai');
    const t = preciseTime();
    await zailai.load();
    compileTimes.push((preciseTime() - t) * 1e6);
  }
  compileTimes.sort((x, y) => x - y);
  if (want('module compile + instantiate')) results.figures['module compile + instantiate'] = { median_us: compileTimes[3], p10_us: compileTimes[0], p90_us: compileTimes[6], runs: 7 };
  const { Rules, Member, Snapshot } = await zailai.load();

  measure('Rules.seed()', () => Rules.seed().free(), { runs: 50 });
  const rules = Rules.seed();

  // Open: the heavy member's stored base + 20 pending ops → the first calendar view. The module
  // is loaded already, so createClient's promise only wraps synchronous work.
  // Storage is a plain Map behind the wx storage calls: the figures are the client's, not the
  // harness's quota bookkeeping (WeChat's storage is native code).
  // It counts the characters written: what WeChat's native storage must copy and store.
  const mapStorage = (entries) => {
    const data = new Map(Object.entries(entries));
    const backend = { data, written: 0, getStorageSync: (k) => (data.has(k) ? data.get(k) : ''), setStorageSync: (k, v) => void ((backend.written += v.length), data.set(k, v)), removeStorageSync: (k) => void data.delete(k) };
    return backend;
  };
  results.counts = {};
  let clock = fx.now;
  // The stores in the pending log's layout when this package reads it (not the builds before
  // issue 29: those read the whole log under one key, and would see no pending op).
  const probe = await zailai.createClient({ storage: zailai.wxStorage(mapStorage(fx.storedLog)), user: fx.user, trustedKeys: fx.keys, now: () => clock });
  if (probe.pendingOps().length === 20) [fx.stored, fx.offline] = [fx.storedLog, fx.offlineLog];
  probe.close();
  const openTimes = [];
  let opened = null;
  let openedBackend = null;
  const openName = 'open: createClient (heavy base + 20 pending) → first calendar';
  // (the opened client is needed by the figures after it: opened once at least)
  while (openTimes.length < (want(openName) ? 40 : 1) && (openTimes.length < 3 || openTimes.reduce((x, y) => x + y, 0) < 3e6)) {
    const backend = mapStorage(fx.stored);
    const t = preciseTime();
    const client = await zailai.createClient({ storage: zailai.wxStorage(backend), user: fx.user, trustedKeys: fx.keys, now: () => clock });
    client.calendar();
    openTimes.push((preciseTime() - t) * 1e6);
    if (client.serverVersion === 0 || client.pendingOps().length !== 20) throw new Error('open did not restore the base and the pending ops');
    // The page has painted: what the client does next (the stored snapshot's signature,
    // docs/security.md) runs here, outside the open.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (client.serverVersion === 0) throw new Error('the stored snapshot did not verify');
    if (opened) opened.close();
    opened = client;
    openedBackend = backend;
  }
  openTimes.sort((x, y) => x - y);
  const oq = (p) => openTimes[Math.min(openTimes.length - 1, Math.floor(openTimes.length * p))];
  if (want(openName)) results.figures[openName] = { median_us: oq(0.5), p10_us: oq(0.1), p90_us: oq(0.9), runs: openTimes.length };

  // An offline-only member: no server yet, a year of pending ops. The first open replays them
  // all; a package that keeps a local checkpoint writes it after that open's first paint, as a
  // phone would have at an earlier launch: the figure is the open after it (the stored state
  // read, the ops after it replayed). Both figures below.
  const offlineName = 'open: offline-only member, a year pending (no snapshot) → first calendar';
  const firstOpenName = 'open: offline-only member, a year pending, first open (nothing checkpointed) → first calendar';
  const writeName = 'the local checkpoint written after the first offline-only open (after its paint)';
  const offlineTimes = [];
  const firstActionTimes = [];
  const firstOpenTimes = [];
  const writeTimes = [];
  let launched = fx.offline; // storage as the earlier launch left it
  while (want(offlineName) && firstOpenTimes.length < 3) {
    const backend = mapStorage(fx.offline);
    const t = preciseTime();
    const client = await zailai.createClient({ storage: zailai.wxStorage(backend), user: fx.user, now: () => clock });
    client.calendar();
    firstOpenTimes.push((preciseTime() - t) * 1e6);
    const w = preciseTime();
    await new Promise((resolve) => setTimeout(resolve, 0));
    writeTimes.push((preciseTime() - w) * 1e6);
    client.close();
    launched = Object.fromEntries(backend.data);
  }
  for (const [name, times] of [[firstOpenName, firstOpenTimes], [writeName, writeTimes]]) {
    times.sort((x, y) => x - y);
    if (times.length) results.figures[name] = { median_us: times[1], p10_us: times[0], p90_us: times[2], runs: times.length };
  }
  while (want(offlineName) && offlineTimes.length < 5 && (offlineTimes.length < 3 || offlineTimes.reduce((x, y) => x + y, 0) < 4e6)) {
    const backend = mapStorage(launched);
    const t = preciseTime();
    const client = await zailai.createClient({ storage: zailai.wxStorage(backend), user: fx.user, now: () => clock });
    client.calendar();
    offlineTimes.push((preciseTime() - t) * 1e6);
    if (client.pendingOps().length !== fx.year.ops.filter((op) => op.device === 'bench').length) throw new Error('the offline open lost pending ops');
    await new Promise((resolve) => setTimeout(resolve, 0));
    const written = backend.written;
    const a = preciseTime();
    client.track('core_action');
    firstActionTimes.push((preciseTime() - a) * 1e6);
    results.counts['characters written by the first action after the offline-only open'] = backend.written - written;
    client.close();
  }
  if (firstActionTimes.length) {
    firstActionTimes.sort((x, y) => x - y);
    results.figures['first action after the offline-only open, persisted'] = { median_us: firstActionTimes[Math.floor(firstActionTimes.length / 2)], p10_us: firstActionTimes[0], p90_us: firstActionTimes[firstActionTimes.length - 1], runs: firstActionTimes.length };
  }
  // As in use: the checkpoint some 200 ops behind the log (it is written once ~8 K characters
  // are uncovered). A launch on the log without its last 200 ops wrote it; the whole log is
  // then put back under the generation that launch left (the same text, 200 lines longer).
  const behindName = 'open: offline-only member, the checkpoint 200 ops behind the log → first calendar';
  const behindTimes = [];
  if (want(offlineName)) {
    const pendingKey = Object.keys(fx.offline).find((k) => k.endsWith(':pending'));
    const textKey = (entries) => (/^zailai-log:(\d+)$/.test(entries[pendingKey]) ? `${pendingKey}@${/\d+/.exec(entries[pendingKey])[0]}` : pendingKey);
    const whole = fx.offline[textKey(fx.offline)];
    const backend = mapStorage({ ...fx.offline, [textKey(fx.offline)]: whole.split('\n').slice(0, -200).join('\n') });
    const earlier = await zailai.createClient({ storage: zailai.wxStorage(backend), user: fx.user, now: () => clock });
    await new Promise((resolve) => setTimeout(resolve, 0));
    earlier.close();
    const behind = Object.fromEntries(backend.data);
    for (const k of Object.keys(behind)) if (/:pending@\d+\.\d+$/.test(k)) delete behind[k];
    behind[textKey(behind)] = whole;
    while (behindTimes.length < 5) {
      const b = mapStorage(behind);
      const t = preciseTime();
      const client = await zailai.createClient({ storage: zailai.wxStorage(b), user: fx.user, now: () => clock });
      client.calendar();
      behindTimes.push((preciseTime() - t) * 1e6);
      if (client.pendingOps().length !== fx.year.ops.filter((op) => op.device === 'bench').length) throw new Error('the open lost pending ops');
      client.close();
    }
    behindTimes.sort((x, y) => x - y);
    results.figures[behindName] = { median_us: behindTimes[2], p10_us: behindTimes[0], p90_us: behindTimes[4], runs: 5 };
  }
  offlineTimes.sort((x, y) => x - y);
  if (want(offlineName)) results.figures[offlineName] = { median_us: offlineTimes[Math.floor(offlineTimes.length / 2)], p10_us: offlineTimes[0], p90_us: offlineTimes[offlineTimes.length - 1], runs: offlineTimes.length };

  // One action on the heavy member, persisted to wx storage.
  const writtenBefore = openedBackend.written;
  let actions = 0;
  measure('one action on the heavy member, persisted (20–120 pending)', () => {
    clock += 60_000;
    opened.track('core_action');
    actions++;
    // the pending log grows from 20 to 120 ops over the runs
  }, { runs: 100 });
  if (actions) results.counts['characters written per action on the heavy member (mean over 20–120 pending)'] = Math.round((openedBackend.written - writtenBefore) / actions);
  // Where an action's and a view's time goes: the wasm call alone (its JSON.parse included),
  // the rest being the client's (events parsed, storage, listeners; the kept copy of a view).
  measure('one action: Member.record alone (wasm call, events as JSON text)', () => {
    clock += 60_000;
    opened._member.record(opened.rules, clock, 'track', 'core_action', 1);
  }, { runs: 100 });
  opened._changed();
  const [year, month] = opened._month(undefined, undefined, clock);
  measure('month calendar view model: Member.calendarCells alone (wasm call + objects built in JS)', () => opened._member.calendarCells(opened.rules, year, month, clock, opened.locale));
  measure('month calendar view: Member.calendar alone (wasm call + objects built in JS)', () => opened._member.calendar(opened.rules, year, month, clock, opened.locale));
  // Computed each time (the client's month-view cache emptied first, as an action does) …
  measure('month calendar view model (calendarCells)', () => (opened._changed(), opened.calendarCells()));
  measure('month calendar view (calendar)', () => (opened._changed(), opened.calendar()));
  measure('month calendar SVG', () => (opened._changed(), opened.calendarSVG()));
  // … and again with nothing changed (a page re-rendering: new objects from the kept month).
  measure('month calendar view model, state unchanged (kept)', () => opened.calendarCells());
  // van-calendar's formatter over the month, as Vant calls it: the days come in `selected`
  // (its own default-date) and only the cells' checked days may stay so (issue 15). Checked
  // once before timing.
  const cells = opened.calendarCells();
  const vantDays = () => cells.map((c) => ({ date: new Date(`${c.date}T00:00:00`), type: 'selected', text: c.text }));
  const formatted = vantDays().map(zailai.vantFormatter(cells));
  if (formatted.filter((d) => d.type === 'selected').length !== cells.filter((c) => c.type === 'selected').length) {
    throw new Error('vantFormatter left a day selected that the cells do not check');
  }
  measure('van-calendar formatter over the month (vantFormatter: index + every day)', (days) => days.map(zailai.vantFormatter(cells)), { setup: vantDays });
  measure('tier progress', () => opened.tierProgress());
  measure('task list', () => opened.tasks());
  measure('summary', () => opened.summary());
  // Cold code built for size (src/view/campaigns.rs, prompts.rs): what a page open pays for it.
  measure('campaigns and prompts (a page open)', () => (opened.campaigns(), opened.prompts()));

  // The state and the snapshot.
  measure('JSON.parse of the same state text (host)', () => JSON.parse(fx.heavyState), { runs: 200 });
  const keysText = JSON.stringify(fx.keys);
  measure('snapshot verify of the heavy member, ours (signature + decode)', () => Snapshot.verify(keysText, fx.heavySnapshot).free(), { runs: 30 });
  measure('snapshot verify of a new member, ours', () => Snapshot.verify(keysText, fx.newSnapshot).free(), { runs: 30 });
  const bytes = fromB64(fx.heavySnapshot);
  const pub = fromB64(fx.keys[0].public);
  const signed = bytes.subarray(0, bytes.length - 64);
  const sig = bytes.subarray(bytes.length - 64);
  measure('snapshot signature, @noble/ed25519 (same engine)', () => {
    if (!ed.verify(sig, signed, pub)) throw new Error('noble refused');
  }, { runs: 30 });

  // A member checking a revealed lottery (one full page of the public record): every draw
  // replayed from the seed, and their own found by the salted tag.
  const checked = want('lottery verify, 1,000 revealed draws (Rules.verifyLottery)') ? rules.verifyLottery(fx.lottery, 'u7') : { draws: 1000, mine: { length: 20 } };
  if (checked.draws !== 1000 || checked.mine.length !== 20) throw new Error(`lottery verify: ${JSON.stringify(checked)}`);
  measure('lottery verify, 1,000 revealed draws (Rules.verifyLottery)', () => rules.verifyLottery(fx.lottery, 'u7'), { runs: 20, budgetMs: 3000 });

  // Replay of the heavy year, and the engine against plain-JS rules on the same ops.
  const opTexts = fx.year.ops.map((op) => JSON.stringify(op));
  measure('replay of the heavy year', () => {
    const m = Member.join(rules, fx.year.user, fx.year.joined_at);
    for (const text of opTexts) {
      try {
        m.applyJSON(rules, text);
      } catch (_) {
        // a few make-ups are refused: part of a real year
      }
    }
    m.free();
  }, { runs: 20, budgetMs: 4000, warm: 1 });
  const plainRules = new Rules(fx.plainConfig);
  const seqTexts = fx.plainOps.map((op) => JSON.stringify(op));
  measure(`plain-JS rules, ${fx.plainOps.length} ops`, () => {
    const p = new PlainMember(fx.plainStart);
    for (const op of fx.plainOps) p.apply(op);
  }, { runs: 30 });
  measure(`wasm engine, the same ${fx.plainOps.length} ops`, () => {
    const m = Member.join(plainRules, 'plain', fx.plainStart);
    for (const text of seqTexts) {
      try {
        m.applyJSON(plainRules, text);
      } catch (_) {
        // refusals are part of the sequence
      }
    }
    m.free();
  }, { runs: 30, budgetMs: 3000 });
  print(JSON.stringify(results));
})().catch((e) => print(JSON.stringify({ error: String((e && e.stack) || e) })));
