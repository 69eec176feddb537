// The attacker suite (issue 14): every finding of "Points are money…" tried the way a scripted
// member or a careless deployment would, against the real `zailai serve` on 127.0.0.1, using
// only what a member has (a session and POST /v1/sync) plus the operator's flags. Run against
// another build with ZAILAI_BIN=/path/to/zailai (the closing note runs it against the commit
// before issue 14: scripts/attacker-before-after.sh). Snapshots are asked in format 5, 4, 3 or 2,
// so the same suite talks to both.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { mkdtempSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');
const { cli, startServer, stderrLines, call, pusher } = require('./server-helpers.js');

const FORMATS = [5, 4, 3, 2];

const dataDirs = new Map();

async function server(t, args = []) {
  const s = await startServer(['--dev', ...args]);
  t.after(() => s.child.kill());
  dataDirs.set(s.url, s.dataDir);
  return s;
}

async function login(url, user) {
  return (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
}

// Pushes come from registered devices (issue 25), as a phone's do: registered at a first
// launch a minute before the ops below (moved back in the database); a build from before
// registrations takes the names as they are.
const pushers = new Map();
function push(url, token, device, ops) {
  if (!pushers.has(url)) pushers.set(url, pusher(url, { formats: FORMATS, dataDir: dataDirs.get(url), registeredBefore: 60_000 }));
  return pushers.get(url)(token, device, ops);
}

async function summary({ url, admin }, user) {
  return (await call(url, `/v1/admin/members/${user}`, { token: admin })).json.summary;
}

const now = () => Date.now();
const op = (device, seq, body, at = now()) => ({ device, seq, at, op: body });

test('an order or a membership pushed by a device buys no tier', async (t) => {
  const srv = await server(t);
  const { url } = srv;
  const token = await login(url, 'm-money');
  await push(url, token, 'p', [op('p', 1, { type: 'track', action: 'open' })]);
  const tier = (await summary(srv, 'm-money')).tier;
  const reply = await push(url, token, 'p', [
    op('p', 2, { type: 'order', order: 'big', amount_cents: 10_000_000_000 }),
    op('p', 3, { type: 'buy_membership', plan: 'yearly' }),
    op('p', 4, { type: 'cancel_order', order: 'big' }),
  ]);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.rejected.map((r) => r.code), ['NOT_ALLOWED', 'NOT_ALLOWED', 'NOT_ALLOWED']);
  assert.equal((await summary(srv, 'm-money')).tier, tier, 'no tier bought');
});

test('thousands of pushed orders are refused and the state stays small', async (t) => {
  const { url } = await server(t);
  const token = await login(url, 'm-flood');
  let seq = 0;
  for (let batch = 0; batch < 4; batch++) {
    const ops = Array.from({ length: 500 }, () => ++seq).map((s) => op('p', s, { type: 'order', order: `o${s}`, amount_cents: 100 }));
    const reply = await push(url, token, 'p', ops);
    assert.equal(reply.status, 200);
    assert.equal(reply.json.rejected.length, 500, 'every order refused');
    assert.ok(reply.json.snapshot.length < 20_000, `snapshot ${reply.json.snapshot.length} B`);
  }
});

test('an invite a device tracks itself is refused and its tier step cannot be claimed', async (t) => {
  const srv = await server(t);
  const { url } = srv;
  const token = await login(url, 'm-invite');
  await push(url, token, 'p', [op('p', 1, { type: 'track', action: 'open' })]);
  const tier = (await summary(srv, 'm-invite')).tier;
  const reply = await push(url, token, 'p', [
    op('p', 2, { type: 'track', action: 'invite' }),
    op('p', 3, { type: 'claim_task', task: 'growth_invite' }),
  ]);
  assert.deepEqual(reply.json.rejected.map((r) => r.code), ['NOT_ALLOWED', 'TASK_NOT_COMPLETED']);
  assert.equal((await summary(srv, 'm-invite')).tier, tier);
});

test('grants and lottery settlements from a device: refused by the CLI as by the server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-atk-'));
  const ops = join(dir, 'ops.jsonl');
  writeFileSync(ops, JSON.stringify(op('phone', 1, { type: 'grant', points: 1000, reason: 'me' }, 1_780_000_000_000)) + '\n');
  // The seed without what only newer builds read (invites the server witnesses), so that an
  // earlier build's CLI reads the same rules.
  const rules = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  delete rules.witnessed_actions;
  for (const task of rules.tasks) task.reward.tier_steps = 0;
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
  const out = spawnSync(cli, ['simulate', '--config', join(dir, 'rules.json'), '--ops', ops], { encoding: 'utf8' });
  const result = JSON.parse(out.stdout).results[0];
  assert.equal(result.ok, false, out.stdout);
  assert.equal(result.error.code, 'NOT_ALLOWED');
});

test('a seq of 4294967295 or an op dated 2^62 ms cannot freeze a device', async (t) => {
  const { url } = await server(t);
  const token = await login(url, 'm-freeze');
  const far = await push(url, token, 'p', [op('p', 4294967295, { type: 'track', action: 'open' })]);
  assert.deepEqual(far.json.rejected.map((r) => r.code), ['OP_INVALID']);
  const next = await push(url, token, 'p', [op('p', 1, { type: 'check_in' })]);
  assert.deepEqual(next.json.acked, [1], 'the device records again');
  const late = await push(url, token, 'q', [op('q', 1, { type: 'track', action: 'open' }, 2 ** 62)]);
  assert.equal(late.status, 400);
  assert.equal(late.json.error.path, 'ops[0].at');
});

test('a member has at most 64 devices', async (t) => {
  const { url } = await server(t);
  const token = await login(url, 'm-devices');
  const codes = [];
  for (let d = 0; d < 65; d++) {
    const reply = await push(url, token, `d${d}`, [op(`d${d}`, 1, { type: 'track', action: 'open' })]);
    codes.push(reply.json.rejected.map((r) => r.code).join());
  }
  assert.deepEqual(codes.slice(0, 64).filter(Boolean), []);
  assert.equal(codes[64], 'DEVICE_LIMIT');
});

test('an empty or short admin token does not start the server', async () => {
  for (const token of ['', 'short']) {
    // A build that starts anyway is stopped at once, so the suite ends either way.
    const outcome = await startServer(['--admin-token', token]).then((s) => s.child.kill() && 'started', (e) => e);
    assert.match(String(outcome), /at least 16 characters/, `token ${JSON.stringify(token)}`);
  }
});

test('--dev refuses production credentials and makes its own, kept across restarts', async (t) => {
  const key = join(root, 'js', 'test', 'fixtures', 'test-key.secret.json');
  const refused = [
    [['--key', key], {}, /--dev refuses --key/],
    [[], { ZAILAI_SIGNING_KEY: '{}' }, /--dev refuses ZAILAI_SIGNING_KEY/],
    [['--admin-token', 'admin-token-0123456789'], {}, /--dev refuses --admin-token/],
    [[], { ZAILAI_ADMIN_TOKEN: 'admin-token-0123456789' }, /--dev refuses --admin-token \(or ZAILAI_ADMIN_TOKEN\)/],
    [['--merchant-token', 'merchant-token-0123456789'], {}, /--dev refuses --merchant-token/],
    [['--wechat-appid', 'wx1', '--wechat-secret', 'app-secret'], {}, /--dev refuses --wechat-appid/],
  ];
  for (const [args, env, says] of refused) {
    const outcome = await startServer(['--dev', ...args], { env }).then((s) => s.child.kill() && 'started', (e) => e);
    assert.match(String(outcome), says, JSON.stringify([args, env]));
    assert.match(String(outcome), /log in as any member/);
  }
  // Its own tokens guard what production tokens would, and survive a restart of its data dir.
  const first = await startServer(['--dev']);
  first.child.kill();
  assert.match(first.admin, /^[0-9a-f]{64}$/);
  assert.notEqual(first.admin, first.merchant);
  const again = await startServer(['--dev'], { dataDir: first.dataDir });
  t.after(() => again.child.kill());
  assert.deepEqual([again.admin, again.merchant], [first.admin, first.merchant]);
  assert.equal((await call(again.url, '/v1/admin/members/nobody', { token: again.merchant })).status, 401);
  assert.equal((await call(again.url, '/v1/admin/members/nobody', { token: again.admin })).status, 404);
  const mode = (f) => statSync(join(first.dataDir, f)).mode & 0o777;
  assert.deepEqual([mode('dev.admin-token'), mode('dev.merchant-token')], [0o600, 0o600]);
});

test('the public lottery record comes in bounded pages', async (t) => {
  const { url } = await server(t);
  const record = await call(url, '/v1/lotteries/spring_draw_2027');
  assert.deepEqual([record.status, record.json.after, record.json.next], [200, 0, null]);
  for (const limit of [0, 1001, 1_000_000]) {
    const res = await call(url, `/v1/lotteries/spring_draw_2027?limit=${limit}`);
    assert.deepEqual([res.status, res.json.error?.path], [400, 'limit'], `limit ${limit}`);
  }
});

test('logins are rate limited per address', async (t) => {
  // Their own limit since issue 25 (--logins-per-minute, 600 by default for carrier NAT).
  const { url } = await server(t, ['--logins-per-minute', '30']);
  const statuses = [];
  for (let i = 0; i < 60; i++) {
    statuses.push((await call(url, '/v1/session', { method: 'POST', body: { dev_user: `bogus-${i}` } })).status);
  }
  assert.ok(statuses.includes(429), `no 429 in ${statuses.length} logins`);
});

test('logout revokes the token', async (t) => {
  const { url } = await server(t);
  const token = await login(url, 'm-out');
  assert.equal((await call(url, '/v1/session', { method: 'DELETE', token })).status, 200);
  assert.equal((await push(url, token, 'p', [])).status, 401);
});

test('the database and its directory are private', async (t) => {
  const { dataDir } = await server(t);
  assert.equal(statSync(join(dataDir, 'zailai.db')).mode & 0o777, 0o600);
});

test('--web never serves a file outside its root', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'zailai-web-'));
  const secret = mkdtempSync(join(tmpdir(), 'zailai-secret-'));
  writeFileSync(join(secret, 'key.txt'), 'secret');
  writeFileSync(join(root, 'index.html'), '<p>hi</p>');
  mkdirSync(join(root, 'sub'));
  symlinkSync(join(secret, 'key.txt'), join(root, 'sub', 'leak.txt'));
  const { url } = await server(t, ['--web', root]);
  const res = await fetch(url + '/sub/leak.txt');
  assert.notEqual(await res.text(), 'secret');
  assert.equal(res.status, 404);
});

test('errors are JSON everywhere, duplicate keys are refused on every route, headers protect', async (t) => {
  const { url } = await server(t);
  const wrong = await fetch(url + '/v1/config', { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.equal((await wrong.json()).error.code, 'METHOD_NOT_ALLOWED');
  assert.equal(wrong.headers.get('x-content-type-options'), 'nosniff');
  const dup = await call(url, '/v1/session', { method: 'POST', body: '{"dev_user": "a", "dev_user": "b"}' });
  assert.equal(dup.status, 400);
  const token = await login(url, 'm-dup');
  const consent = await call(url, '/v1/consent', { method: 'POST', token, body: '{"tier_up": true, "tier_up": false}' });
  assert.equal(consent.status, 400);
  // The push's own device is checked even with no ops.
  const noOps = await push(url, token, 'x'.repeat(65), []);
  assert.equal(noOps.status, 400);
  assert.equal(noOps.json.error.path, 'device');
});

test('every operator call leaves an audit line without the token', async (t) => {
  const { url, stderr, admin } = await server(t);
  await call(url, '/v1/admin/members/nobody', { token: admin });
  await call(url, '/v1/admin/members/nobody', { token: 'wrong-token-0123456789' });
  const lines = await stderrLines(stderr, (l) => l.includes('admin GET /v1/admin/members/nobody'), 2);
  assert.equal(lines.length, 2, stderr());
  assert.ok(!stderr().includes(admin));
});

test('slow clients are cut off: headers or a body trickling in do not hold a connection', async (t) => {
  const { url } = await server(t, ['--read-timeout', '1']);
  const { port } = new URL(url);
  const net = require('node:net');
  /** Opens a connection, writes `text`, and resolves with what came back once the server
   * closes it (or 'open' if it is still open after `waitMs`). */
  const trickle = (text, waitMs) =>
    new Promise((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('close', () => resolve(got || 'closed'));
      socket.on('error', () => {});
      setTimeout(() => {
        resolve('open');
        socket.destroy();
      }, waitMs);
    });
  const started = Date.now();
  const [headers, body] = await Promise.all([
    trickle('POST /v1/sync HTTP/1.1\r\nHost: x\r\nContent-Type: app', 5000),
    trickle('POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"dev_', 5000),
  ]);
  assert.notEqual(headers, 'open', 'partial headers: closed');
  assert.match(body, /408/, 'a partial body: 408');
  assert.ok(Date.now() - started < 4500, 'within the timeout, not the test’s wait');
  // Meanwhile and after, others are served.
  assert.equal((await call(url, '/healthz')).status, 200);
});

test('a member is limited by ops, not only requests', async (t) => {
  const { url } = await server(t, ['--ops-per-minute', '1000']);
  const token = await login(url, 'm-ops');
  let seq = 0;
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const ops = Array.from({ length: 500 }, () => op('p', ++seq, { type: 'track', action: 'open' }));
    statuses.push((await push(url, token, 'p', ops)).status);
  }
  assert.deepEqual(statuses, [200, 200, 429]);
});

test('requests without a valid session do not spend the members’ bucket of their address', async (t) => {
  const { url } = await server(t, ['--logins-per-minute', '8']);
  const token = await login(url, 'm-nat');
  const junk = [];
  for (let i = 0; i < 40; i++) junk.push((await push(url, 'not-a-session', 'p', [])).status);
  assert.ok(junk.includes(401) && junk.at(-1) === 429, junk.join());
  assert.equal((await push(url, token, 'p', [])).status, 200, 'the member behind the same address syncs');
});

test('lottery seeds are not in the database: it holds their commitments, from a secret kept outside', async (t) => {
  const { url, dataDir, child } = await server(t);
  const record = (await call(url, '/v1/lotteries/spring_draw_2027')).json;
  child.kill();
  const db = readFileSync(join(dataDir, 'zailai.db'));
  const wal = (() => {
    try {
      return readFileSync(join(dataDir, 'zailai.db-wal'));
    } catch {
      return Buffer.alloc(0);
    }
  })();
  assert.ok(Buffer.concat([db, wal]).includes(`c:${record.commitment}`), 'the commitment is what is stored');
  // Outside dev mode the secret must be given; another secret than the lottery started with
  // is refused rather than silently changing undrawn results.
  const prod = ['--key', join(root, 'js', 'test', 'fixtures', 'test-key.secret.json'), '--wechat-appid', 'wx1', '--wechat-secret', 'app-secret-0123'];
  await assert.rejects(startServer(prod), /ZAILAI_LOTTERY_SECRET/);
  await assert.rejects(startServer(prod, { env: { ZAILAI_LOTTERY_SECRET: 'abc' } }), /64 hex/);
  // (A dev server refuses the variable since issue 25; a production one over its own
  // database shows the same check.)
  const prodDir = mkdtempSync(join(tmpdir(), 'zailai-prod-'));
  const first = await startServer(prod, { dataDir: prodDir, env: { ZAILAI_LOTTERY_SECRET: 'ab'.repeat(32) } });
  first.child.kill();
  await new Promise((r) => first.child.once('exit', r));
  await assert.rejects(startServer(prod, { dataDir: prodDir, env: { ZAILAI_LOTTERY_SECRET: 'cd'.repeat(32) } }), /another commitment/);
});
