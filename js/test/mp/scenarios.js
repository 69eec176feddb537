// Mini-program scenarios run on both engines WeChat uses: V8 (Android; ../miniprogram.test.js
// in a Node vm context) and JavaScriptCore without JIT (iOS; ../jsc.test.js drives `jsc
// --useJIT=false`). Engine-neutral on purpose: no Node modules, no Buffer; everything comes
// from `env`:
// - env.assert: equal, deepEqual, ok, match, throws(fn, predicate), rejects(promise, predicate)
// - env.open(backend) → Promise<{ zailai, rt }>: a fresh runtime (a relaunch) over a wx
//   storage backend, with the package required as a page does
// - env.newBackend(entries?) → a wx storage backend (with WeChat's quotas)

const at = (day, hour = 9) => Date.UTC(2026, 10, day, hour - 8, 0); // November 2026, UTC+8
// Values made inside a runtime may have its own Array prototype: compare plain copies.
const plain = (v) => JSON.parse(JSON.stringify(v));
const USER = '会员🎉一号';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function fromBase64(s) {
  const clean = s.replace(/=+$/, '');
  const out = [];
  let acc = 0;
  let bits = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new Error(`not base64: ${ch}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return out;
}
function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    s += B64[n >> 18] + B64[(n >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    s += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return s;
}
function utf8(s) {
  const out = [];
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** An offline week: check-ins, a make-up, tasks, a relaunch in the middle, views, the poster. */
async function offlineWeek({ assert, open, newBackend }) {
  const backend = newBackend();
  const clock = { t: at(1) };
  const start = async () => {
    const { zailai, rt } = await open(backend);
    // A user id with CJK and an emoji: strings cross into wasm through the injected UTF-8
    // encoder (this runtime has no TextEncoder) and come back through the decoder.
    const client = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: USER, now: () => clock.t });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    return { client, errors, zailai, rt };
  };
  let { client, errors } = await start();
  const rewards = [];
  client.on('reward', (r) => rewards.push(...r.events));
  for (const day of [1, 2, 3]) {
    clock.t = at(day);
    client.track('open');
    client.checkIn();
    client.track('query');
  }
  client.track('core_action'); // newbie task: 20 points + a coupon
  assert.ok(rewards.some((e) => e.type === 'coupon_granted' && e.coupon === 'newbie_5_yuan'));
  assert.equal(client.calendar().streak, 3);

  // Relaunch: a new runtime reads the same wx storage (the phone was rebooted).
  let zailai;
  let rt;
  ({ client, errors, zailai, rt } = await start());
  assert.equal(client.summary().streak, 3);
  clock.t = at(5); // the 4th was missed
  client.track('open');
  client.checkIn();
  assert.throws(() => client.checkIn(), (e) => e.code === 'ALREADY_CHECKED_IN');
  client.makeUp('2026-11-04');
  clock.t = at(6);
  client.checkIn();
  clock.t = at(7);
  const events = client.checkIn();
  assert.deepEqual(plain(events.map((e) => e.type)), ['checked_in', 'points_credited', 'streak_milestone', 'points_credited', 'coupon_granted']);

  const cal = client.calendar();
  const status = Object.fromEntries(cal.weeks.flat().filter((d) => d.status !== 'outside_month').map((d) => [d.day, d.status]));
  assert.deepEqual(plain([1, 2, 3, 4, 5, 6, 7, 8].map((d) => status[d])), ['checked', 'checked', 'checked', 'made_up', 'checked', 'checked', 'today_done', 'future']);
  assert.equal(cal.streak, 7);
  assert.equal(cal.streakLabel, '连续签到 7 天');
  // 3 opens (10) + 5 check-ins (5) + milestones (10 + 30) + 3 daily tasks (10) + newbie (15 + 20) + open (10) − make-up (10)
  assert.equal(client.pointsSummary().balance, 30 + 30 + 40 + 30 + 35 + 10 - 10);
  const tasks = Object.fromEntries(client.tasks().map((t) => [t.id, t.status]));
  assert.equal(tasks.newbie_core, 'done');
  assert.equal(tasks.daily_query, 'in_progress');
  assert.match(client.tierProgress().label, /^距离白银会员还差/);
  assert.deepEqual(errors, []);
  assert.equal(client.summary().user, USER);
  assert.ok([...backend.data.keys()].every((k) => k.startsWith('zailai:')), 'only keys under zailai:');
  // Pictures for <image src>: built without btoa or TextEncoder, which this runtime lacks.
  const svg = client.calendarSVG();
  assert.deepEqual(fromBase64(zailai.svgDataUri(svg).split(',')[1]), utf8(svg));
  assert.ok(svg.includes('连续签到 7 天'));
  assert.equal(plain(client.calendarCells()).find((c) => c.date === '2026-11-04').bottomInfo, '已补签');
  // The share poster on a <canvas type="2d"> found with SelectorQuery, at the pixel ratio.
  const texts = [];
  const ctx = new Proxy({}, { get: (_, name) => (name === 'fillText' ? (t) => texts.push(t) : () => {}), set: () => true });
  const node = { width: 0, height: 0, getContext: () => ctx };
  rt.canvases.set('#poster', node);
  await zailai.drawPoster({}, '#poster', client, {}, rt.wx);
  assert.deepEqual([node.width, node.height], [750, 1280]);
  assert.ok(texts.includes('连续签到 7 天'));
  await assert.rejects(zailai.drawPoster({}, '#nothing', client, {}, rt.wx), (e) => e.code === 'BAD_ARGUMENT');
}

/**
 * Two pages that each create a client on the same wx storage get one client: page A checks in,
 * page B tracks an action, and after a relaunch both ops are there and the check-in cannot be
 * made twice. A storage adapter without getItem/setItem is refused.
 */
async function twoPages({ assert, open, newBackend }) {
  const backend = newBackend();
  const now = () => at(3);
  const { zailai, rt } = await open(backend);
  const pageA = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: USER, now });
  const pageB = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: USER, now });
  assert.ok(pageA === pageB, 'one client per storage and user');
  const other = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: 'someone-else', now });
  assert.ok(other !== pageA, 'another user has their own');
  pageA.checkIn();
  pageB.track('share');
  const { zailai: z2, rt: rt2 } = await open(backend); // a relaunch
  const again = await z2.createClient({ storage: z2.wxStorage(rt2.wx), user: USER, now });
  assert.deepEqual(plain(again.pendingOps().map((op) => op.op.type)), ['check_in', 'track']);
  assert.throws(() => again.checkIn(), (e) => e.code === 'ALREADY_CHECKED_IN');
  await assert.rejects(z2.createClient({ storage: { getItem: () => null }, user: USER }), (e) => e.code === 'BAD_ARGUMENT' && /setItem/.test(e.message));
  await assert.rejects(z2.createClient({ storage: undefined }), (e) => e.code === 'BAD_ARGUMENT');
  // close() lets go: the next createClient reads storage again, the closed one refuses work.
  assert.equal(again.close(), true);
  assert.throws(() => again.track('open'), (e) => e.code === 'CLIENT_CLOSED');
  const reopened = await z2.createClient({ storage: z2.wxStorage(rt2.wx), user: USER, now });
  assert.ok(reopened !== again);
  assert.equal(reopened.pendingOps().length, 2);
}

/**
 * The local checkpoint (js/src/checkpoint.js) on a relaunch: a member who never synced, some
 * 250 ops pending, written after the action that passed the threshold; the relaunch from it
 * is the member a full replay gives (state, pending ops, sequence), and a damaged one is
 * ignored with nothing reported. Within wx storage's quotas.
 */
async function localCheckpoint({ assert, open, newBackend }) {
  const backend = newBackend();
  const clock = { t: at(1) };
  const prefix = `zailai:${encodeURIComponent(USER)}:`;
  const launch = async (b) => {
    const { zailai, rt } = await open(b);
    const client = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: USER, now: () => clock.t });
    const errors = [];
    client.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    return { client, errors, member: () => plain({ state: JSON.parse(client._member.stateJSON()), pending: client.pendingOps(), seq: client._member.seq, device: client.deviceId }) };
  };
  const first = await launch(backend);
  for (let day = 1; day <= 28; day++) {
    clock.t = at(day);
    first.client.checkIn();
    for (let i = 0; i < 8; i++) first.client.track('share');
  }
  await new Promise((resolve) => setTimeout(resolve, 0)); // the page has painted
  const stored = backend.data.get(`${prefix}checkpoint`);
  assert.ok(typeof stored === 'string' && stored.length > 1000, 'a checkpoint written');
  first.client.track('query'); // an op after it
  const before = first.member();
  first.client.close();

  const fromCheckpoint = await launch(backend);
  assert.equal(fromCheckpoint.client._member.checkpointCovered, before.pending.length - 1);
  const copy = (edit) => {
    const b = newBackend(Object.fromEntries(backend.data));
    edit(b.data);
    return b;
  };
  const full = await launch(copy((d) => d.delete(`${prefix}checkpoint`)));
  assert.equal(full.client._member.checkpointCovered, 0);
  assert.deepEqual(fromCheckpoint.member(), before);
  assert.deepEqual(full.member(), before);
  assert.deepEqual(plain(fromCheckpoint.errors), []);
  const record = JSON.parse(stored);
  const i = record.state.length >> 1;
  record.state = record.state.slice(0, i) + (record.state[i] === 'A' ? 'B' : 'A') + record.state.slice(i + 1);
  const damaged = await launch(copy((d) => d.set(`${prefix}checkpoint`, JSON.stringify(record))));
  assert.equal(damaged.client._member.checkpointCovered, 0);
  assert.deepEqual(damaged.member(), before);
  assert.deepEqual(plain(damaged.errors), [], 'nothing reported');
}

/** SplitMix32-style numbers in [0, 1), so a failing fault is named by its index and replays. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

/**
 * Corrupted storage on a relaunch, from a real member's storage (`fixture`: {user, keys,
 * entries}, made by a sync with the real server and one op left pending): flipped and cut
 * snapshot bytes, an unknown format version, a key nobody trusts, unreadable meta and pending
 * lines. Each is reported with its code and set aside under quarantine:, the pending op
 * survives, and the member can act and relaunch again.
 */
/**
 * The whole pending log as stored (js/src/pending-log.js, read here on its own): `pending`
 * names a generation (`zailai-log:G`) whose base `pending@G` and parts `pending@G.0`, … hold
 * it; a store of an earlier build holds it under `pending` itself. `get(key)`: text or
 * null/undefined/''.
 */
function storedPending(get, prefix) {
  const head = get(`${prefix}pending`);
  const m = /^zailai-log:(\d+)$/.exec(head || '');
  if (!m) return head;
  let text = get(`${prefix}pending@${m[1]}`);
  for (let i = 0; get(`${prefix}pending@${m[1]}.${i}`); i++) text += get(`${prefix}pending@${m[1]}.${i}`);
  return text;
}

async function corruptedStorage({ assert, open, newBackend }, fixture) {
  const { user, keys, entries } = fixture;
  const prefix = `zailai:${encodeURIComponent(user)}:`;
  const good = fromBase64(entries[`${prefix}snapshot`]);
  const pendingText = storedPending((k) => entries[k], prefix);
  const [header, pendingLine] = pendingText.split('\n');
  const rnd = rng(13);
  const faults = [];
  const snapshotFault = (name, text, code) => faults.push({ name, key: 'snapshot', text, code, pending: 1 });
  for (let i = 0; i < 12; i++) {
    const bytes = good.slice();
    const pos = Math.floor(rnd() * bytes.length);
    bytes[pos] ^= 1 + Math.floor(rnd() * 255);
    snapshotFault(`snapshot byte ${pos} flipped`, toBase64(bytes), /^SNAPSHOT_/);
  }
  for (let i = 0; i < 4; i++) {
    const cut = Math.floor(rnd() * good.length);
    snapshotFault(`snapshot cut to ${cut} bytes`, toBase64(good.slice(0, cut)), /^SNAPSHOT_/);
  }
  const v9 = good.slice();
  v9[4] = 9;
  snapshotFault('snapshot format 9', toBase64(v9), /^SNAPSHOT_VERSION_UNSUPPORTED$/);
  const idLen = good[5];
  const renamed = [...good.slice(0, 5), 4, ...utf8('evil'), ...good.slice(6 + idLen)];
  snapshotFault('snapshot under a key nobody trusts', toBase64(renamed), /^SNAPSHOT_UNKNOWN_KEY$/);
  snapshotFault('snapshot not base64', '%%%', /^SNAPSHOT_MALFORMED$/);
  faults.push({ name: 'meta not JSON', key: 'meta', text: '{"v":1,', code: /^STORAGE_CORRUPT$/, pending: 1 });
  faults.push({ name: 'meta of a future format', key: 'meta', text: '{"v":99}', code: /^STORAGE_VERSION_UNSUPPORTED$/, pending: 1 });
  faults.push({ name: 'a pending line cut short', key: 'pending', text: `${header}\n${pendingLine.slice(0, 20)}`, code: /^STORAGE_CORRUPT$/, pending: 0 });
  faults.push({ name: 'pending ops of a future format', key: 'pending', text: `zailai-ops/9\n${pendingLine}`, code: /^STORAGE_VERSION_UNSUPPORTED$/, pending: 0 });

  // The intact storage first: it opens clean, with the snapshot verified by the pinned keys.
  const { zailai: z0, rt: rt0 } = await open(newBackend(entries));
  const intact = await z0.createClient({ storage: z0.wxStorage(rt0.wx), user, trustedKeys: keys });
  const clean = [];
  intact.on('error', (e) => clean.push(e.code));
  assert.deepEqual(clean, []);
  assert.ok(intact.serverVersion > 0, 'the stored snapshot is the base');
  assert.equal(header, 'zailai-ops/2');
  const base = intact.serverVersion;
  const pendingOp = plain(intact.pendingOps()[0]);

  // Pending ops stored by an earlier build (zailai-ops/1, JSON lines) open as they were and
  // are written again in the current format, with nothing reported and nothing lost.
  const earlier = newBackend({ ...entries, [`${prefix}pending`]: `zailai-ops/1\n${JSON.stringify(pendingOp)}` });
  const { zailai: z1, rt: rt1 } = await open(earlier);
  const migrated = await z1.createClient({ storage: z1.wxStorage(rt1.wx), user, trustedKeys: keys });
  const migrationErrors = [];
  migrated.on('error', (e) => migrationErrors.push(e.code));
  assert.deepEqual(migrationErrors, []);
  assert.deepEqual(plain(migrated.pendingOps()), [pendingOp], 'the earlier format keeps its op');
  assert.equal(storedPending((k) => earlier.data.get(k), prefix), pendingText, 'written again in the current format');
  assert.match(earlier.data.get(`${prefix}pending`), /^zailai-log:\d+$/, 'in the layout of this build');

  for (const fault of faults) {
    const backend = newBackend({ ...entries, [prefix + fault.key]: fault.text });
    const { zailai, rt } = await open(backend);
    const client = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user, trustedKeys: keys });
    const errors = [];
    client.on('error', (e) => errors.push(e.code));
    await new Promise((resolve) => setTimeout(resolve, 0)); // a signature is checked after the first paint
    assert.ok(errors.some((c) => fault.code.test(c)), `${fault.name}: reported (${errors})`);
    assert.ok([...backend.data.keys()].some((k) => k.startsWith(`${prefix}quarantine:${fault.key}`)), `${fault.name}: kept aside`);
    assert.equal(client.pendingOps().length, fault.pending, `${fault.name}: the pending op survives`);
    if (fault.key === 'meta') {
      assert.equal(client.deviceId, pendingOp.device, `${fault.name}: the device of the pending ops is kept`);
    }
    if (fault.key !== 'snapshot') assert.equal(client.serverVersion, base, `${fault.name}: the verified base stays`);
    // The member goes on: an action persists and a relaunch reads it back without new errors.
    client.track('open');
    const { zailai: z2, rt: rt2 } = await open(backend);
    const again = await z2.createClient({ storage: z2.wxStorage(rt2.wx), user, trustedKeys: keys });
    const later = [];
    again.on('error', (e) => later.push(e.code));
    assert.deepEqual(later, [], `${fault.name}: the relaunch is clean`);
    assert.equal(again.pendingOps().length, fault.pending + 1, `${fault.name}: the new op was stored`);
  }
  return faults.length;
}

module.exports = { offlineWeek, twoPages, corruptedStorage, localCheckpoint, storedPending, USER, at, plain };
