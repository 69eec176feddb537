// Attacker tests for issue 25, holds: a member who dates ops ahead to end a merchant's hold
// early, against the real `zailai serve` (ZAILAI_BIN or target/debug/zailai), with only what a
// member has (a session and POST /v1/sync) and the shop's merchant calls.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, call, pusher } = require('./server-helpers.js');

const now = () => Date.now();
const op = (seq, body, at = now()) => ({ device: 'p', seq, at, op: body });

// A registered device (POST /v1/device; a build from before registrations takes any id).
async function member(url, user) {
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
  const send = pusher(url, { formats: [5, 4, 3, 2] });
  const push = (ops) => send(token, 'p', ops);
  await push([]); // registers the device before any op is dated
  return { push };
}

test('a push dated minutes ahead no longer ends a merchant hold early: the held points stay held and the order gets them', async (t) => {
  const { url, child, merchant } = await startServer(['--dev']);
  t.after(() => child.kill());
  const m = await member(url, 'm-hold');
  // A day's worth of points (the daily cap, 100).
  const earned = await m.push([
    op(1, { type: 'check_in' }),
    op(2, { type: 'track', action: 'open' }),
    op(3, { type: 'track', action: 'share' }),
    op(4, { type: 'track', action: 'review', count: 3 }),
  ]);
  assert.equal(earned.status, 200);
  assert.deepEqual(earned.json.rejected, []);
  const shop = (path, body) => call(url, `/v1/merchant/${path}`, { method: 'POST', token: merchant, body });
  // Checkout: the shop holds all 100 points for 60 s while the buyer pays.
  const held = await shop('holds', { user: 'm-hold', order: 'H-1', points: 100, hold_seconds: 60 });
  assert.equal(held.status, 200, JSON.stringify(held.json));
  assert.equal(held.json.balance, 0);
  // The buyer's phone dates its ops 299 s ahead (within the server's 5-minute skew), past the
  // hold's end, and tries to spend the held points on coupons.
  const ahead = now() + 299_000;
  const spend = await m.push([
    op(5, { type: 'redeem', item: 'coupon_5_yuan' }, ahead),
    op(6, { type: 'redeem', item: 'coupon_5_yuan' }, ahead),
  ]);
  assert.equal(spend.status, 200);
  assert.deepEqual(spend.json.rejected.map((r) => r.code), ['INSUFFICIENT_POINTS', 'INSUFFICIENT_POINTS'], 'the held points are not the phone\'s to spend');
  // The payment notification: the order takes its held points.
  const paid = await shop('orders', { user: 'm-hold', order: 'H-1', amount_cents: 2000, points: 100 });
  assert.equal(paid.status, 200, JSON.stringify(paid.json));
  assert.ok(paid.json.events.some((e) => e.type === 'order_placed' && e.points === 100));
  assert.ok(!paid.json.events.some((e) => e.type === 'hold_released'));
});
