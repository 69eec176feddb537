// The console's 会员 API against the real `zailai serve` (issue 28): the member list searched by
// id prefix a page at a time, a member's page, the op log with a refused op, a grant that the
// member's phone gets at its next sync, the per-actor daily cap refusing past its limit (and
// still after a restart), and an admin's revoke of a membership. The admin bearer token acts
// as an admin (a script's credential); the console's sessions use the same routes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg } = require('./helpers.js');
const { startServer, call, freePort } = require('./server-helpers.js');
const zailai = require(pkg);

const CAP = 300;

async function phoneOf(url, user) {
  return zailai.createClient({
    storage: zailai.memoryStorage(),
    user,
    server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: user }) },
  });
}

async function stop(server) {
  server.child.kill();
  await new Promise((r) => server.child.once('exit', r));
}

test('search, member page, op log, grants within the cap (across a restart) and revoke', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-console-members-'));
  const args = ['--dev', '--grant-cap', String(CAP)];
  // A known port, so the phones reach the server again after its restart.
  const addr = `127.0.0.1:${await freePort()}`;
  let server = await startServer(args, { dataDir, addr });
  t.after(() => server.child.kill());
  const { url } = server;
  const admin = (path, options = {}) => call(server.url, path, { token: server.admin, ...options });

  // Members: two whose ids start with `al`, one that does not; alice on two devices, whose
  // second check-in of the day the server refuses.
  const alice = await phoneOf(url, 'alice');
  const pad = await phoneOf(url, 'alice');
  const alex = await phoneOf(url, 'alex');
  const bob = await phoneOf(url, 'bob');
  alice.checkIn();
  alice.track('share');
  await alice.sync();
  pad.checkIn();
  const padResult = await pad.sync();
  assert.deepEqual(padResult.rejected.map((r) => r.code), ['ALREADY_CHECKED_IN']);
  alex.checkIn();
  await alex.sync();
  bob.track('open');
  await bob.sync();

  // The list: by id, paged on the server, with the total of every match.
  const first = await admin('/v1/admin/members?q=al&limit=1');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  assert.deepEqual([first.json.total, first.json.offset, first.json.limit], [2, 0, 1]);
  assert.deepEqual(first.json.members.map((m) => m.user), ['alex']);
  const second = await admin('/v1/admin/members?q=al&offset=1&limit=1');
  assert.deepEqual(second.json.members.map((m) => m.user), ['alice']);
  const row = second.json.members[0];
  assert.equal(row.balance, alice.pointsSummary().balance);
  assert.equal(row.tier, alice.summary().tier);
  assert.match(row.last_day, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(row.ops, 3, 'two applied, one refused');
  const all = await admin('/v1/admin/members');
  assert.deepEqual([all.json.total, all.json.limit], [3, 20], 'default page of 20');
  assert.deepEqual(all.json.members.map((m) => m.user), ['alex', 'alice', 'bob']);
  for (const [query, path] of [['limit=101', 'limit'], ['limit=0', 'limit'], ['offset=-1', 'offset'], ['page=2', '']]) {
    const bad = await admin(`/v1/admin/members?${query}`);
    assert.equal(bad.status, 400, query);
    if (path) assert.equal(bad.json.error.path, path, query);
  }

  // A member's page: the fields the issue-14 view had, and the console's.
  const page = (await admin('/v1/admin/members/alice')).json;
  assert.equal(page.user, 'alice');
  assert.equal(page.ops, 3);
  assert.equal(page.summary.balance, alice.pointsSummary().balance);
  assert.deepEqual(Object.keys(page.processed).sort(), [alice.deviceId, pad.deviceId].sort());
  assert.ok(page.server_version >= 1);
  assert.equal(page.lots.reduce((s, l) => s + l.points, 0), page.summary.balance, 'the lots add up');
  assert.ok(page.lots.every((l) => /^\d{4}-\d{2}-\d{2}$/.test(l.expires) && l.expires > l.earned));
  assert.equal(page.tier.tier.id, alice.summary().tier);
  assert.equal(page.tier.next.id, 'silver');
  assert.ok(page.tier.dimensions.length > 0 && page.tier.label.length > 0);
  assert.deepEqual(page.devices, [{ device: alice.deviceId, seq: 2 }].concat(page.devices.filter((d) => d.device !== alice.deviceId)));
  for (const field of ['holds', 'orders', 'memberships', 'coupons']) assert.ok(Array.isArray(page[field]), field);
  assert.equal((await admin('/v1/admin/members/nobody')).status, 404);

  // The op log, newest first: the refused check-in with its code, the applied ops with events.
  const log = (await admin('/v1/admin/members/alice/ops')).json;
  assert.equal(log.total, 3);
  assert.deepEqual(log.ops.map((o) => [o.op.op.type, o.result]), [['check_in', 'refused'], ['track', 'applied'], ['check_in', 'applied']]);
  assert.equal(log.ops[0].error, 'ALREADY_CHECKED_IN');
  assert.equal(log.ops[0].events, undefined);
  assert.equal(log.ops[0].device, pad.deviceId);
  assert.ok(log.ops[2].events.some((e) => e.type === 'checked_in'), JSON.stringify(log.ops[2].events));
  assert.ok(log.ops[1].events.some((e) => e.type === 'points_credited'));
  const older = (await admin('/v1/admin/members/alice/ops?offset=1&limit=1')).json;
  assert.deepEqual([older.total, older.ops.length, older.ops[0].op.op.type], [3, 1, 'track']);

  // A grant: a `~console` op the phone gets at its next sync.
  const before = alice.pointsSummary().balance;
  const granted = await admin('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 200, reason: '客服补偿 #1' } });
  assert.equal(granted.status, 200, JSON.stringify(granted.json));
  assert.deepEqual([granted.json.balance_before, granted.json.balance_after], [before, before + 200]);
  assert.deepEqual(granted.json.cap, { limit: CAP, used: 200, left: 100 });
  assert.equal(granted.json.op.device, '~console');
  assert.deepEqual(granted.json.op.op, { type: 'grant', points: 200, reason: '客服补偿 #1' });
  await alice.sync();
  assert.equal(alice.pointsSummary().balance, before + 200, 'the phone has the points after its sync');
  const top = (await admin('/v1/admin/members/alice/ops?limit=1')).json.ops[0];
  assert.deepEqual([top.device, top.op.op.type, top.result], ['~console', 'grant', 'applied']);
  assert.ok(top.events.some((e) => e.type === 'points_credited' && e.granted === 200), JSON.stringify(top.events));
  const audit = (await admin('/v1/admin/audit?target=member:alice&action=member.grant')).json.entries;
  assert.equal(audit.length, 1);
  assert.deepEqual([audit[0].actor, audit[0].role], ['token', 'admin']);
  assert.deepEqual(audit[0].before, { balance: before });
  assert.equal(audit[0].after.balance, before + 200);
  assert.equal(audit[0].after.reason, '客服补偿 #1');

  // Bad grants change nothing and are not charged.
  for (const [body, path] of [
    [{ points: 0, reason: 'x' }, 'points'],
    [{ points: 1_000_001, reason: 'x' }, 'points'],
    [{ points: 10, reason: '' }, 'reason'],
    [{ points: 10, reason: '   ' }, 'reason'],
    [{ points: 10, reason: 'x'.repeat(65) }, 'reason'],
    [{ points: 10, reason: 'x', coupon: '' }, 'coupon'],
    [{ points: 10, reason: 'x', coupon: 'c'.repeat(65) }, 'coupon'],
  ]) {
    const bad = await admin('/v1/admin/members/alice/grants', { method: 'POST', body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.json.error.path, path, JSON.stringify(bad.json));
  }
  const missing = await admin('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 10 } });
  assert.equal(missing.status, 400);
  assert.match(missing.json.error.message, /missing field `reason`/);
  const longest = await admin('/v1/admin/members/bob/grants', { method: 'POST', body: { points: 1, reason: '补'.repeat(64) } });
  assert.equal(longest.status, 200, '64 characters (192 bytes) are a reason');
  assert.deepEqual(longest.json.cap, { limit: CAP, used: 201, left: 99 });
  const nobody = await admin('/v1/admin/members/nobody/grants', { method: 'POST', body: { points: 5, reason: 'x' } });
  assert.equal(nobody.status, 404);

  // The cap: past it, 422 with what is left; nothing is written.
  const over = await admin('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 100, reason: 'again' } });
  assert.equal(over.status, 422);
  assert.equal(over.json.error.code, 'GRANT_CAP');
  assert.match(over.json.error.message, /99 left/);
  assert.equal((await admin('/v1/admin/members/alice')).json.summary.balance, before + 200);

  // A restart over the same database: the day's grants are still counted.
  await stop(server);
  server = await startServer(args, { dataDir, addr });
  const still = await admin('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 100, reason: 'after restart' } });
  assert.equal(still.status, 422, JSON.stringify(still.json));
  assert.equal(still.json.error.code, 'GRANT_CAP');
  const rest = await admin('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 99, reason: 'the rest' } });
  assert.equal(rest.status, 200, JSON.stringify(rest.json));
  assert.deepEqual(rest.json.cap, { limit: CAP, used: CAP, left: 0 });

  // Revoke: a membership the shop sold, taken back by an admin; the phone's tier follows.
  const vip = await call(server.url, '/v1/merchant/memberships', { method: 'POST', token: server.merchant, body: { user: 'alex', purchase: 'P-1', plan: 'yearly' } });
  assert.equal(vip.status, 200, JSON.stringify(vip.json));
  const alexPage = (await admin('/v1/admin/members/alex')).json;
  assert.deepEqual(alexPage.memberships.map((m) => [m.plan, m.tier]), [['yearly', 'gold']]);
  await alex.sync();
  assert.equal(alex.summary().tier, 'gold');
  const revoked = await admin('/v1/admin/members/alex/revoke', { method: 'POST', body: { plan: 'yearly' } });
  assert.equal(revoked.status, 200, JSON.stringify(revoked.json));
  assert.deepEqual([revoked.json.tier_before, revoked.json.tier_after], ['gold', 'regular']);
  assert.deepEqual([revoked.json.op.device, revoked.json.op.op.type], ['~console', 'revoke_membership']);
  await alex.sync();
  assert.equal(alex.summary().tier, 'regular', 'the phone sees the revoke at its next sync');
  assert.deepEqual((await admin('/v1/admin/members/alex')).json.memberships, []);
  const revokeAudit = (await admin('/v1/admin/audit?target=member:alex&action=member.revoke')).json.entries;
  assert.deepEqual(revokeAudit[0].before, { tier: 'gold' });
  assert.equal(revokeAudit[0].after.tier, 'regular');
  assert.equal((await admin('/v1/admin/members/nobody/revoke', { method: 'POST', body: { plan: 'yearly' } })).status, 404);
  const noPlan = await admin('/v1/admin/members/alex/revoke', { method: 'POST', body: { plan: '' } });
  assert.deepEqual([noPlan.status, noPlan.json.error.path], [400, 'plan']);

  // Roles: a viewer reads but grants nothing; an operator grants within a cap of its own
  // (the token's grants today are not theirs) but revokes nothing.
  for (const [name, role] of [['vic', 'viewer'], ['olga', 'operator']]) {
    const added = await admin('/v1/admin/operators', { method: 'POST', body: { name, role, password: `${name} password 12345` } });
    assert.equal(added.status, 200, JSON.stringify(added.json));
  }
  const as = async (name) => {
    const res = await call(server.url, '/v1/console/session', { method: 'POST', body: { name, password: `${name} password 12345` } });
    const cookie = res.headers.get('set-cookie').split(';')[0];
    return (path, opts = {}) => call(server.url, path, { ...opts, headers: { cookie, 'x-csrf-token': res.json.csrf } });
  };
  const vic = await as('vic');
  assert.equal((await vic('/v1/admin/members?q=al')).json.total, 2);
  const viewerGrant = await vic('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 1, reason: 'x' } });
  assert.deepEqual([viewerGrant.status, viewerGrant.json.error.code], [403, 'FORBIDDEN']);
  const olga = await as('olga');
  const olgaGrant = await olga('/v1/admin/members/alice/grants', { method: 'POST', body: { points: CAP, reason: 'olga' } });
  assert.equal(olgaGrant.status, 200, JSON.stringify(olgaGrant.json));
  assert.deepEqual(olgaGrant.json.cap, { limit: CAP, used: CAP, left: 0 });
  const olgaOver = await olga('/v1/admin/members/alice/grants', { method: 'POST', body: { points: 1, reason: 'olga' } });
  assert.equal(olgaOver.json.error.code, 'GRANT_CAP');
  const olgaRevoke = await olga('/v1/admin/members/alex/revoke', { method: 'POST', body: { plan: 'yearly' } });
  assert.deepEqual([olgaRevoke.status, olgaRevoke.json.error.code], [403, 'FORBIDDEN']);
  const byOlga = (await admin('/v1/admin/audit?actor=olga&action=member.grant')).json.entries;
  assert.deepEqual(byOlga.map((e) => [e.role, e.target]), [['operator', 'member:alice']]);

  // Without a credential, none of it.
  assert.equal((await call(server.url, '/v1/admin/members')).status, 401);
  assert.equal((await call(server.url, '/v1/admin/members/alice/grants', { method: 'POST', body: { points: 1, reason: 'x' } })).status, 401);
});
