// Opening and one check-in on JavaScriptCore without JIT (or V8), for benches/rule-versions.mjs:
// the package loaded as WeChat loads it, the heavy member's base and 20 pending ops in wx
// storage, with the server's rules stored as one version (the layout of builds before rule
// versions, which both builds read) and, where the build holds versions, with a next one
// scheduled. Prints one JSON line of medians (µs).
/* global print, readFile, preciseTime */
import { wxStorageBackend } from '../../js/test/mp/wx-core.js';
import { jscRuntime } from '../../js/test/jsc/runtime.js';

const [root, decompressed, fixturePath] = globalThis.arguments;
const fx = JSON.parse(readFile(fixturePath));
const { startRuntime } = jscRuntime(root, decompressed);
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const figures = {};
  const rt = startRuntime(wxStorageBackend());
  const zailai = rt.require('zailai');
  await zailai.load();
  const mapStorage = (entries) => {
    const data = new Map(Object.entries(entries));
    return { getStorageSync: (k) => (data.has(k) ? data.get(k) : ''), setStorageSync: (k, v) => void data.set(k, v), removeStorageSync: (k) => void data.delete(k) };
  };
  const open = (stored, clock) => zailai.createClient({ storage: zailai.wxStorage(mapStorage(stored)), user: fx.user, trustedKeys: fx.keys, now: () => clock.t });
  for (const [name, stored] of Object.entries(fx.layouts)) {
    if (name === 'next scheduled' && !fx.versions) continue;
    const times = [];
    let last = null;
    for (let i = 0; i < fx.opens; i++) {
      const clock = { t: fx.now };
      const t = preciseTime();
      const c = await open(stored, clock);
      c.calendar();
      times.push((preciseTime() - t) * 1e6);
      if (c.pendingOps().length !== 20 || c.serverVersion === 0) throw new Error('open lost the base or the pending ops');
      if (last) last.close();
      last = c;
    }
    last.close();
    figures[`open (${name}) → first calendar`] = median(times);
  }
  // One check-in a day on the opened heavy member, persisted (the rules stored as one version).
  const clock = { t: fx.now };
  const c = await open(fx.layouts['one version stored'], clock);
  const checkins = [];
  for (let i = 0; i < fx.checkins; i++) {
    clock.t += 86_400_000;
    const t = preciseTime();
    c.checkIn();
    checkins.push((preciseTime() - t) * 1e6);
  }
  figures['one check-in, persisted'] = median(checkins);
  c.close();
  print(JSON.stringify(figures));
})().catch((e) => print(JSON.stringify({ error: String(e && e.stack) })));
