// The client API through the built Node entry: actions, events, errors, persistence and
// recovery from what a person or a full disk can do to storage.
const test = require('node:test');
const assert = require('node:assert/strict');
const { encodeRules, pkg } = require('./helpers.js');
const { storedPending } = require('./mp/scenarios.js');
const zailai = require(pkg);
const { createClient, memoryStorage, isZailaiError, ZailaiError, load } = zailai;

const DAY = 86_400_000;
const NOV1 = Date.UTC(2026, 10, 1, 1, 0); // 09:00 in UTC+8

async function client(storage, clock, extra = {}) {
  return zailai.createClient({ storage, now: () => clock.t, deviceId: () => 'dev-1', ...extra });
}

test('actions return events, emit change and reward, and refusals throw coded Errors', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock);
  const changes = [];
  const rewards = [];
  c.on('change', (ch) => changes.push(ch));
  c.on('reward', (r) => rewards.push(r));
  const events = c.checkIn();
  assert.deepEqual(events.map((e) => e.type), ['checked_in', 'points_credited']);
  assert.equal(changes.length, 1);
  assert.equal(changes[0].op.seq, 1);
  assert.equal(rewards[0].events[0].granted, 5);
  assert.throws(() => c.checkIn(), (e) => e instanceof Error && e.code === 'ALREADY_CHECKED_IN' && e.name === 'ZailaiError');
  assert.equal(changes.length, 1, 'a refused op emits nothing');
  assert.equal(c.pendingOps().length, 1);
  // Wrong types from JS are coded errors too, and the client keeps working.
  assert.throws(() => c.makeUp(20261101), (e) => e.code === 'OP_INVALID');
  assert.throws(() => c.track('open', 'many'), (e) => e.code === 'OP_INVALID');
  assert.throws(() => c.track('dance'), (e) => e.code === 'UNKNOWN_ACTION');
  for (const cents of [-5, 0, 1.5, Number.NaN, 2 ** 60]) {
    assert.throws(() => c.checkoutQuote(cents), (e) => e.code === 'BAD_AMOUNT', String(cents));
  }
  for (const cents of ['100', undefined]) {
    assert.throws(() => c.checkoutQuote(cents), (e) => e.code === 'BAD_ARGUMENT', String(cents));
  }
  // Money is the merchant's: the client has no way to record an order.
  assert.equal(c.order, undefined);
  assert.equal(c.buyMembership, undefined);
  const quote = c.checkoutQuote(20000);
  assert.deepEqual(quote, { balance: 5, maxPoints: 5, deductionCents: 50, payCents: 19950 });
  assert.throws(() => c.session(-1), (e) => e.code === 'BAD_AMOUNT');
  assert.throws(() => c.session(1.5), (e) => e.code === 'OP_INVALID');
  assert.equal(c.pendingOps().length, 1, 'nothing refused was recorded');
  assert.throws(() => c.on('nope', () => {}), (e) => e.code === 'BAD_ARGUMENT');
  clock.t += DAY;
  assert.equal(c.checkIn()[0].streak, 2);
});

test('views: calendar of the current month, progress, tasks, summary, prompts', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock, { locale: 'en' });
  c.checkIn();
  c.track('query');
  clock.t += 2 * DAY;
  const cal = c.calendar();
  assert.equal(cal.month, 11);
  const days = cal.weeks.flat().filter((d) => d.status !== 'outside_month');
  assert.deepEqual(days.slice(0, 3).map((d) => d.status), ['checked', 'makeup_available', 'today_pending']);
  assert.equal(c.tierProgress().next.id, 'silver');
  assert.match(c.tierProgress().label, /to reach Silver$/);
  assert.equal(c.tasks().find((t) => t.id === 'daily_query').status, 'in_progress', 'daily tasks reset');
  assert.equal(c.pointsSummary().balance, 15);
  assert.equal(c.summary().streak, 0);
  assert.deepEqual(c.prompts().map((p) => p.kind), []);
  assert.equal(c.calendar(2026, 10).month, 10);
  assert.throws(() => c.calendar(2026, 13), (e) => e.code === 'INVALID_DATE');
});

test('setData view models: Vant-shaped calendar cells, progress values, and the Vant/TDesign adapters', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock);
  c.checkIn();
  clock.t += 2 * DAY;
  const cells = c.calendarCells();
  assert.equal(cells.length % 7, 0);
  const nov = (d) => cells.find((x) => x.date === `2026-11-0${d}`);
  assert.deepEqual(nov(1), { date: '2026-11-01', type: 'selected', text: '1', topInfo: '', bottomInfo: '已签', className: 'zl-day zl-checked' });
  assert.equal(nov(2).bottomInfo, '可补签');
  assert.equal(nov(3).className, 'zl-day zl-today-pending');
  assert.ok(JSON.stringify(cells).length < 6000, 'small enough for setData');
  const p = c.progress();
  assert.equal(p.streak.label, '再签 3 天可得 10 积分');
  assert.ok(p.tier.percentage >= 0 && p.tier.percentage <= 100);
  assert.equal(p.tasks.length, c.tasks().length);

  // The components call the hook with a local Date per day.
  const vant = zailai.vantFormatter(cells);
  const v = vant({ date: new Date(2026, 10, 2), type: '', text: 2 });
  assert.deepEqual([v.type, v.bottomInfo, v.className], ['', '可补签', 'zl-day zl-makeup-available']);
  assert.equal(vant({ date: new Date(2026, 10, 1), type: '' }).type, 'selected');
  const td = zailai.tdesignFormat(cells)({ date: new Date(2026, 10, 1), type: '' });
  assert.deepEqual([td.type, td.suffix, td.prefix], ['selected', '已签', '']);
  const outside = { date: new Date(2027, 0, 1), type: '' };
  assert.equal(vant(outside), outside, 'days outside the cells pass through');
});

test('SVG: the month and progress bars, themed, as data URIs; bad themes are coded errors', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock);
  c.checkIn();
  const svg = c.calendarSVG({ theme: { checked: '#00aa00' } });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<g class="zl-today-done">/g) || []).length, 1);
  assert.ok(svg.includes('fill="#00aa00"'));
  assert.ok(svg.includes('<title>2026年11月</title>'));
  const uri = zailai.svgDataUri(svg);
  assert.ok(uri.startsWith('data:image/svg+xml;base64,'));
  assert.equal(Buffer.from(uri.split(',')[1], 'base64').toString('utf8'), svg, 'UTF-8 survives');
  const bar = c.progressSVG(c.progress().tier);
  assert.match(bar, /<\/svg>$/);
  assert.ok(c.progressSVG({ percentage: 150, label: '<b>' }).includes('&lt;b&gt;'));
  assert.throws(() => c.calendarSVG({ theme: { checked: 'red' } }), (e) => e.code === 'THEME_INVALID' && /theme\.checked/.test(e.message));
  assert.throws(() => c.calendarSVG({ month: 13, year: 2026 }), (e) => e.code === 'INVALID_DATE');
});

test('the default calendar month is the business month, not the UTC one', async () => {
  // 2026-11-30 16:30 UTC is 1 December 00:30 in UTC+8.
  const c = await client(zailai.memoryStorage(), { t: Date.UTC(2026, 10, 30, 16, 30) });
  assert.equal(c.calendar().month, 12);
  assert.equal(c.rules.businessDate(Date.UTC(2026, 10, 30, 15, 59)), '2026-11-30');
});

test('state and pending ops survive a restart', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const a = await client(storage, clock);
  a.checkIn();
  clock.t += DAY;
  a.checkIn();
  a.track('review');
  const before = a.stateJSON();
  assert.equal(a.close(), true);
  const b = await client(storage, clock);
  assert.notEqual(b, a, 'a relaunch reads storage again');
  assert.equal(b.deviceId, 'dev-1');
  assert.equal(b.stateJSON(), before);
  assert.equal(b.pendingOps().length, 3);
  clock.t += DAY;
  assert.equal(b.checkIn()[0].streak, 3);
  assert.equal(b.pendingOps().at(-1).seq, 4);
});

test('pinned rules come in the binary form the CLI prints; bad ones are coded Errors', async () => {
  const { readFileSync } = require('node:fs');
  const seedPath = require('node:path').join(__dirname, '..', '..', 'presets', 'seed.json');
  const cfg = JSON.parse(readFileSync(seedPath, 'utf8'));
  // A rule file itself (object or text) is refused with what to do instead.
  for (const config of [cfg, JSON.stringify(cfg)]) {
    await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), config }), (e) => e.code === 'BAD_ARGUMENT' && /rules encode/.test(e.message));
  }
  await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), config: 'not base64!' }), (e) => e.code === 'BAD_ARGUMENT');
  // Bytes of a newer format, and bytes cut short.
  const encoded = encodeRules(cfg);
  const bytes = Buffer.from(encoded, 'base64');
  const newer = Buffer.from(bytes);
  newer[0] = bytes[0] + 1;
  await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), config: newer.toString('base64') }), (e) => e.code === 'CONFIG_TOO_NEW' && e.path === 'format');
  await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), config: bytes.subarray(0, bytes.length - 3).toString('base64') }), (e) => e.code === 'CONFIG_INVALID');
  // The CLI refuses an invalid rule file with every problem's path, before any phone sees it.
  cfg.checkin.streak_bonuses[1].day = 2;
  assert.throws(() => encodeRules(cfg), (e) => /checkin\.streak_bonuses\[1\]\.day/.test(String(e.stderr)));
  // Pinned rules that differ from the seed are the ones the client runs.
  cfg.checkin.streak_bonuses[1].day = 7;
  cfg.points.earning.share = { points: 9, daily_limit: 1 };
  const c = await zailai.createClient({ storage: zailai.memoryStorage(), config: encodeRules(cfg) });
  assert.equal(c.track('share').find((e) => e.type === 'points_credited').granted, 9);
  c.close();
  // An odd checkout rate (3 points = 1 cent): points come in steps of 3. By hand: balance 9,
  // 50% of 1000 cents = 500 cents = 1500 points, so the balance limits: 9 points = 3 cents.
  cfg.points.checkout = { points: 3, cents: 1, max_order_percent: 50 };
  const odd = await zailai.createClient({ storage: zailai.memoryStorage(), config: encodeRules(cfg) });
  odd.track('share');
  assert.deepEqual(odd.checkoutQuote(1000), { balance: 9, maxPoints: 9, deductionCents: 3, payCents: 997 });
  // 2 cents at most (50% of 5): 6 points, not the 9 held.
  assert.deepEqual(odd.checkoutQuote(5), { balance: 9, maxPoints: 6, deductionCents: 2, payCents: 3 });
  odd.close();
});

test('at open, rules stored or pinned build no seed rules, and stored ones are read without being checked again', async () => {
  const { readFileSync } = require('node:fs');
  const cfg = JSON.parse(readFileSync(require('node:path').join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
  cfg.points.earning.share = { points: 9, daily_limit: 1 };
  const encoded = encodeRules(cfg);
  // Every Rules the client makes, seen through the bindings it loads.
  const bindings = zailai.loadSync();
  const Real = bindings.Rules;
  const made = [];
  bindings.Rules = new Proxy(Real, {
    construct: (_, args) => (made.push(args[1] === true ? 'stored' : 'checked'), new Real(...args)),
    get: (target, key) => (key === 'seed' ? () => (made.push('seed'), Real.seed()) : Reflect.get(target, key)),
  });
  try {
    const opened = async (storage, extra) => {
      made.length = 0;
      const c = await zailai.createClient({ storage, now: () => NOV1, deviceId: () => 'dev-1', ...extra });
      const granted = c.track('share').find((e) => e.type === 'points_credited').granted;
      c.close();
      return [made.slice(), granted];
    };
    assert.deepEqual(await opened(zailai.memoryStorage()), [['seed'], 30], 'nothing stored: the seed');
    assert.deepEqual(await opened(zailai.memoryStorage(), { config: encoded }), [['checked'], 9], 'pinned: checked once, no seed');
    const storage = zailai.memoryStorage();
    storage.setItem('zailai:local:rules', JSON.stringify({ versions: [{ number: 1, from: null, hash: 'a1'.repeat(32), rules: encoded }] }));
    assert.deepEqual(await opened(storage), [['stored'], 9], 'stored: read as checked on arrival, no seed');
    // Stored rules this build cannot read are reported, and the seed runs.
    const newer = Buffer.from(encoded, 'base64');
    newer[0] += 1;
    const broken = zailai.memoryStorage();
    broken.setItem('zailai:local:rules', JSON.stringify({ versions: [{ number: 1, from: null, hash: 'a1'.repeat(32), rules: newer.toString('base64') }] }));
    const errors = [];
    made.length = 0;
    const c = await zailai.createClient({ storage: broken, now: () => NOV1, deviceId: () => 'dev-1' });
    c.on('error', (e) => errors.push(e.code));
    assert.deepEqual([made, errors], [['stored', 'seed'], ['CONFIG_TOO_NEW']]);
    assert.equal(c.track('share').find((e) => e.type === 'points_credited').granted, 30);
    c.close();
  } finally {
    bindings.Rules = Real;
  }
});

function storedClient(storage, clock) {
  const errors = [];
  return client(storage, clock).then((c) => {
    c.on('error', (e) => errors.push(e));
    return { c, errors };
  });
}

test('a stored snapshot that does not verify is reported, kept aside, and rebuilt from the pending ops', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const a = await client(storage, clock);
  a.checkIn();
  a.track('share');
  const good = a.stateJSON();
  a.close();
  // A state written where the signed snapshot belongs is not snapshot bytes.
  storage.setItem('zailai:local:snapshot', Buffer.from(good.replace('"balance":35', '"balance":99999')).toString('base64'));
  const { c, errors } = await storedClient(storage, clock);
  assert.deepEqual(errors.map((e) => e.code), ['SNAPSHOT_MALFORMED']);
  assert.equal(c.stateJSON(), good, 'replaying the pending ops gives the same state');
  assert.ok(storage.keys().some((k) => k.startsWith('zailai:local:quarantine:snapshot:')));
  assert.equal(storage.getItem('zailai:local:snapshot'), null, 'the refused snapshot is no longer the base');
});

test('unknown storage versions and unreadable op lines are reported; no readable op is lost', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const a = await client(storage, clock);
  a.checkIn();
  a.track('review');
  a.track('share');
  a.close();
  const lines = storedPending((k) => storage.getItem(k), 'zailai:local:').split('\n');
  lines[2] = lines[2].slice(0, 20); // the second op, truncated
  storage.setItem('zailai:local:pending', lines.join('\n'));
  storage.setItem('zailai:local:meta', JSON.stringify({ v: 99 }));
  const { c, errors } = await storedClient(storage, clock);
  assert.deepEqual(errors.map((e) => e.code).sort(), ['STORAGE_CORRUPT', 'STORAGE_VERSION_UNSUPPORTED']);
  assert.deepEqual(c.pendingOps().map((op) => op.op.type), ['check_in', 'track']);
  assert.equal(c.summary().balance, 5 + 30);
  // The next op must not reuse a seq a surviving op has.
  clock.t += DAY;
  c.checkIn();
  const seqs = c.pendingOps().filter((op) => op.device === c.deviceId).map((op) => op.seq);
  assert.equal(new Set(seqs).size, seqs.length);
});

test('an action writes its op only (its seq is the op\'s, not meta\'s); a damaged last op\'s seq is never given again', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const written = [];
  const counting = { ...storage, setItem: (k, v) => (written.push(k), storage.setItem(k, v)) };
  const a = await client(counting, clock);
  a.checkIn();
  written.length = 0;
  a.track('review');
  a.track('share');
  assert.ok(written.length === 2 && written.every((k) => /^zailai:local:pending@\d+\.\d+$/.test(k)), `one pending part a tap, no meta: ${written}`);
  a.close();
  assert.equal(JSON.parse(storage.getItem('zailai:local:meta')).seq, 0, 'meta as the open wrote it');
  // The seq comes back from the ops, and the next op goes on after it.
  const b = await client(storage, clock);
  assert.deepEqual(b.pendingOps().map((op) => op.seq), [1, 2, 3]);
  b.track('review');
  assert.equal(b.pendingOps().at(-1).seq, 4);
  b.close();
  // The last op's line damaged: set aside, and its seq (4, which meta never held) not reused.
  const pointer = /^zailai-log:(\d+)$/.exec(storage.getItem('zailai:local:pending'))[1];
  const parts = storage.keys().filter((k) => k.startsWith(`zailai:local:pending@${pointer}.`)).sort();
  const last = parts.at(-1);
  const lines = storage.getItem(last).split('\n');
  lines[lines.length - 1] = lines.at(-1).slice(0, 10);
  storage.setItem(last, lines.join('\n'));
  assert.ok(JSON.parse(storage.getItem('zailai:local:meta')).seq < 4);
  const { c, errors } = await storedClient(storage, clock);
  assert.deepEqual(errors.map((e) => e.code), ['STORAGE_CORRUPT']);
  assert.deepEqual(c.pendingOps().map((op) => op.seq), [1, 2, 3]);
  c.track('share');
  const next = c.pendingOps().at(-1).seq;
  assert.ok(next > 4, `seq ${next} after a lost op 4`);
  c.close();
  const { c: d, errors: again } = await storedClient(storage, clock);
  assert.deepEqual(d.pendingOps().map((op) => op.seq), [1, 2, 3, next]);
  assert.deepEqual(again, [], 'the damaged line was set aside once, not left in the log');
  d.close();
});

test('month views are kept until the state, the day or the locale changes, and come back as copies', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock);
  const first = c.calendarCells();
  const today = (cells) => cells.find((cell) => cell.className.includes('zl-today')).className;
  assert.match(today(first), /today-pending/);
  first[0].text = 'changed by the page';
  assert.notEqual(c.calendarCells()[0].text, 'changed by the page', 'a copy each time');
  assert.deepEqual(c.calendarCells(), c.calendarCells());
  const svg = c.calendarSVG();
  assert.equal(c.calendarSVG(), svg);
  c.checkIn();
  assert.match(today(c.calendarCells()), /today-done/, 'an action empties the cache');
  assert.notEqual(c.calendarSVG(), svg);
  clock.t += DAY;
  assert.match(today(c.calendarCells()), /today-pending/, 'a new business day is a new view');
  const zh = JSON.stringify(c.calendar());
  c.locale = c.locale === 'en' ? 'zh-CN' : 'en';
  assert.notEqual(JSON.stringify(c.calendar()), zh, 'another locale is another view');
  c.close();
  assert.throws(() => c.calendarCells(), (e) => e.code === 'CLIENT_CLOSED');
});

test('an edited meta with impossible numbers still opens, and keeps the ops', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const a = await client(storage, clock);
  a.checkIn();
  const device = a.deviceId;
  a.close();
  storage.setItem('zailai:local:meta', JSON.stringify({ v: 1, device, seq: -5, joinedAt: 1e300, user: 'local', clockOffset: 0 }));
  const { c } = await storedClient(storage, clock);
  assert.deepEqual(c.pendingOps().map((op) => [op.device, op.seq]), [[device, 1]]);
  clock.t += DAY;
  c.checkIn();
  assert.deepEqual(c.pendingOps().map((op) => op.seq), [1, 2], 'the seq continues from the ops');
});

test('an unknown pending-op format is kept aside, not destroyed', async () => {
  const storage = zailai.memoryStorage();
  storage.setItem('zailai:local:pending', 'zailai-ops/9\n{"future":true}');
  const { c, errors } = await storedClient(storage, { t: NOV1 });
  assert.deepEqual(errors.map((e) => e.code), ['STORAGE_VERSION_UNSUPPORTED']);
  assert.deepEqual(c.pendingOps(), []);
  const kept = storage.keys().find((k) => k.startsWith('zailai:local:quarantine:pending:'));
  assert.equal(storage.getItem(kept), 'zailai-ops/9\n{"future":true}');
});

test('a full store is reported, the op is kept in memory and written by flush()', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage({ quotaBytes: 2500 });
  const { c, errors } = await storedClient(storage, clock);
  c.checkIn();
  for (let i = 0; i < 200 && errors.length === 0; i++) c.track('core_action');
  assert.equal(errors[0].code, 'STORAGE_FULL');
  const inMemory = c.pendingOps().length;
  assert.ok(inMemory > storedPending((k) => storage.getItem(k), 'zailai:local:').split('\n').length - 1, 'the store lags behind memory');
  assert.equal(c.flush(), false);
  storage.setQuota(Infinity); // the page freed space
  assert.equal(c.flush(), true);
  const state = c.stateJSON();
  c.close();
  const restarted = await client(storage, clock);
  assert.equal(restarted.pendingOps().length, inMemory, 'no op was lost');
  assert.equal(restarted.stateJSON(), state);
});

test('a throwing listener does not break the client', async () => {
  const clock = { t: NOV1 };
  const { c, errors } = await storedClient(zailai.memoryStorage(), clock);
  c.on('change', () => {
    throw new Error('page bug');
  });
  c.checkIn();
  assert.equal(errors[0].code, 'LISTENER_FAILED');
  assert.equal(c.pendingOps().length, 1);
});

test('wx storage splits values over 1 MB keys and reads them back', () => {
  const store = new Map();
  const wx = {
    getStorageSync: (k) => (store.has(k) ? store.get(k) : ''),
    setStorageSync(k, v) {
      if (Buffer.byteLength(JSON.stringify(v)) > 1024 * 1024) throw { errMsg: 'setStorageSync:fail exceed storage item max length' };
      store.set(k, v);
    },
    removeStorageSync: (k) => store.delete(k),
  };
  const s = zailai.wxStorage(wx);
  const big = '签'.repeat(700_000); // 2.1 MB of UTF-8
  s.setItem('zailai:x', big);
  assert.equal(s.getItem('zailai:x'), big);
  assert.ok(store.size >= 3);
  s.setItem('zailai:x', 'small');
  assert.equal(s.getItem('zailai:x'), 'small');
  assert.deepEqual([...store.keys()], ['zailai:x'], 'old chunks are removed');
  assert.equal(s.getItem('zailai:missing'), null);
});

test('wx storage reads a key before writing it only the first time: a tap costs one native write', () => {
  const store = new Map();
  const reads = [];
  const wx = {
    getStorageSync: (k) => (reads.push(k), store.has(k) ? store.get(k) : ''),
    setStorageSync: (k, v) => void store.set(k, v),
    removeStorageSync: (k) => store.delete(k),
  };
  // A long value left by an earlier launch: its chunks are found and removed at the first write.
  zailai.wxStorage(wx).setItem('zailai:x', 'x'.repeat(600_000));
  assert.ok(store.has('zailai:x#2'));
  const s = zailai.wxStorage(wx);
  reads.length = 0;
  s.setItem('zailai:x', 'short');
  assert.deepEqual([...store.keys()], ['zailai:x']);
  s.setItem('zailai:x', 'again');
  s.setItem('zailai:y', 'new');
  s.setItem('zailai:y', 'newer');
  assert.deepEqual(reads, ['zailai:x', 'zailai:y'], 'each key read once');
  s.setItem('zailai:y', 'y'.repeat(600_000));
  s.setItem('zailai:y', 'short');
  assert.deepEqual([...store.keys()].sort(), ['zailai:x', 'zailai:y'], 'chunks this adapter wrote are removed');
  s.removeItem('zailai:x');
  assert.equal(s.getItem('zailai:x'), null);
});

test('the share poster: draw commands replayed on a 2D context, scaled by the pixel ratio', async () => {
  const clock = { t: NOV1 };
  const c = await client(zailai.memoryStorage(), clock);
  c.checkIn();
  const commands = c.posterCommands();
  assert.deepEqual(commands[0], ['fill', '#ffffff']);
  const calls = [];
  const ctx = new Proxy({}, {
    get: (target, name) => (name in target ? target[name] : (...args) => calls.push([name, ...args])),
    set: (target, name, value) => (calls.push([`${String(name)}=`, value]), true),
  });
  const canvas = { width: 0, height: 0, getContext: (kind) => (assert.equal(kind, '2d'), ctx) };
  zailai.drawOnCanvas(canvas, commands, { pixelRatio: 3 });
  assert.deepEqual([canvas.width, canvas.height], [375 * 3, 640 * 3]);
  assert.deepEqual(calls[1], ['scale', 3, 3]);
  const texts = calls.filter((k) => k[0] === 'fillText').map((k) => k[1]);
  assert.ok(texts.includes('连续签到 1 天') && texts.includes('积分 5') && texts.includes('普通会员'), texts.join('|'));
  assert.equal(calls.filter((k) => k[0] === 'arcTo').length % 4, 0, 'rounded rects as four arcs');
  assert.throws(() => zailai.drawCommands(ctx, [['explode']]), /unknown draw command explode/);
});

test('promptToShow: the most important prompt, at most one a day, each kind not too often', async () => {
  const clock = { t: NOV1 };
  const storage = zailai.memoryStorage();
  const c = await client(storage, clock);
  c.checkIn();
  clock.t += DAY; // 2 Nov, not checked in yet: the streak is at risk
  assert.deepEqual(c.prompts().map((p) => p.kind), ['streak_at_risk']);
  assert.equal(c.promptToShow().kind, 'streak_at_risk');
  assert.equal(c.promptToShow(), null, 'one a day');
  // A restart the same day remembers it.
  c.close();
  const again = await client(storage, clock);
  assert.equal(again.promptToShow(), null);
  again.checkIn();
  clock.t += 2 * DAY; // 4 Nov: missed the 3rd, nothing at risk; no prompt
  assert.equal(again.promptToShow(), null);
  again.checkIn();
  clock.t += DAY; // 5 Nov: at risk again, shown again (a day has passed)
  assert.equal(again.promptToShow().kind, 'streak_at_risk');
  // Caps are the app's: two a day, streak reminders every 3 days.
  const capped = await client(zailai.memoryStorage(), clock, { promptCaps: { perDay: 2, minDaysBetween: { streak_at_risk: 3 } } });
  capped.checkIn();
  clock.t += DAY;
  assert.equal(capped.promptToShow().kind, 'streak_at_risk');
  capped.checkIn();
  clock.t += DAY;
  assert.equal(capped.promptToShow(), null, 'within 3 days of the last reminder');
});

test('errors speak JS: the argument by its name and real range, `path` set, the code never repeated in the message', async () => {
  const clock = { t: Date.UTC(2026, 10, 3, 1) };
  const c = await createClient({ storage: memoryStorage(), now: () => clock.t });
  const caught = (f) => {
    try {
      f();
    } catch (e) {
      assert.ok(isZailaiError(e) && e instanceof ZailaiError, String(e));
      assert.ok(!e.message.includes(e.code), `${e.code} repeated in: ${e.message}`);
      return { code: e.code, path: e.path, message: e.message };
    }
    assert.fail('no error');
  };
  assert.deepEqual(caught(() => c.track('open', 1001)), { code: 'BAD_AMOUNT', path: 'count', message: 'count: must be a whole number from 1 to 1000' });
  assert.deepEqual(caught(() => c.track('open', 2 ** 40)), { code: 'BAD_AMOUNT', path: 'count', message: 'count: must be a whole number from 1 to 1000' });
  assert.deepEqual(caught(() => c.session(0)), { code: 'BAD_AMOUNT', path: 'minutes', message: 'minutes: must be a whole number from 1 to 1440' });
  assert.equal(c.session(1440).length > 0, true, 'the top of the range is accepted, as the core accepts it');
  assert.deepEqual(caught(() => c.makeUp(20261101)), { code: 'OP_INVALID', path: 'date', message: 'date: must be a string' });
  // Errors the core raises about an op field name the JS argument too.
  const bad = caught(() => c.makeUp('2026-13-01'));
  assert.deepEqual([bad.code, bad.path], ['OP_INVALID', 'date']);
  assert.match(bad.message, /^date: `2026-13-01` is not a date/);
  assert.deepEqual(caught(() => c.track('', 1)).path, 'action');
  // A rule's refusal names the argument it is about.
  assert.deepEqual([caught(() => c.makeUp('2026-11-09')).path, caught(() => c.claimTask('nope')).path, caught(() => c.draw('nope')).path], ['date', 'task', 'lottery']);
  assert.equal(caught(() => c.checkIn() && c.checkIn()).path, undefined, 'nothing to point at');
  // The core's own range wording, where the JS layer does not check first.
  const { Rules, Member } = await load();
  const rules = Rules.seed();
  const m = Member.join(rules, 'u', clock.t);
  const core = caught(() => m.apply(rules, { device: 'd', seq: 1, at: clock.t, op: { type: 'session', minutes: 5000 } }));
  assert.deepEqual(core, { code: 'BAD_AMOUNT', path: undefined, message: 'minutes must be a whole number from 1 to 1440' });
  // Member.apply is applyJSON with the host's JSON around it (js/src/bindings.js): an op as
  // an object or as text, events as objects, anything else BAD_ARGUMENT.
  const op = { device: 'd', seq: 1, at: clock.t, op: { type: 'check_in' } };
  const copy = m.copy();
  assert.deepEqual(m.apply(rules, op), JSON.parse(copy.applyJSON(rules, JSON.stringify(op))));
  assert.equal(m.apply(rules, JSON.stringify({ ...op, seq: 2, op: { type: 'track', action: 'share', count: 1 } })).at(-1).type, 'points_credited');
  for (const bad of [3, null, undefined]) assert.equal(caught(() => m.apply(rules, bad)).code, 'BAD_ARGUMENT');
  const cyclic = { ...op };
  cyclic.self = cyclic;
  assert.equal(caught(() => m.apply(rules, cyclic)).code, 'BAD_ARGUMENT');
  copy.free();
  m.free();
});

test("WeChat's locale codes: zh_CN and en_US give whole-language views; an unknown one falls back with a warning", async () => {
  const views = async (locale, extra = {}) => {
    const c = await createClient({ storage: memoryStorage(), locale, now: () => NOV1, ...extra });
    const warnings = [];
    c.on('warning', (w) => warnings.push(w)); // delivered even when raised before anyone listened
    c.checkIn();
    const t = c.tierProgress();
    return { streak: c.calendar().streakLabel, tier: t.tier.name, label: t.label, task: c.tasks()[0].title, warnings: warnings.map((w) => w.code), shown: c.rules.locale(locale) };
  };
  const zh = await views('zh_CN');
  assert.deepEqual([zh.streak, zh.tier, zh.shown, zh.warnings], ['连续签到 1 天', '普通会员', 'zh-CN', []]);
  assert.match(zh.label + zh.task, /^[^A-Za-z]*[\u4e00-\u9fff]/, 'labels and names alike in Chinese');
  const en = await views('en_US');
  assert.deepEqual([en.streak, en.tier, en.shown, en.warnings], ['1-day streak', 'Regular', 'en', []]);
  assert.doesNotMatch(en.label + en.task, /[\u4e00-\u9fff]/, 'labels and names alike in English');
  const fr = await views('fr', { debug: true });
  assert.deepEqual([fr.streak, fr.shown, fr.warnings], [zh.streak, 'zh-CN', ['LOCALE_FALLBACK']]);
  // The same storage and user again with another locale: the first client stands, and says so.
  const storage = memoryStorage();
  const first = await createClient({ storage, locale: 'en' });
  const seen = [];
  first.on('warning', (w) => seen.push(w));
  assert.equal(await createClient({ storage, locale: 'zh_CN' }), first);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen.map((w) => w.code), ['OPTIONS_IGNORED']);
  assert.match(seen[0].message, /locale/);
});

test('calendar().todayStatus says whether today is checked in, without parsing class names', async () => {
  const clock = { t: NOV1 + 4 * DAY };
  const c = await createClient({ storage: memoryStorage(), now: () => clock.t });
  assert.equal(c.calendar().todayStatus, 'pending');
  c.checkIn();
  assert.equal(c.calendar().todayStatus, 'done');
  assert.equal(c.calendar(2026, 10).todayStatus, null, 'today is not in October');
  clock.t += DAY;
  assert.equal(c.calendar().todayStatus, 'pending', 'a new business day');
});

test('createClient again with the same options built anew (inline objects, clocks) warns of nothing', async () => {
  const storage = memoryStorage();
  const options = () => ({ storage, user: 'u', locale: 'zh_CN', now: () => Date.now(), server: { url: 'http://127.0.0.1:9', transport: zailai.fetchTransport(), credentials: () => ({}) } });
  const first = await createClient(options());
  const seen = [];
  first.on('warning', (w) => seen.push(w.code));
  assert.equal(await createClient(options()), first);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, []);
  assert.equal(await createClient({ ...options(), server: { ...options().server, url: 'http://127.0.0.1:10' } }), first);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['OPTIONS_IGNORED'], 'another server is worth saying');
});
