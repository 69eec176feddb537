// The attacker suite for issue 25's backdated first day (deliverable 2), against the real
// `zailai serve` on 127.0.0.1: a member's history starts at the server's first contact with
// their device (RULES.md, "Activity and time"), so a new account cannot carry days from before
// it existed. Run against another build with ZAILAI_BIN=/path/to/zailai: against b239651 every
// test here fails (it joined a new member at its first op's time, 7 days back).
const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, call, registerDevice } = require('./server-helpers.js');

const DAY = 86_400_000;

async function server(t, args = []) {
  const s = await startServer(['--dev', ...args]);
  t.after(() => s.child.kill());
  return s;
}

async function login(url, user) {
  return (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
}

/** A push from `device` ({device, secret} from POST /v1/device, or a bare id). */
function push(url, token, device, ops) {
  const id = typeof device === 'string' ? device : device.device;
  const headers = typeof device === 'string' ? {} : { 'x-device-secret': device.secret };
  const body = { protocol: 1, device: id, base_version: 0, snapshot_formats: [5, 4], ops: ops.map((o) => ({ ...o, device: id })) };
  return call(url, '/v1/sync', { method: 'POST', token, body, headers });
}

/** A device the attacker holds: registered now, or (an older build, no registration) any id. */
async function device(url, name) {
  return (await registerDevice(url)) || name;
}

/** Every earning op a device may send on a day, at `t`. */
const scriptedDay = (t) => [
  { at: t, op: { type: 'track', action: 'open', count: 1000 } },
  { at: t + 1, op: { type: 'check_in' } },
  { at: t + 2, op: { type: 'track', action: 'share', count: 1000 } },
  { at: t + 2, op: { type: 'track', action: 'review', count: 1000 } },
  { at: t + 2, op: { type: 'track', action: 'core_action', count: 1000 } },
];

async function balance({ url, admin }, user) {
  return (await call(url, `/v1/admin/members/${user}`, { token: admin })).json.summary.balance;
}

test('a new account whose first push is backdated 7 days earns only its first day (was 8 days: 800 points on day 1)', async (t) => {
  const srv = await server(t);
  const phone = await device(srv.url, 'phone');
  const token = await login(srv.url, 'm-backdate');
  const now = Date.now();
  const ops = [];
  for (let d = 7; d >= 0; d--) ops.push(...scriptedDay(now - d * DAY));
  const seqd = ops.map((o, i) => ({ ...o, seq: i + 1 }));
  const reply = await push(srv.url, token, phone, seqd);
  assert.equal(reply.status, 200, JSON.stringify(reply.json));
  const before = seqd.filter((o) => o.at < now - 60_000).map((o) => o.seq);
  const refused = reply.json.rejected.filter((r) => r.code === 'TOO_OLD').map((r) => r.seq);
  assert.deepEqual(refused, before, 'every op dated before the device registered is refused TOO_OLD');
  assert.match(reply.json.rejected.at(-1).detail, /registration/, 'within the window, the detail names the registration');
  assert.ok((await balance(srv, 'm-backdate')) <= 100, 'no more than one day’s cap');
});

test('a push from a device the server never registered is refused', async (t) => {
  const { url } = await server(t);
  const token = await login(url, 'm-unregistered');
  const reply = await push(url, token, 'made-up', [{ seq: 1, at: Date.now(), op: { type: 'check_in' } }]);
  assert.equal(reply.status, 403);
  assert.equal(reply.json.error.code, 'DEVICE_NOT_REGISTERED');
  // Nor with a wrong secret for a real device.
  const real = await registerDevice(url);
  assert.ok(real, 'the server registers devices');
  const wrong = await push(url, token, { device: real.device, secret: 'f'.repeat(64) }, [{ seq: 1, at: Date.now(), op: { type: 'check_in' } }]);
  assert.equal(wrong.json.error.code, 'DEVICE_NOT_REGISTERED');
});

test('one device registered long ago cannot start many accounts: a device belongs to the member of its first sync', async (t) => {
  const { url } = await server(t);
  const phone = await registerDevice(url);
  assert.ok(phone, 'the server registers devices');
  const first = await push(url, await login(url, 'm-first'), phone, [{ seq: 1, at: Date.now(), op: { type: 'check_in' } }]);
  assert.equal(first.status, 200);
  const second = await push(url, await login(url, 'm-second'), phone, [{ seq: 1, at: Date.now(), op: { type: 'check_in' } }]);
  assert.equal(second.status, 403);
  assert.equal(second.json.error.code, 'DEVICE_OTHER_MEMBER');
});

test('a second device’s ops dated before its own registration are refused, though the member is older', async (t) => {
  const srv = await server(t);
  const token = await login(srv.url, 'm-two');
  const phone = await registerDevice(srv.url);
  assert.ok(phone, 'the server registers devices');
  assert.equal((await push(srv.url, token, phone, [{ seq: 1, at: Date.now(), op: { type: 'track', action: 'open' } }])).status, 200);
  await new Promise((r) => setTimeout(r, 1500));
  const tablet = await registerDevice(srv.url);
  const reply = await push(srv.url, token, tablet, [
    { seq: 1, at: tablet.registeredAt - 1000, op: { type: 'track', action: 'review' } },
    { seq: 2, at: tablet.registeredAt + 10, op: { type: 'track', action: 'review' } },
  ]);
  assert.deepEqual(reply.json.rejected.map((r) => [r.seq, r.code]), [[1, 'TOO_OLD']]);
  assert.deepEqual(reply.json.acked, [2]);
});

test('registration takes nothing secret, gives unguessable ids and secrets, and is limited per address', async (t) => {
  const { url } = await server(t, ['--rate-per-minute', '12']);
  const a = await registerDevice(url);
  const b = await registerDevice(url);
  assert.ok(a && b, 'the server registers devices');
  assert.notEqual(a.device, b.device);
  assert.match(a.device, /^d[0-9a-f]{32}$/, '128 random bits');
  assert.match(a.secret, /^[0-9a-f]{64}$/, '256 random bits');
  assert.ok(Math.abs(a.registeredAt - Date.now()) < 60_000);
  const extra = await call(url, '/v1/device', { method: 'POST', body: { device: 'mine' } });
  assert.deepEqual([extra.status, extra.json.error.path], [400, 'device'], 'the client picks nothing');
  const statuses = [];
  for (let i = 0; i < 14; i++) statuses.push((await call(url, '/v1/device', { method: 'POST', body: {} })).status);
  assert.equal(statuses.at(-1), 429, statuses.join());
});
