// Money from the merchant, end to end: a local fake merchant backend (checkout, payment
// notification, refunds, memberships) calling the real `zailai serve` merchant API, and the
// member's real wasm client seeing the result at its next sync. Nothing of value on the
// phone's word: its own order ops are refused.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg, root } = require('./helpers.js');
const { startServer, stderrLines, call, pusher } = require('./server-helpers.js');
const zailai = require(pkg);

/** Seed rules where one member can earn enough to pay with points in one day. */
function richRules() {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.points.daily_cap = 10_000;
  cfg.points.monthly_cap = 100_000;
  cfg.points.earning.core_action = { points: 1000 };
  const path = join(mkdtempSync(join(tmpdir(), 'zailai-rules-')), 'rules.json');
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

/**
 * The merchant's own backend, as a shop would write it (docs/merchant.md): checkout holds the
 * points the buyer chose; the payment provider's notification records the paid order (or
 * releases the hold); refunds and memberships follow the shop's own events. It calls zailai
 * with its token and retries as a real backend would; zailai's idempotency makes that safe.
 */
function fakeMerchant(zailaiUrl, token) {
  const api = (path, body) => call(zailaiUrl, path, { method: 'POST', token, body });
  const orders = new Map();
  const routes = {
    '/checkout': async ({ user, order, amount_cents, points }) => {
      orders.set(order, { user, amount_cents, points });
      return points > 0 ? api('/v1/merchant/holds', { user, order, points, hold_seconds: 600 }) : { status: 200, json: {} };
    },
    // The payment provider's notification (WeChat Pay's notify_url): paid or failed.
    '/pay-notify': async ({ order, paid }) => {
      const o = orders.get(order);
      if (!paid) return api('/v1/merchant/holds/release', { user: o.user, order });
      return api('/v1/merchant/orders', { user: o.user, order, amount_cents: o.amount_cents, points: o.points });
    },
    '/refund': async ({ order, refund, amount_cents, points }) => api('/v1/merchant/refunds', { user: orders.get(order).user, order, refund, amount_cents, points }),
    '/vip': async ({ user, purchase, plan }) => api('/v1/merchant/memberships', { user, purchase, plan }),
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      const out = await routes[req.url](JSON.parse(body));
      res.writeHead(out.status, { 'content-type': 'application/json', 'x-replayed': out.headers?.get?.('idempotent-replayed') || 'false' });
      res.end(JSON.stringify(out.json));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

async function post(url, path, body) {
  const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, replayed: res.headers.get('x-replayed') === 'true', json: await res.json() };
}

test('a fake merchant holds, charges, refunds and sells a membership; the phone sees it at sync', async (t) => {
  // A dev server makes its own merchant token (the shop's backend would be given it).
  const { url, child, stderr, dataDir, merchant: MERCHANT } = await startServer(['--dev', '--config', richRules()]);
  t.after(() => child.kill());
  const shop = await fakeMerchant(url, MERCHANT);
  t.after(() => shop.server.close());

  const phone = await zailai.createClient({
    storage: zailai.memoryStorage(),
    user: 'buyer',
    server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'buyer' }) },
  });
  phone.track('core_action', 3);
  await phone.sync();
  const earned = phone.pointsSummary().balance;
  assert.ok(earned >= 3000, `earned ${earned}`);

  // The phone cannot record money itself: a hand-made order push is refused by the engine.
  const session = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'buyer' } })).json.token;
  const forged = await pusher(url, { dataDir, registeredBefore: 60_000 })(session, 'script', [
    { device: 'script', seq: 1, at: Date.now(), op: { type: 'order', order: 'free-gold', amount_cents: 10_000_000_000 } },
    { device: 'script', seq: 2, at: Date.now(), op: { type: 'buy_membership', plan: 'yearly' } },
  ]);
  assert.deepEqual(forged.json.rejected.map((r) => r.code), ['NOT_ALLOWED', 'NOT_ALLOWED']);

  // Checkout: the phone's offline quote, then the shop holds the points chosen.
  const quote = phone.checkoutQuote(40_000);
  assert.equal(quote.maxPoints, 2000, '50% of 400 yuan at 100 points = 10 yuan');
  const held = await post(shop.url, '/checkout', { user: 'buyer', order: 'A-1', amount_cents: 40_000, points: 1500 });
  assert.equal(held.status, 200, JSON.stringify(held.json));
  assert.equal(held.json.events[0].type, 'points_debited');
  await phone.sync();
  assert.equal(phone.pointsSummary().balance, earned - 1500, 'held points left the balance');
  // Held points cannot be spent elsewhere: more than the rest is refused by the server too.
  const greedy = await call(url, '/v1/merchant/holds', { method: 'POST', token: MERCHANT, body: { user: 'buyer', order: 'B-1', points: earned } });
  assert.equal(greedy.status, 422);
  assert.equal(greedy.json.error.code, 'INSUFFICIENT_POINTS');

  // Paid: the order takes its points from the hold.
  const paid = await post(shop.url, '/pay-notify', { order: 'A-1', paid: true });
  assert.equal(paid.status, 200, JSON.stringify(paid.json));
  assert.ok(paid.json.events.some((e) => e.type === 'order_placed' && e.deduction_cents === 15_000));
  // The provider notifies again (it retries until acknowledged): applied once.
  const again = await post(shop.url, '/pay-notify', { order: 'A-1', paid: true });
  assert.equal(again.status, 200);
  assert.ok(again.replayed, 'the stored answer, marked as replayed');
  assert.deepEqual(again.json, paid.json);
  // The same order id with another body is a conflict, not a second order.
  const other = await call(url, '/v1/merchant/orders', { method: 'POST', token: MERCHANT, body: { user: 'buyer', order: 'A-1', amount_cents: 1 } });
  assert.equal(other.status, 409);
  assert.equal(other.json.error.code, 'IDEMPOTENCY_CONFLICT');

  // A partial refund gives back money and points; then the rest closes the order.
  const part = await post(shop.url, '/refund', { order: 'A-1', refund: 'r1', amount_cents: 5000, points: 500 });
  assert.equal(part.status, 200, JSON.stringify(part.json));
  assert.ok(part.json.events.some((e) => e.type === 'order_refunded'));
  const tooMuch = await post(shop.url, '/refund', { order: 'A-1', refund: 'r2', amount_cents: 999_999 });
  assert.equal(tooMuch.status, 422);
  assert.equal(tooMuch.json.error.code, 'REFUND_TOO_LARGE');
  const rest = await post(shop.url, '/refund', { order: 'A-1', refund: 'r3', amount_cents: 20_000, points: 1000 });
  assert.equal(rest.status, 200, JSON.stringify(rest.json));
  assert.ok(rest.json.events.some((e) => e.type === 'order_cancelled'));
  await phone.sync();
  assert.equal(phone.pointsSummary().balance, earned, 'every point came back');

  // A payment that fails releases the hold.
  await post(shop.url, '/checkout', { user: 'buyer', order: 'C-1', amount_cents: 10_000, points: 500 });
  const failed = await post(shop.url, '/pay-notify', { order: 'C-1', paid: false });
  assert.ok(failed.json.events.some((e) => e.type === 'hold_released' && e.points === 500));

  // A membership bought in the shop: the phone's tier shows it after the sync.
  const vip = await post(shop.url, '/vip', { user: 'buyer', purchase: 'P-1', plan: 'yearly' });
  assert.equal(vip.status, 200, JSON.stringify(vip.json));
  await phone.sync();
  assert.equal(phone.summary().tier, 'gold');

  // The server's quote agrees with the phone's (the HTTP body in snake_case, the JS API's in camelCase).
  const q = await call(url, '/v1/merchant/quote?user=buyer&amount_cents=40000', { token: MERCHANT });
  const { balance, max_points: maxPoints, deduction_cents: deductionCents, pay_cents: payCents, ...extra } = q.json;
  assert.deepEqual(extra, {});
  assert.deepEqual({ balance, maxPoints, deductionCents, payCents }, phone.checkoutQuote(40_000));

  // Every merchant call left an audit line, with no token in it.
  const audit = await stderrLines(stderr, (l) => l.includes(' merchant POST /v1/merchant/'), 8);
  assert.ok(audit.length >= 8, audit.join('\n'));
  assert.ok(!stderr().includes(MERCHANT));
  phone.close();
});

test('an order names the coupon it used: the phone stops offering it, a second use is refused, a cancel gives it back', async (t) => {
  const { url, child, merchant: MERCHANT } = await startServer(['--dev']);
  t.after(() => child.kill());
  const api = (path, body) => call(url, path, { method: 'POST', token: MERCHANT, body });
  const phone = await zailai.createClient({
    storage: zailai.memoryStorage(),
    user: 'holder',
    server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'holder' }) },
  });
  t.after(() => phone.close());
  // The seed's newbie task gives a 5-yuan coupon for the first core action.
  phone.track('core_action');
  await phone.sync();
  assert.deepEqual(phone.summary().coupons, ['newbie_5_yuan']);

  const order = (id, coupon) => api('/v1/merchant/orders', { user: 'holder', order: id, amount_cents: 3000, coupon });
  const used = await order('O-1', 'newbie_5_yuan');
  assert.equal(used.status, 200, JSON.stringify(used.json));
  const placed = used.json.events.find((e) => e.type === 'order_placed');
  assert.equal(placed.coupon, 'newbie_5_yuan');
  await phone.sync();
  assert.deepEqual(phone.summary().coupons, [], 'a used coupon is not offered');

  // The same coupon again, or one never held: 422 with the code and the coupon named.
  for (const coupon of ['newbie_5_yuan', 'never_given']) {
    const refused = await order(`O-${coupon}`, coupon);
    assert.equal(refused.status, 422, JSON.stringify(refused.json));
    assert.equal(refused.json.error.code, 'COUPON_NOT_HELD');
    assert.match(refused.json.error.message, new RegExp(`\`${coupon}\``));
  }
  // A coupon that is not an id is a bad request at its path.
  const empty = await order('O-3', '');
  assert.equal(empty.status, 400);
  assert.equal(empty.json.error.path, 'coupon');

  // The order cancelled: the coupon comes back, to be used again.
  const cancelled = await api('/v1/merchant/cancellations', { user: 'holder', order: 'O-1' });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
  assert.deepEqual(cancelled.json.events.find((e) => e.type === 'order_cancelled'), { type: 'order_cancelled', order: 'O-1', coupon: 'newbie_5_yuan' });
  await phone.sync();
  assert.deepEqual(phone.summary().coupons, ['newbie_5_yuan']);
  assert.equal((await order('O-4', 'newbie_5_yuan')).status, 200);
  // An order without a coupon still answers without one.
  const plain = await api('/v1/merchant/orders', { user: 'holder', order: 'O-5', amount_cents: 100 });
  assert.equal(plain.status, 200);
  assert.ok(!('coupon' in plain.json.events.find((e) => e.type === 'order_placed')));
});

test('the merchant API takes only its own token, strict bodies, and known members', async (t) => {
  const { url, child, admin: ADMIN, merchant: MERCHANT } = await startServer(['--dev']);
  t.after(() => child.kill());
  const order = { user: 'nobody', order: 'X', amount_cents: 100 };
  const session = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'm1' } })).json.token;
  for (const token of [undefined, '', ADMIN, session, MERCHANT + 'x']) {
    const res = await call(url, '/v1/merchant/orders', { method: 'POST', token, body: order });
    assert.equal(res.status, 401, String(token));
  }
  assert.equal((await call(url, '/v1/merchant/orders', { method: 'POST', token: MERCHANT, body: order })).json.error.code, 'UNKNOWN_MEMBER');
  const bad = [
    ['{"user":"m1","order":"X","order":"Y","amount_cents":1}', 'duplicate'],
    [{ user: 'm1', order: 'X', amount_cents: 1, extra: true }, 'unknown field'],
    [{ user: 'm1', order: '', amount_cents: 1 }, 'order'],
    [{ user: 'm1', order: 'X', amount_cents: -1 }, 'invalid value'],
  ];
  for (const [body, says] of bad) {
    const res = await call(url, '/v1/merchant/orders', { method: 'POST', token: MERCHANT, body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(res.json.error.message, new RegExp(says), JSON.stringify(res.json));
  }
  // Without --merchant-token the API is off; a short token or the admin token is refused at start.
  // (A dev server always has one of its own: this is a production one.)
  const prod = ['--key', join(root, 'js', 'test', 'fixtures', 'test-key.secret.json'), '--wechat-appid', 'wx1'];
  const env = { ZAILAI_WECHAT_SECRET: 'app-secret', ZAILAI_LOTTERY_SECRET: '5a'.repeat(32) };
  const { url: off, child: offChild } = await startServer(prod, { env });
  t.after(() => offChild.kill());
  assert.equal((await call(off, '/v1/merchant/orders', { method: 'POST', token: MERCHANT, body: order })).json.error.code, 'MERCHANT_DISABLED');
  await assert.rejects(startServer([...prod, '--merchant-token', 'short'], { env }), /at least 16 characters/);
  const token = 'one-token-for-both-0123456789';
  await assert.rejects(startServer([...prod, '--admin-token', token, '--merchant-token', token], { env }), /must differ/);
});
