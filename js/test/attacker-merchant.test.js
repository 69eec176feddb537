// The attacker suite, merchant part (issue 25): a refunded membership that stayed gold, an
// order id paid as another member's order, audit lines that did not say whose money moved.
// Against the real `zailai serve` on 127.0.0.1 (ZAILAI_BIN for another build), as the shop's
// backend and a member's phone would call it.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, stderrLines, call, pusher } = require('./server-helpers.js');

async function server(t) {
  const s = await startServer(['--dev']);
  t.after(() => s.child.kill());
  return s;
}

// One pusher a server: each (member, device name) a device registered on first use.
const pushers = new Map();
const pushFor = (url) => pushers.get(url) || pushers.set(url, pusher(url, { formats: [5, 4, 3] })).get(url);

async function member(url, user) {
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
  // A first sync makes the member; a check-in and an open earn a few points to hold.
  // From a device registered on this push (a build from before registrations takes any id),
  // so its ops are dated a second ahead.
  const ops = [{ type: 'check_in' }, { type: 'track', action: 'open' }].map((op, i) => ({ device: 'p', seq: i + 1, at: Date.now() + 1000, op }));
  const reply = await pushFor(url)(token, 'p', ops);
  assert.equal(reply.status, 200);
  return token;
}

const merchant = (srv, path, body) => call(srv.url, `/v1/merchant/${path}`, { method: 'POST', token: srv.merchant, body });
const admin = async (srv, user) => (await call(srv.url, `/v1/admin/members/${user}`, { token: srv.admin })).json;

test('a refunded yearly plan no longer stays gold for 12 months: the merchant revokes it and the tier drops at once', async (t) => {
  const srv = await server(t);
  const token = await member(srv.url, 'm-refunded');
  assert.equal((await merchant(srv, 'memberships', { user: 'm-refunded', purchase: 'P-1', plan: 'yearly' })).status, 200);
  assert.equal((await admin(srv, 'm-refunded')).summary.tier, 'gold');

  const revoke = { user: 'm-refunded', purchase: 'P-1', plan: 'yearly' };
  const done = await merchant(srv, 'memberships/revoke', revoke);
  assert.equal(done.status, 200, JSON.stringify(done.json));
  const types = done.json.events.map((e) => e.type);
  assert.deepEqual(types, ['membership_revoked', 'tier_changed'], types.join());
  assert.equal(done.json.events[1].reason, 'revoked');
  assert.equal((await admin(srv, 'm-refunded')).summary.tier, 'regular', 'gold ends that business day');
  // A retried notification replays; a second revoke has nothing left to take back.
  const again = await merchant(srv, 'memberships/revoke', revoke);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  const twice = await merchant(srv, 'memberships/revoke', { ...revoke, purchase: 'P-1-chargeback' });
  assert.deepEqual([twice.status, twice.json.error.code], [422, 'NO_MEMBERSHIP']);
  // The member's own device cannot revoke (nor, so, un-revoke) anything.
  const pushed = await pushFor(srv.url)(token, 'p', [
    { device: 'p', seq: 3, at: Date.now(), op: { type: 'revoke_membership', plan: 'yearly' } },
  ]);
  assert.deepEqual(pushed.json.rejected.map((r) => r.code), ['NOT_ALLOWED']);
});

test('an order id held for one member can no longer be ordered, refunded or released for another: 409', async (t) => {
  const srv = await server(t);
  await member(srv.url, 'm-holder');
  await member(srv.url, 'm-other');
  const held = await merchant(srv, 'holds', { user: 'm-holder', order: 'X-1', points: 10 });
  assert.equal(held.status, 200, JSON.stringify(held.json));
  const before = await admin(srv, 'm-other');
  for (const [path, body] of [
    ['orders', { user: 'm-other', order: 'X-1', amount_cents: 20_000 }],
    ['holds/release', { user: 'm-other', order: 'X-1' }],
    ['cancellations', { user: 'm-other', order: 'X-1' }],
    ['refunds', { user: 'm-other', order: 'X-1', refund: 'R-1', amount_cents: 100 }],
  ]) {
    const r = await merchant(srv, path, body);
    assert.equal(r.status, 409, `${path}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error.code, 'ORDER_OF_ANOTHER_MEMBER', path);
    assert.match(r.json.error.message, /`X-1` belongs to another member/);
  }
  const after = await admin(srv, 'm-other');
  assert.equal(after.server_version, before.server_version, 'nothing written for the other member');
  assert.deepEqual(after.summary, before.summary);
  // The holder's order goes through with the held points.
  const order = await merchant(srv, 'orders', { user: 'm-holder', order: 'X-1', amount_cents: 20_000, points: 10 });
  assert.equal(order.status, 200, JSON.stringify(order.json));
  assert.ok(order.json.events.some((e) => e.type === 'order_placed'));
});

test('merchant audit lines name the member, the order and the amounts, and an id cannot forge a line', async (t) => {
  const srv = await server(t);
  await member(srv.url, 'm-audit');
  await merchant(srv, 'orders', { user: 'm-audit', order: 'A-7', amount_cents: 12_345, points: 0 });
  const [line] = await stderrLines(srv.stderr, (l) => l.includes('/v1/merchant/orders'), 1);
  assert.match(line, /^zailai audit: .* merchant POST \/v1\/merchant\/orders bearer=given status=200 member=m-audit order=A-7 amount_cents=12345 points=0$/);
  await merchant(srv, 'refunds', { user: 'm-audit', order: 'A-7', refund: 'R-1', amount_cents: 345 });
  const [refund] = await stderrLines(srv.stderr, (l) => l.includes('/v1/merchant/refunds'), 1);
  assert.match(refund, / status=200 member=m-audit order=A-7 refund=R-1 amount_cents=345 points=0$/);
  // A refused call says whose it was too; an id with a newline and spaces stays on one line.
  const forged = 'B-1\nzailai audit: at=0 peer=1.2.3.4 admin GET /v1/admin/x bearer=given status=200';
  const r = await merchant(srv, 'orders', { user: 'm-audit', order: forged, amount_cents: 0 });
  assert.equal(r.status, 422);
  const [refused] = await stderrLines(srv.stderr, (l) => l.includes('status=422'), 1);
  assert.match(refused, / member=m-audit order="B-1\\u\{a\}zailai audit: at=0 peer=1\.2\.3\.4 admin GET \/v1\/admin\/x bearer=given status=200" amount_cents=0 points=0$/);
  assert.equal(srv.stderr().split('\n').filter((l) => l.includes('peer=1.2.3.4')).length, 1, 'no forged line of its own');
  await call(srv.url, '/v1/merchant/quote?user=m-audit&amount_cents=5000', { token: srv.merchant });
  const [quote] = await stderrLines(srv.stderr, (l) => l.includes('/v1/merchant/quote'), 1);
  assert.match(quote, / merchant GET \/v1\/merchant\/quote bearer=given status=200 member=m-audit amount_cents=5000$/);
  const revoke = await merchant(srv, 'memberships/revoke', { user: 'm-audit', purchase: 'P-2', plan: 'yearly', from: '2030-01-01' });
  assert.equal(revoke.status, 422);
  const [revoked] = await stderrLines(srv.stderr, (l) => l.includes('/v1/merchant/memberships/revoke'), 1);
  assert.match(revoked, / status=422 member=m-audit purchase=P-2 plan=yearly from=2030-01-01$/);
});
