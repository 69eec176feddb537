// The local checkpoint (js/src/checkpoint.js, docs/sync.md "The local checkpoint"): an open
// from it gives the member a full replay gives (state, pending ops, device and sequence, the
// refused ops reported); a damaged, foreign or stale one is ignored without a word; a sync
// leaves nothing stale in use.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { encodeRules, pkg } = require('./helpers.js');
const { startServer } = require('./server-helpers.js');
const zailai = require(pkg);

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 1); // 2026-11-01 09:00 in China
const KEY = 'zailai:u:checkpoint';
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A plain storage adapter whose contents a test can copy and edit. */
function mapStorage(entries = []) {
  const map = new Map(entries);
  return { map, getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** Characters of the stored pending log (pending-log.js: the base and its parts). */
function logLength(storage) {
  const gen = /\d+/.exec(storage.getItem('zailai:u:pending'))[0];
  return [...storage.map].filter(([k]) => new RegExp(`^zailai:u:pending@${gen}(\\.\\d+)?$`).test(k)).reduce((n, [, v]) => n + v.length, 0);
}

/** What a test compares: the member as the client holds it. */
function member(c) {
  return { state: c._member.stateJSON(), pending: c.pendingOps(), device: c.deviceId, seq: c._member.seq };
}

async function open(storage, clock, options = {}) {
  const c = await zailai.createClient({ storage, user: 'u', now: () => clock.t, ...options });
  const errors = [];
  c.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
  return { c, errors, covered: c._member.checkpointCovered };
}

/** Days of use: a check-in a day, shares, a redeem every few days. */
function use(c, clock, days) {
  for (let d = 0; d < days; d++) {
    clock.t += DAY;
    c.checkIn();
    for (let i = 0; i < 4; i++) c.track('share');
    if (d % 5 === 4) {
      try {
        c.redeem('coupon_5_yuan');
      } catch (_) {
        // not enough points yet
      }
    }
  }
}

/** The same storage opened with the checkpoint taken away: a full replay. */
async function fullReplay(storage, clock, options) {
  const copy = mapStorage(storage.map);
  copy.map.delete(KEY);
  const full = await open(copy, clock, options);
  assert.equal(full.covered, 0);
  return full;
}

test('an offline-only member reopened from the local checkpoint is the member a full replay gives', async () => {
  const storage = mapStorage();
  const clock = { t: T0 };
  const { c } = await open(storage, clock);
  assert.equal(storage.getItem(KEY), null, 'nothing to save at a first launch');
  use(c, clock, 40); // about 200 ops: more than CHECKPOINT_AFTER characters
  assert.equal(storage.getItem(KEY), null, 'written after the current work, not inside an action');
  await tick();
  const record = JSON.parse(storage.getItem(KEY));
  assert.equal(record.v, 1);
  assert.equal(record.covered, logLength(storage), 'it covers the whole log as stored');
  const covered = c.pendingOps().length;
  use(c, clock, 3); // ops after the checkpoint
  const before = member(c);
  c.close();

  for (const [name, edit] of [
    ['as stored', () => {}],
    ['after a relaunch that wrote more', null],
  ]) {
    if (edit === null) {
      const again = await open(storage, clock);
      use(again.c, clock, 2);
      Object.assign(before, member(again.c));
      again.c.close();
    }
    const { c: opened, errors, covered: n } = await open(storage, clock);
    const full = await fullReplay(storage, clock);
    assert.equal(n, covered, `${name}: the checkpoint was used`);
    assert.deepEqual(member(opened), member(full.c), name);
    assert.deepEqual(member(opened), before, name);
    assert.deepEqual(errors, [], name);
    opened.close();
    full.c.close();
  }
});

test('ops the rules refuse at replay are reported from a checkpoint as from a full replay', async () => {
  const seed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
  const dearer = structuredClone(seed);
  dearer.catalog = dearer.catalog.map((item) => ({ ...item, cost_points: 1_000_000 }));
  const [cheap, dear] = [encodeRules(seed), encodeRules(dearer)];
  const storage = mapStorage();
  const clock = { t: T0 };
  const first = await open(storage, clock, { config: cheap });
  use(first.c, clock, 45);
  const redeemed = first.c.pendingOps().filter((op) => op.op.type === 'redeem').length;
  assert.ok(redeemed >= 2, `${redeemed} redeems`);
  await tick();
  first.c.close();

  // New rules: the stored checkpoint was made under others and is not used; the replay
  // refuses the redeems, and the checkpoint written after it keeps those refusals.
  const second = await open(storage, clock, { config: dear });
  assert.equal(second.covered, 0);
  assert.equal(second.errors.length, redeemed);
  assert.ok(second.errors.every((e) => e.startsWith('PENDING_OP_REFUSED')), second.errors[0]);
  await tick();
  use(second.c, clock, 2);
  second.c.close();

  const third = await open(storage, clock, { config: dear });
  assert.ok(third.covered > 0);
  assert.deepEqual(third.errors, second.errors, 'the same refusals, in the same order');
  const full = await fullReplay(storage, clock, { config: dear });
  assert.deepEqual(third.errors, full.errors);
  assert.deepEqual(member(third.c), member(full.c));
  third.c.close();
  full.c.close();
});

test('a damaged, foreign or stale checkpoint is ignored: a full replay, nothing reported, nothing lost', async () => {
  const storage = mapStorage();
  const clock = { t: T0 };
  const { c } = await open(storage, clock);
  use(c, clock, 40);
  await tick();
  const before = member(c);
  c.close();
  const good = storage.getItem(KEY);
  const record = JSON.parse(good);
  const at = Math.floor(record.state.length / 2);
  const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  const pendingKey = `zailai:u:pending@${/\d+/.exec(storage.getItem('zailai:u:pending'))[0]}`;
  const cases = [
    ['not JSON', (s) => s.setItem(KEY, good.slice(0, 100))],
    ['another format', (s) => s.setItem(KEY, JSON.stringify({ ...record, v: 2 }))],
    ['the state damaged', (s) => s.setItem(KEY, JSON.stringify({ ...record, state: flip(record.state, at) }))],
    ['the state cut', (s) => s.setItem(KEY, JSON.stringify({ ...record, state: record.state.slice(0, at) }))],
    ['another engine', (s) => s.setItem(KEY, JSON.stringify({ ...record, context: record.context.replace(/^\S+/, 'dev') }))],
    ['another member', (s) => s.setItem(KEY, JSON.stringify({ ...record, context: record.context.replace(' u ', ' w ') }))],
    ['the pending log edited under it', (s) => s.setItem(pendingKey, flip(s.getItem(pendingKey), 40))],
  ];
  for (const [name, edit] of cases) {
    const copy = mapStorage(storage.map);
    edit(copy);
    const opened = await open(copy, clock);
    assert.equal(opened.covered, 0, name);
    const expect = name.includes('pending log') ? opened.errors : [];
    assert.deepEqual(opened.errors, expect, `${name}: nothing reported`);
    if (!name.includes('pending log')) assert.deepEqual(member(opened.c), before, name);
    assert.equal(copy.getItem(KEY), null, `${name}: the useless copy removed`);
    await tick(); // a new one is written for the log as it is
    assert.ok(copy.getItem(KEY), name);
    opened.c.close();
    const reopened = await open(copy, clock);
    assert.ok(reopened.covered > 0, `${name}: the new one is used`);
    reopened.c.close();
  }
  // An edited pending line is another op (or none): the full replay reads what is stored.
  const edited = mapStorage(storage.map);
  edited.setItem(pendingKey, flip(edited.getItem(pendingKey), 40));
  const full = await fullReplay(edited, clock);
  const opened = await open(edited, clock);
  assert.deepEqual(member(opened.c), member(full.c));
  opened.c.close();
  full.c.close();
});

test('after a sync the checkpoint of the old base is dropped, and one put back is not used', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const storage = mapStorage();
  // Rules pinned: the same before and after the sync, so only the base tells the two apart.
  const config = encodeRules(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
  const options = { config, server: { url: server.url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'u' }), retry: { retries: 6, baseMs: 50, maxMs: 1000 } } };
  const c = await zailai.createClient({ storage, user: 'u', ...options });
  for (let i = 0; i < 240; i++) c.track('share');
  await tick();
  const stale = storage.getItem(KEY);
  assert.ok(stale, 'written before the sync');
  const staleLog = [...storage.map].filter(([k]) => k.startsWith('zailai:u:pending'));
  await c.sync();
  assert.equal(storage.getItem(KEY), null, 'the rebase made it stale: removed');
  assert.equal(c.pendingOps().length, 0);
  c.track('share');
  const before = member(c);
  c.close();
  storage.setItem(KEY, stale); // as if the removal had not reached storage
  const again = await zailai.createClient({ storage, user: 'u', ...options });
  assert.equal(again._member.checkpointCovered, 0);
  assert.deepEqual(member(again), before);
  assert.ok(again.serverVersion > 0);
  again.close();
  // Even with the very log it covered put back, it was made on another base: not used.
  for (const k of [...storage.map.keys()]) if (k.startsWith('zailai:u:pending')) storage.map.delete(k);
  for (const [k, v] of staleLog) storage.setItem(k, v);
  storage.setItem(KEY, stale);
  const third = await zailai.createClient({ storage, user: 'u', ...options });
  assert.equal(third._member.checkpointCovered, 0);
  assert.equal(third.pendingOps().length, 240, 'the ops as put back');
  assert.equal(third._member.lastSeq(third.deviceId), 240, 'the base has them all; the 241st was never stored');
  third.close();
});
