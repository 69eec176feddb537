// The pending log in storage (js/src/pending-log.js, issue 29): an action writes a bounded
// number of characters however long the log, an interrupted write at any point loses no op
// that was stored and doubles none, and stores of earlier builds open and move to the layout.
const test = require('node:test');
const assert = require('node:assert/strict');
const { pkg } = require('./helpers.js');
const { storedPending } = require('./mp/scenarios.js');
const zailai = require(pkg);

const NOV1 = Date.UTC(2026, 10, 1, 1, 0);
const MINUTE = 60_000;

/** A store over `data` (a Map) that counts what is written, and can die at its n-th write:
 * that write throws and nothing after it reaches `data` (the app was killed). */
function store(data = new Map(), dieAt = Infinity) {
  const s = { data, writes: 0, chars: 0, dead: false };
  s.adapter = {
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem(k, v) {
      if (s.dead) throw new Error('dead');
      if (++s.writes >= dieAt) {
        s.dead = true;
        throw new Error('killed');
      }
      s.chars += v.length;
      data.set(k, v);
    },
    removeItem(k) {
      if (!s.dead) data.delete(k);
    },
  };
  return s;
}

const open = (s, clock) => zailai.createClient({ storage: s.adapter, user: 'u', now: () => clock.t, deviceId: () => 'dev-1' });

test('an action writes a bounded number of characters however long the log; in all, about what the log holds', async () => {
  const s = store();
  const clock = { t: NOV1 };
  const c = await open(s, clock);
  const perAction = [];
  for (let i = 0; i < 1500; i++) {
    clock.t += MINUTE;
    const before = s.chars;
    c.track('core_action');
    perAction.push(s.chars - before);
  }
  const log = storedPending((k) => s.adapter.getItem(k), 'zailai:u:');
  assert.equal(log.split('\n').length - 1, 1500, 'every op stored');
  // Whole rewrites happen, rarely (the base at least doubles each time); any other action
  // writes one part of at most 16 lines (about 40 characters each) and the meta.
  const big = perAction.filter((n) => n > 1000);
  assert.ok(big.length >= 1 && big.length <= 10, `${big.length} whole rewrites`);
  assert.ok(perAction.filter((n) => n <= 1000).length >= 1490);
  // Written in all: linear in the log (half a part an action), where rewriting the whole log
  // at each action wrote it about 750 times over here.
  assert.ok(s.chars < 20 * log.length, `${s.chars} characters written for a log of ${log.length}`);
  // An open reads it back whole.
  c.close();
  const again = await open(s, clock);
  assert.equal(again.pendingOps().length, 1500);
  again.close();
});

test('the app killed at any write of any action (parts, a whole rewrite, the pointer, the meta) loses no stored op and doubles none', async () => {
  // The writes of 140 actions: parts fill and a whole rewrite (a compaction) happens.
  const counted = store();
  const clock0 = { t: NOV1 };
  const c0 = await open(counted, clock0);
  const writesAfter = [counted.writes];
  for (let i = 0; i < 140; i++) {
    clock0.t += MINUTE;
    c0.track('core_action');
    writesAfter.push(counted.writes);
  }
  c0.close();
  for (let dieAt = writesAfter[0] + 1; dieAt <= writesAfter[140]; dieAt++) {
    const s = store(new Map(), dieAt);
    const clock = { t: NOV1 };
    const c = await open(s, clock);
    let acted = 0;
    for (let i = 0; i < 140 && !s.dead; i++) {
      clock.t += MINUTE;
      c.track('core_action');
      if (!s.dead) acted = i + 1; // stored whole before the next action
    }
    const reopened = await open(store(new Map(s.data)), clock);
    const seqs = reopened.pendingOps().map((op) => op.seq);
    // Every op stored, in order, none twice; the op being written may or may not be there.
    assert.ok(seqs.length === acted || seqs.length === acted + 1, `killed at write ${dieAt}: ${seqs.length} ops after ${acted} stored`);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `killed at write ${dieAt}`);
    reopened.close();
  }
});

test('stores of earlier builds (the whole log under `pending`) open as they were and move to the layout; a pointer overwritten by an earlier build leaves no stale part behind', async () => {
  const s = store();
  const clock = { t: NOV1 };
  const c = await open(s, clock);
  for (let i = 0; i < 40; i++) (clock.t += MINUTE), c.track('core_action');
  c.close();
  const whole = storedPending((k) => s.adapter.getItem(k), 'zailai:u:');
  assert.match(s.data.get('zailai:u:pending'), /^zailai-log:\d+$/);
  assert.ok([...s.data.keys()].some((k) => /^zailai:u:pending@\d+\.1$/.test(k)), 'appended in parts');
  // An earlier build (a rollback) writes the whole log under `pending` over the pointer,
  // with two more ops, and leaves the parts of this layout behind.
  const earlier = new Map(s.data);
  const lines = whole.split('\n');
  const next = store(earlier);
  const older = await open(next, clock); // only to make two more op lines, as that build would
  older.track('share');
  older.track('review');
  older.close();
  const twoMore = storedPending((k) => earlier.get(k), 'zailai:u:').split('\n').slice(-2);
  const legacy = new Map([...s.data].filter(([k]) => k !== 'zailai:u:pending'));
  legacy.set('zailai:u:pending', [...lines, ...twoMore].join('\n'));
  const m = store(legacy);
  const migrated = await open(m, clock);
  assert.equal(migrated.pendingOps().length, 42, 'every op once');
  assert.match(legacy.get('zailai:u:pending'), /^zailai-log:\d+$/, 'moved to the layout at open');
  migrated.track('core_action');
  migrated.close();
  const reopened = await open(store(legacy), clock);
  assert.deepEqual(reopened.pendingOps().map((op) => op.seq), Array.from({ length: 43 }, (_, i) => i + 1));
  reopened.close();
});
