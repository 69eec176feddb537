// `zailai serve` on 127.0.0.1, over real HTTP: sessions, config and keys, sync with signed
// snapshots (verified here with node:crypto, independently of our code), idempotence, typed
// 4xx errors that change nothing, body limit, rate limit, operator endpoint.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync, statSync, writeFileSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { root } = require('./helpers.js');
const { execFileSync } = require('node:child_process');
const { cli: cliBin, startServer, stderrLines, call, openSnapshot, pusher } = require('./server-helpers.js');

const DAY = 86_400_000;

// A scorecard whose one rule fires on every cohort with a D1 (docs/report.md, "Diagnoses").
const SCORECARD = join(mkdtempSync(join(tmpdir(), 'zailai-scorecard-')), 'scorecard.json');
writeFileSync(SCORECARD, JSON.stringify({
  coupon_values_cents: {},
  diagnoses: [{
    id: 'any_d1', level: 'watch', metric: 'cohorts[].d1.rate', above: -1,
    message: { 'zh-CN': '{subject} 次日留存 {value}', en: '{subject}: D1 {value}' },
    lever: { 'zh-CN': '无', en: 'none' },
  }],
}));

test('sessions, config, an offline week in one sync, resends, signed snapshots', async (t) => {
  const { url, child, dataDir, stderr, admin: ADMIN } = await startServer(['--dev', '--scorecard', SCORECARD]);
  t.after(() => child.kill());
  assert.equal(statSync(join(dataDir, 'dev.secret.json')).mode & 0o777, 0o600, 'the dev key is private');
  // Sessions and lottery seeds live in the database: the owner's alone.
  assert.equal(statSync(dataDir).mode & 0o777, 0o700, 'the data dir is private');
  assert.equal(statSync(join(dataDir, 'zailai.db')).mode & 0o777, 0o600, 'the database is private');
  assert.deepEqual((await call(url, '/healthz')).json, { ok: true });
  for (const path of ['/v1/config', '/no-such-page']) {
    const res = await fetch(url + path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
  }
  assert.equal((await fetch(url + '/v1/config')).headers.get('cache-control'), 'no-store');
  const cfg = (await call(url, '/v1/config')).json;
  assert.equal(cfg.protocol, 1);
  assert.equal(cfg.config.points.daily_cap, 100);
  assert.equal(cfg.keys.length, 1);
  assert.match(cfg.config_hash, /^[0-9a-f]{64}$/);

  const login = await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'u1' } });
  assert.equal(login.status, 200);
  const token = login.json.token;
  const now = Date.now();
  const ops = Array.from({ length: 7 }, (_, i) => ({ device: 'phone', seq: i + 1, at: now - (6 - i) * DAY, op: { type: 'check_in' } }));
  // Devices registered at their first launch; the phone's a week ago (moved back in the
  // database: the server's clock cannot move in a test).
  const pushFrom = pusher(url, { dataDir });
  const week = { registeredBefore: 7 * DAY };
  const first = await pushFrom(token, 'phone', ops, week);
  const phone = pushFrom.id(token, 'phone');
  assert.equal(first.status, 200, JSON.stringify(first.json));
  assert.deepEqual(first.json.acked, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(first.json.rejected, []);
  const payload = openSnapshot(first.json.snapshot, cfg.keys);
  assert.equal(payload.user, 'u1');
  assert.equal(payload.server_version, 1);
  assert.deepEqual(payload.acked, { [phone]: 7 });
  assert.equal(payload.config_hash, cfg.config_hash);
  assert.equal(payload.state.checkins && Object.keys(payload.state.checkins).length, 7);

  // The same push again (a lost reply, a retry): acked again, nothing applied twice.
  const again = await pushFrom(token, 'phone', ops);
  assert.deepEqual(again.json.acked, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(again.json.server_version, 1);
  assert.equal(openSnapshot(again.json.snapshot, cfg.keys).state.balance, payload.state.balance);

  // A second device of the same member, a refused op, a grant attempt.
  const tablet = await pushFrom(token, 'tablet', [
    { device: 'tablet', seq: 1, at: now, op: { type: 'check_in' } },
    { device: 'tablet', seq: 2, at: now, op: { type: 'grant', points: 9999, reason: 'me' } },
    { device: 'tablet', seq: 3, at: now + 10 * 60_000, op: { type: 'track', action: 'review' } },
    { device: 'tablet', seq: 4, at: now - 9 * DAY, op: { type: 'track', action: 'review' } },
  ], { base_version: 1, ...week });
  assert.deepEqual(tablet.json.rejected.map((r) => [r.seq, r.code]), [[1, 'ALREADY_CHECKED_IN'], [2, 'NOT_ALLOWED'], [3, 'CLOCK_AHEAD'], [4, 'TOO_OLD']]);
  assert.equal(tablet.json.server_version, 1, 'nothing changed');

  const admin = await call(url, '/v1/admin/members/u1', { token: ADMIN });
  assert.equal(admin.status, 200);
  assert.equal(admin.json.ops, 11);
  assert.deepEqual(admin.json.processed, { [phone]: 7, [pushFrom.id(token, 'tablet')]: 4 });
  assert.equal((await call(url, '/v1/admin/members/u1', { token: 'wrong' })).status, 401);
  assert.equal((await call(url, '/v1/admin/members/nobody', { token: ADMIN })).status, 404);
  // Every operator request leaves an audit line, refused ones too; never the token.
  assert.equal((await call(url, '/v1/admin/members/u1')).status, 401);
  const audit = await stderrLines(stderr, (l) => l.startsWith('zailai audit: '), 4);
  assert.ok(audit.some((l) => /admin GET \/v1\/admin\/members\/u1 bearer=given status=200$/.test(l)), audit.join('\n'));
  assert.ok(audit.some((l) => /peer=127\.0\.0\.1 admin GET \/v1\/admin\/members\/u1 bearer=none status=401$/.test(l)), audit.join('\n'));
  assert.ok(!stderr().includes(ADMIN), 'the token is never logged');

  // Subscription messages: consent per kind, then the candidates of the day.
  const t9 = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'u9' } })).json.token;
  const pushed = await pushFrom(t9, 'd', [
    { device: 'd', seq: 1, at: now - 2 * DAY, op: { type: 'check_in' } },
    { device: 'd', seq: 2, at: now - DAY, op: { type: 'check_in' } },
  ], week);
  assert.deepEqual(pushed.json.rejected, []);
  assert.equal((await call(url, '/v1/consent', { method: 'POST', token: t9, body: { streak_reminder: true, tier_up: false } })).status, 200);
  const badKind = await call(url, '/v1/consent', { method: 'POST', token: t9, body: { streak_reminder: true, spam: true } });
  assert.deepEqual([badKind.status, badKind.json.error.path], [400, 'spam']);
  assert.equal((await call(url, '/v1/consent', { method: 'POST', token: t9, body: { tier_up: 'yes' } })).json.error.path, 'tier_up');
  assert.equal((await call(url, '/v1/consent', { method: 'POST', body: { tier_up: true } })).status, 401);
  const messages = await call(url, '/v1/admin/messages', { token: ADMIN });
  assert.equal(messages.status, 200);
  assert.deepEqual(messages.json.candidates.map((c) => [c.user, c.kind, c.data.streak]), [['u9', 'streak_reminder', 2]]);
  assert.equal((await call(url, '/v1/admin/messages', { token: 'nope' })).status, 401);
  // Pages of consenting members: u1 (no candidate: checked in today), then u9.
  assert.equal((await call(url, '/v1/consent', { method: 'POST', token, body: { streak_reminder: true } })).status, 200);
  const page1 = (await call(url, '/v1/admin/messages?limit=1', { token: ADMIN })).json;
  assert.deepEqual([page1.candidates, page1.next], [[], 'u1']);
  const page2 = (await call(url, '/v1/admin/messages?limit=1&after=u1', { token: ADMIN })).json;
  assert.deepEqual([page2.candidates.map((c) => c.user), page2.next], [['u9'], null]);
  assert.equal((await call(url, '/v1/admin/messages?limit=501', { token: ADMIN })).json.error.path, 'limit');
  // The operator records what they sent: new, already recorded, and ids of no member.
  const sent = (body, token = ADMIN) => call(url, '/v1/admin/messages/sent', { method: 'POST', token, body });
  const spring = { kind: 'campaign', campaign: 'spring_festival_2027', users: ['u9', 'nobody', 'u1'], at: now };
  assert.deepEqual((await sent(spring)).json, { kind: 'campaign', campaign: 'spring_festival_2027', at: now, recorded: 2, already: 0, unknown: ['nobody'] });
  assert.deepEqual((await sent({ kind: 'campaign', campaign: 'spring_festival_2027', users: ['u9'] })).json.already, 1, 'the same message again');
  assert.equal((await sent({ kind: 'streak_reminder', users: ['u9'] })).json.recorded, 1);
  for (const [body, at] of [
    [{ kind: 'campaign', campaign: 'autumn', users: ['u9'] }, 'campaign'],
    [{ kind: 'campaign', users: ['u9'] }, 'campaign'],
    [{ kind: 'sms', users: ['u9'] }, 'kind'],
    [{ kind: 'tier_up', users: [] }, 'users'],
    [{ kind: 'tier_up', users: Array.from({ length: 10001 }, (_, i) => `m${i}`) }, 'users'],
    [{ kind: 'tier_up', users: ['u9'], by: 'me' }, 'by'],
  ]) {
    const res = await sent(body);
    assert.deepEqual([res.status, res.json.error.path], [400, at], JSON.stringify(body).slice(0, 80));
  }
  assert.equal((await sent(spring, 'nope')).status, 401);

  const day = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10); // business day, UTC+8
  // The member's own monthly report, as JSON and as an SVG card.
  const month = day(now).slice(0, 7);
  const mine = await call(url, `/v1/me/report?month=${month}`, { token: t9 });
  assert.equal(mine.status, 200, JSON.stringify(mine.json));
  assert.equal(mine.json.user, 'u9');
  const inMonth = [now - 2 * DAY, now - DAY].filter((t) => day(t).startsWith(month)).length;
  assert.equal(mine.json.checkins, inMonth, 'the check-ins of this month only');
  const card = await fetch(`${url}/v1/me/report.svg?month=${month}`, { headers: { authorization: `Bearer ${t9}` } });
  assert.equal(card.headers.get('content-type'), 'image/svg+xml');
  assert.match(await card.text(), /会员月报<\/title>/);
  assert.equal((await call(url, '/v1/me/report?month=2026-13', { token: t9 })).json.error.path, 'month');
  assert.equal((await call(url, `/v1/me/report?month=${month}`)).status, 401);

  // The operator's report, over HTTP and from the CLI on the same database.
  const range = `from=${day(now - 7 * DAY)}&to=${day(now)}`;
  const report = await call(url, `/v1/admin/report?${range}`, { token: ADMIN });
  assert.equal(report.status, 200, JSON.stringify(report.json));
  assert.equal(report.json.members, 2);
  assert.equal(report.json.cohorts.reduce((n, c) => n + c.size, 0), 2, 'both joined in the range');
  // The findings of the server's --scorecard: one per cohort with a D1, its week the subject.
  const withD1 = report.json.cohorts.filter((c) => c.d1);
  assert.ok(withD1.length > 0, JSON.stringify(report.json.cohorts));
  assert.deepEqual(report.json.diagnoses.map((d) => [d.id, d.level, d.subject, d.value, d.message.en]),
    withD1.map((c) => ['any_d1', 'watch', c.week, c.d1.rate, `${c.week}: D1 ${+(c.d1.rate * 100).toFixed(1)}%`]));
  assert.equal((await call(url, `/v1/admin/report?to=${day(now)}`, { token: ADMIN })).json.error.path, 'from');
  // Query strings are typed too: a repeated, unknown or mistyped parameter is a 400 naming it
  // (the public /v1/config alone ignores what it does not know, for newer clients).
  const queryErrors = [
    [`/v1/admin/report?${range}&from=${day(now)}`, 'from', /duplicate field/],
    [`/v1/admin/report?${range}&format=csv`, 'format', /unknown field/],
    ['/v1/admin/messages?now=soon', 'now', /invalid digit/],
    ['/v1/me/report?month=2026-01&month=2026-02', 'month', /duplicate field/],
  ];
  for (const [path, at, says] of queryErrors) {
    const res = await call(url, path, { token: path.startsWith('/v1/me/') ? t9 : ADMIN });
    assert.deepEqual([res.status, res.json.error.path], [400, at], path);
    assert.match(res.json.error.message, says, path);
  }
  assert.equal((await call(url, '/v1/config?rules_formats=2&newer=1')).status, 200);
  assert.equal((await call(url, `/v1/admin/report?${range}`, { token: 'nope' })).status, 401);
  const cli = JSON.parse(execFileSync(cliBin, ['report', '--data-dir', dataDir, '--from', day(now - 7 * DAY), '--to', day(now), '--scorecard', SCORECARD], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.deepEqual(cli, report.json, 'the CLI and the endpoint agree');
  const chart = await fetch(`${url}/v1/admin/report.svg?chart=cohorts&${range}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(chart.headers.get('content-type'), 'image/svg+xml');
  assert.match(await chart.text(), /^<svg [^>]*><title>Retention by weekly cohort/);
  assert.equal((await call(url, `/v1/admin/report.svg?chart=pie&${range}`, { token: ADMIN })).json.error.path, 'chart');
  const svgDir = join(dataDir, 'charts');
  execFileSync(cliBin, ['report', '--data-dir', dataDir, '--from', day(now - 7 * DAY), '--to', day(now), '--svg', svgDir], { stdio: 'ignore' });
  for (const name of ['cohorts.svg', 'tiers.svg', 'uplift.svg']) assert.match(readFileSync(join(svgDir, name), 'utf8'), /<\/svg>$/);
});

test('bad requests get a 4xx JSON error and change nothing', async (t) => {
  const { url, child } = await startServer(['--dev', '--body-limit', '4096']);
  t.after(() => child.kill());
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'u2' } })).json.token;
  const cases = [
    [{ protocol: 2, device: 'd', base_version: 0, snapshot_formats: [5], ops: [] }, 400, 'VERSION_NOT_SUPPORTED', 'protocol'],
    [{ protocol: 1, device: 'd', base_version: 0, snapshot_formats: [5], ops: [{ device: 'd', seq: 1, at: 1, op: { type: 'fly' } }] }, 400, 'BAD_REQUEST', 'ops[0].op.type'],
    [{ protocol: 1, device: 'd', base_version: '0', snapshot_formats: [5], ops: [] }, 400, 'BAD_REQUEST', 'base_version'],
    ['{"protocol":1,', 400, 'BAD_REQUEST', ''],
    // The push's own device is checked even with no ops.
    [{ protocol: 1, device: 'd'.repeat(65), base_version: 0, snapshot_formats: [5], ops: [] }, 400, 'BAD_REQUEST', 'device'],
    [{ protocol: 1, device: '', base_version: 0, snapshot_formats: [5], ops: [] }, 400, 'BAD_REQUEST', 'device'],
    [{ protocol: 1, device: 'd', base_version: 0, snapshot_formats: [5], ops: [], pad: 'x'.repeat(5000) }, 413, 'PAYLOAD_TOO_LARGE', undefined],
  ];
  for (const [body, status, code, path] of cases) {
    const res = await call(url, '/v1/sync', { method: 'POST', token, body });
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(res.json.error.code, code);
    assert.equal(res.json.error.path, path);
  }
  assert.equal((await call(url, '/v1/sync', { method: 'POST', body: {} })).status, 401);
  assert.equal((await call(url, '/v1/sync', { method: 'POST', token: 'nope', body: {} })).json.error.code, 'UNAUTHORIZED');
  assert.equal((await call(url, '/v1/session', { method: 'POST', body: { dev_user: '' } })).json.error.path, 'dev_user');
  // Typed login bodies: the path of a wrong type or an unknown field; one way to log in at once.
  const loginErrors = [
    [{ dev_user: 5 }, 'dev_user', /expected a string/],
    [{ dev_user: 'u', admin: true }, 'admin', /unknown field/],
    [{ dev_user: 'u', code: 'c' }, '', /exactly one/],
    [{}, '', /exactly one/],
    [{ code: 'c' }, 'code', /no WeChat login/],
  ];
  for (const [body, path, says] of loginErrors) {
    const res = await call(url, '/v1/session', { method: 'POST', body });
    assert.deepEqual([res.status, res.json.error.path], [400, path], JSON.stringify(body));
    assert.match(res.json.error.message, says);
  }
  // A duplicate key is refused on every route, not read as "the last one wins".
  const twice = await call(url, '/v1/session', { method: 'POST', body: '{"dev_user":"u2","dev_user":"admin"}' });
  assert.equal(twice.status, 400);
  assert.match(twice.json.error.message, /duplicate/i);
  const consentTwice = await call(url, '/v1/consent', { method: 'POST', token, body: '{"points_expiring":true,"points_expiring":false}' });
  assert.equal(consentTwice.status, 400);
  // Another method on a known route, and anything but GET on an unknown path: JSON errors.
  const wrongMethod = await call(url, '/v1/config', { method: 'DELETE' });
  assert.deepEqual([wrongMethod.status, wrongMethod.json.error.code], [405, 'METHOD_NOT_ALLOWED']);
  const unknown = await call(url, '/v1/nothing', { method: 'POST', body: {} });
  assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'NOT_FOUND']);
  // Nothing was stored for the member.
  const ok = await pusher(url)(token, 'd', []);
  assert.equal(ok.json.server_version, 0);
});

test('rate limits answer 429 with Retry-After', async (t) => {
  const { url, child } = await startServer(['--dev', '--rate-per-minute', '1', '--logins-per-minute', '10']);
  t.after(() => child.kill());
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'u3' } })).json.token;
  const push = pusher(url);
  const statuses = [];
  let limited;
  for (let i = 0; i < 12; i++) {
    const res = await push(token, 'd', []);
    statuses.push(res.status);
    if (res.status === 429) limited = res;
  }
  assert.equal(statuses.filter((s) => s === 200).length, 10, 'a burst of 10');
  assert.equal(limited.json.error.code, 'RATE_LIMITED');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  // Logins are limited per address too (each may cost a code2session call): a burst of 10,
  // one spent above.
  const logins = [];
  for (let i = 0; i < 12; i++) logins.push((await call(url, '/v1/session', { method: 'POST', body: { dev_user: `l${i}` } })).status);
  assert.deepEqual(logins, [...Array(9).fill(200), 429, 429, 429]);
});

test('behind a trusted proxy, limits count the client address it forwards, never one the client wrote', async (t) => {
  const { url, child } = await startServer(['--dev', '--rate-per-minute', '1', '--logins-per-minute', '10', '--trusted-proxy', '127.0.0.1']);
  t.after(() => child.kill());
  const login = async (i, forwardedFor) => (await fetch(`${url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ dev_user: `p${i}` }) })).status;
  const distinct = [];
  for (let i = 0; i < 12; i++) distinct.push(await login(i, `10.0.0.${i}`));
  assert.deepEqual(distinct, Array(12).fill(200), 'one bucket per forwarded client');
  // The proxy appends the address it saw; what the client put in front of it changes nothing.
  const forged = [];
  for (let i = 0; i < 12; i++) forged.push(await login(100 + i, `1.2.3.${i}, 10.0.1.1`));
  assert.deepEqual(forged, [...Array(10).fill(200), 429, 429]);
});

test('logout ends a session at once', async (t) => {
  const { url, child } = await startServer(['--dev']);
  t.after(() => child.kill());
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'bye' } })).json.token;
  const push = pusher(url);
  assert.equal((await push(token, 'd', [])).status, 200);
  assert.deepEqual((await call(url, '/v1/session', { method: 'DELETE', token })).json, { ok: true });
  assert.equal((await push(token, 'd', [])).status, 401);
  assert.equal((await call(url, '/v1/session', { method: 'DELETE', token })).status, 401, 'ended already');
  assert.equal((await call(url, '/v1/session', { method: 'DELETE' })).status, 401);
});

test('without --dev there is no dev login; no key or no login means no start', async (t) => {
  await assert.rejects(startServer([]), /no signing key/);
  const key = ['--key', join(root, 'js', 'test', 'fixtures', 'test-key.secret.json')];
  await assert.rejects(startServer(key), /no way to log in/);
  const wechat = [...key, '--wechat-appid', 'wx1'];
  // The seed rules have a lottery: its seeds need a secret outside the database.
  await assert.rejects(startServer(wechat, { env: { ZAILAI_WECHAT_SECRET: 's' } }), /ZAILAI_LOTTERY_SECRET/);
  const { url, child } = await startServer(wechat, { env: { ZAILAI_WECHAT_SECRET: 's', ZAILAI_LOTTERY_SECRET: '5a'.repeat(32) } });
  t.after(() => child.kill());
  const res = await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'x' } });
  assert.equal(res.status, 403);
  assert.equal(res.json.error.code, 'DEV_LOGIN_DISABLED');
  assert.equal((await call(url, '/v1/config')).json.keys[0].id, 'test-fixture');
});

// Issue 25: refused ops are counted against --ops-per-minute like applied ones (a script
// pushing refusals from ever-new device ids is held to the same quota).
test('refused ops count against the member’s ops quota', async (t) => {
  const { url, child } = await startServer(['--dev', '--ops-per-minute', '600']);
  t.after(() => child.kill());
  const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: 'm-quota' } })).json.token;
  const push = pusher(url);
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const device = `q${i}`;
    // Dated a second ahead: the device is registered by the push that carries them.
    const ops = Array.from({ length: 300 }, (_, k) => ({ device, seq: k + 1, at: Date.now() + 1000, op: { type: 'order', order: `o${i}-${k}`, amount_cents: 1 } }));
    const res = await push(token, device, ops);
    statuses.push(res.status);
  }
  assert.deepEqual(statuses, [200, 200, 429]);
});
