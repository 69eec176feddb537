// End to end: the real wasm client (pkg/, in Node) syncing with the real `zailai serve` on
// 127.0.0.1. Offline week, duplicated and reordered delivery, edited and forged snapshots,
// key rotation, the server killed around a push, two devices, clock skew both ways.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { execFileSync } = require('node:child_process');
const { generateKeyPairSync, sign } = require('node:crypto');
const { mkdtempSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg } = require('./helpers.js');
const { storedPending } = require('./mp/scenarios.js');
const { cli, startServer, fakeWeChat, call, backdateDevice, pusher } = require('./server-helpers.js');
const zailai = require(pkg);

const DAY = 86_400_000;
const HOUR = 3_600_000;
const fastRetry = { retries: 6, baseMs: 50, maxMs: 1000 };

/** A client of `user` on `storage` whose clock is the real one shifted by `clock.skew`. */
function client(url, user, { storage = zailai.memoryStorage(), clock = { skew: 0 }, ...rest } = {}) {
  return zailai.createClient({
    storage,
    user,
    now: () => Date.now() + clock.skew,
    server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: user }), retry: fastRetry },
    ...rest,
  });
}

/**
 * A client whose device registered `ago` ms ago: registered now at its first launch, then the
 * registration moved back on both sides (the server's database, the phone's storage), as if
 * the first launch had been then: an end-to-end test cannot move the server's clock.
 */
async function registeredAgo(server, user, ago, options = {}) {
  const storage = options.storage || zailai.memoryStorage();
  const first = await client(server.url, user, { ...options, storage });
  backdateDevice(server.dataDir, first.deviceId, ago);
  first.close();
  const edit = (key, change) => storage.setItem(`zailai:${user}:${key}`, JSON.stringify(change(JSON.parse(storage.getItem(`zailai:${user}:${key}`)))));
  edit('device', (reg) => ({ ...reg, registeredAt: reg.registeredAt - ago }));
  edit('meta', (meta) => ({ ...meta, joinedAt: meta.joinedAt - ago }));
  return client(server.url, user, { ...options, storage });
}

function collectErrors(c) {
  const errors = [];
  c.on('error', (e) => errors.push(e));
  return errors;
}

async function member({ url, admin }, user) {
  return (await call(url, `/v1/admin/members/${user}`, { token: admin })).json;
}

test('an offline week, then one sync: the server agrees with what the phone showed', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  // First launched (and registered) a week ago, then offline since.
  const clock = { skew: 0 };
  const c = await registeredAgo(server, 'week', 7 * DAY, { clock });
  clock.skew = -6 * DAY;
  for (let day = 0; day < 7; day++) {
    c.checkIn();
    c.track('share');
    clock.skew += DAY;
  }
  clock.skew = 0;
  const offline = c.stateJSON();
  const synced = [];
  c.on('sync', (r) => synced.push(r));
  const result = await c.sync();
  assert.deepEqual(result.acked, Array.from({ length: 14 }, (_, i) => i + 1));
  assert.deepEqual(result.rejected, []);
  assert.equal(result.serverVersion, 1);
  assert.equal(synced.length, 1);
  assert.deepEqual(c.pendingOps(), []);
  assert.equal(c.stateJSON(), offline, 'the server computed the same state the phone did');
  const m = await member(server, 'week');
  assert.equal(m.ops, 14);
  assert.equal(m.summary.balance, c.summary().balance);
  assert.equal(c.summary().streak, 7);
});

test('duplicated and reordered pushes apply every op exactly once', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const { token } = (await call(server.url, '/v1/session', { method: 'POST', body: { dev_user: 'dup' } })).json;
  const push = pusher(server.url, { dataDir: server.dataDir });
  const now = Date.now();
  const ops = [1, 2, 3, 4, 5].map((seq) => ({ device: 'd', seq, at: now - (5 - seq) * 60_000, op: { type: 'track', action: 'review' } }));
  // The device first made contact 10 minutes ago (its ops are from the last 4).
  const send = (list) => push(token, 'd', list, { registeredBefore: 10 * 60_000 });
  const [older, newer] = [ops.slice(0, 3), ops];
  // The newer push overtakes the older one, then the older one arrives twice.
  const first = await send(newer);
  assert.deepEqual(first.json.acked, [1, 2, 3, 4, 5]);
  for (const late of [older, older, newer]) {
    const res = await send(late);
    assert.equal(res.status, 200);
    assert.equal(res.json.server_version, 1, 'nothing applied again');
  }
  const m = await member(server, 'dup');
  assert.equal(m.ops, 5);
  assert.equal(m.summary.balance, 5 * 20);
});

test('an edited or forged snapshot in storage is discarded; pending ops survive and are re-sent', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const { keys } = (await call(server.url, '/v1/config')).json;
  const storage = zailai.memoryStorage();
  const c = await client(server.url, 'edit', { storage, trustedKeys: keys });
  c.checkIn();
  await c.sync();
  const key = 'zailai:edit:snapshot';
  const good = storage.getItem(key);
  const bytes = Buffer.from(good, 'base64');
  c.close();

  // 1. One payload byte edited (the lifetime total of expired points, 0 → 9: before the two
  // empty maps that end the payload, holds and month_spent), signature unchanged.
  const edited = Buffer.from(bytes);
  const last = edited.length - 67;
  assert.equal(edited[last], 0, 'the payload ends with totals.expired, 0, then no holds, nothing spent');
  edited[last] = 9;
  // 2. The same edit, re-signed with the attacker's own key under the server's key id.
  const attacker = generateKeyPairSync('ed25519');
  const forged = Buffer.from(edited);
  sign(null, forged.subarray(0, forged.length - 64), attacker.privateKey).copy(forged, forged.length - 64);

  // 3. A base stored by a build of snapshot format 1 (never deployed): this build does not
  // read it, sets it aside and keeps the pending ops (docs/snapshot.md, Formats).
  const older = Buffer.from(bytes);
  older[4] = 1;

  for (const [bad, code] of [[edited, 'SNAPSHOT_BAD_SIGNATURE'], [forged, 'SNAPSHOT_BAD_SIGNATURE'], [older, 'SNAPSHOT_VERSION_UNSUPPORTED'], [Buffer.from('not a snapshot'), 'SNAPSHOT_MALFORMED']]) {
    storage.setItem(key, bad.toString('base64'));
    // A check-in made offline after the edit is pending.
    const d = await client(server.url, 'edit', { storage, trustedKeys: keys });
    const errors = collectErrors(d);
    // The open checks all but the signature; the signature right after the first paint
    // (docs/security.md): by then an edit is reported and the base gone.
    if (code === 'SNAPSHOT_BAD_SIGNATURE') {
      assert.deepEqual([errors.length, d.serverVersion > 0], [0, true], 'at open: not yet');
      const changes = [];
      d.on('change', (ch) => changes.push(ch));
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(changes.length, 1, 'the page is told to render again');
    }
    assert.deepEqual(errors.map((e) => e.code), [code]);
    assert.equal(d.serverVersion, 0, 'the base is gone');
    assert.ok(storage.keys().some((k) => k.startsWith('zailai:edit:quarantine:snapshot:')), 'kept aside, not destroyed');
    d.track('review');
    const pending = d.pendingOps();
    assert.ok(pending.length >= 1);
    const result = await d.sync();
    assert.ok(result.acked.includes(pending.at(-1).seq), 're-sent and acked');
    assert.deepEqual(d.pendingOps(), []);
    assert.ok(d.serverVersion >= 2);
    assert.equal(d.summary().balance, (await member(server, 'edit')).summary.balance);
    d.close(); // the next round is a relaunch
  }
  // A client closed before the first paint's check leaves the edit to the next open's check:
  // it neither reports nor writes once closed.
  storage.setItem(key, edited.toString('base64'));
  const e = await client(server.url, 'edit', { storage, trustedKeys: keys });
  const errors = collectErrors(e);
  e.close();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(errors, []);
  assert.equal(storage.getItem(key), edited.toString('base64'));
  const f = await client(server.url, 'edit', { storage, trustedKeys: keys });
  const later = collectErrors(f);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(later.map((x) => x.code), ['SNAPSHOT_BAD_SIGNATURE']);
  f.close();
});

test('without pinned keys a stored snapshot is trusted only until the server is asked', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const storage = zailai.memoryStorage();
  const c = await client(server.url, 'prov', { storage });
  c.checkIn();
  await c.sync();
  const synced = c.stateJSON();
  c.close();
  // The attacker also replaces the cached keys with their own.
  const attacker = generateKeyPairSync('ed25519');
  const pub = attacker.publicKey.export({ format: 'jwk' }).x;
  const bytes = Buffer.from(storage.getItem('zailai:prov:snapshot'), 'base64');
  const idLen = bytes[5];
  const id = bytes.subarray(6, 6 + idLen).toString();
  // A consistent edit: totals.expired (0, before the empty holds and month_spent that end
  // the payload), made 9.
  assert.equal(bytes[bytes.length - 67], 0);
  assert.deepEqual([...bytes.subarray(bytes.length - 66, bytes.length - 64)], [0, 0]);
  bytes[bytes.length - 67] = 9;
  sign(null, bytes.subarray(0, bytes.length - 64), attacker.privateKey).copy(bytes, bytes.length - 64);
  storage.setItem('zailai:prov:snapshot', bytes.toString('base64'));
  storage.setItem('zailai:prov:keys', JSON.stringify([{ id, public: Buffer.from(pub, 'base64url').toString('base64') }]));

  const d = await client(server.url, 'prov', { storage });
  const errors = collectErrors(d);
  assert.deepEqual(errors.map((e) => e.message), [], 'offline, the cached keys are all there is');
  assert.equal(d.summary().totals.expired, 9, 'shown until the server is asked');
  await d.sync();
  assert.deepEqual(errors.map((e) => e.code), ['SNAPSHOT_BAD_SIGNATURE'], 'the fetched keys expose it');
  assert.equal(d.summary().totals.expired, 0);
  assert.equal(d.stateJSON(), synced);
});

test('key rotation: the new key signs, the old stays trusted until removed', async (t) => {
  const keyDir = mkdtempSync(join(tmpdir(), 'zailai-keys-'));
  for (const id of ['old', 'new']) execFileSync(cli, ['keygen', '--id', id, '--out', keyDir]);
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-rot-'));
  // Key files are production's (--dev refuses them), so members log in through a fake WeChat.
  const wechat = await fakeWeChat();
  t.after(() => wechat.close());
  const start = (args) => startServer([...wechat.args, ...args], { dataDir, env: wechat.env });
  const login = { credentials: async () => ({ code: 'code-rot' }), retry: fastRetry, transport: zailai.fetchTransport() };
  let server = await start(['--key', join(keyDir, 'old.secret.json')]);
  const storage = zailai.memoryStorage();
  const c = await client(server.url, 'rot', { storage, server: { url: server.url, ...login } });
  c.checkIn();
  await c.sync();
  server.child.kill();

  server = await start(['--key', join(keyDir, 'new.secret.json'), '--trust', join(keyDir, 'old.public.json')]);
  t.after(() => server.child.kill());
  // The same process still has only the old key: the unknown key makes it fetch the new one.
  c._remote.url = server.url;
  c.track('review');
  const errors = collectErrors(c);
  const result = await c.sync();
  assert.equal(result.rejected.length, 0);
  assert.deepEqual(errors, []);
  assert.equal(c.serverVersion, 2);
  const ids = (await call(server.url, '/v1/config')).json.keys.map((k) => k.id).sort();
  assert.deepEqual(ids, ['new', 'old']);

  // An app that pins only the old key (the old one removed from its trust) refuses the new snapshot.
  const oldPub = JSON.parse(readFileSync(join(keyDir, 'old.public.json'), 'utf8'));
  c.close();
  const pinnedOld = await client(server.url, 'rot', { storage, server: { url: server.url, ...login }, trustedKeys: [{ id: 'old', public: oldPub.public }] });
  assert.deepEqual(collectErrors(pinnedOld).map((e) => e.code), ['SNAPSHOT_UNKNOWN_KEY']);
});

/**
 * A TCP proxy in front of the server that can SIGKILL it when a request arrives (before the
 * server saw it) or when its reply starts (after it committed), dropping the connection.
 */
function killingProxy(upstream) {
  const state = { upstream, mode: null, kills: 0, onKill: null };
  const proxy = net.createServer((down) => {
    const up = net.connect(state.upstream.port, '127.0.0.1');
    const kill = () => {
      state.mode = null;
      state.kills++;
      state.upstream.child.kill('SIGKILL');
      down.destroy();
      up.destroy();
      if (state.onKill) state.onKill();
    };
    down.on('data', (chunk) => (state.mode === 'request' && /POST \/v1\/sync/.test(chunk) ? kill() : up.write(chunk)));
    up.on('data', (chunk) => (state.mode === 'reply' && /HTTP\/1\.1 200/.test(chunk) && /"acked"/.test(chunk) ? kill() : down.write(chunk)));
    for (const s of [up, down]) s.on('error', () => (up.destroy(), down.destroy()));
    up.on('close', () => down.destroy());
    down.on('close', () => up.destroy());
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve({ state, proxy, url: `http://127.0.0.1:${proxy.address().port}` })));
}

for (const mode of ['request', 'reply']) {
  test(`the server killed ${mode === 'request' ? 'on receiving a push' : 'after committing, before answering'}: the client retries, nothing twice, nothing lost`, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zailai-kill-'));
    const args = ['--dev'];
    let server = await startServer(args, { dataDir });
    server.port = Number(new URL(server.url).port);
    const { state, proxy, url } = await killingProxy(server);
    t.after(() => (proxy.close(), state.upstream.child.kill()));
    state.onKill = () =>
      startServer(args, { dataDir }).then((s) => {
        s.port = Number(new URL(s.url).port);
        state.upstream = s;
      });

    const c = await client(url, 'kill');
    c.checkIn();
    c.track('share');
    const offline = c.stateJSON();
    await c.sync(); // config + a first push, so the kill hits a push with a session
    c.track('review');
    c.track('review');
    const expected = c.stateJSON();
    state.mode = mode;
    const result = await c.sync();
    assert.equal(state.kills, 1, 'the server was killed once');
    assert.deepEqual(result.acked, [3, 4]);
    assert.deepEqual(c.pendingOps(), []);
    assert.equal(c.stateJSON(), expected);
    assert.notEqual(offline, expected);
    const m = await member(state.upstream, 'kill');
    assert.equal(m.ops, 4, 'each op stored once');
    assert.deepEqual(m.processed, { [c.deviceId]: 4 });
    assert.equal(m.summary.balance, c.summary().balance);
  });
}

test('two devices of one member converge on the server state', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const phone = await client(server.url, 'two');
  const pad = await client(server.url, 'two');
  assert.notEqual(phone.deviceId, pad.deviceId);
  const before = phone.calendarCells(); // kept by the view cache until the state changes
  phone.checkIn();
  pad.checkIn(); // offline too: the server will refuse the second check-in of the day
  pad.track('share');
  await phone.sync();
  const padCells = pad.calendarCells();
  const padResult = await pad.sync();
  // The pad's view after the rebase is the server's state, not the cached one.
  assert.deepEqual(pad.calendarCells(), phone.calendarCells());
  assert.notDeepEqual(phone.calendarCells(), before);
  assert.ok(padCells.length > 0);
  assert.deepEqual(padResult.rejected.map((r) => [r.op.op.type, r.code]), [['check_in', 'ALREADY_CHECKED_IN']]);
  await phone.sync();
  assert.equal(phone.stateJSON(), pad.stateJSON());
  const m = await member(server, 'two');
  assert.deepEqual(Object.keys(m.processed).sort(), [phone.deviceId, pad.deviceId].sort());
  assert.equal(m.summary.balance, phone.summary().balance);
});

test('clock skew: ops stamped too far ahead or too old are refused and reported; then the client follows the server clock', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  // Before the device's registration (10 minutes back): the server refuses it; before the
  // member joined (9 days back): the phone itself does.
  // Within 10 minutes after the business day's start (00:00 UTC+8), 10 minutes back is the
  // day before the member joined: then the phone refuses it first, as for 'far-behind'.
  const businessDay = (t) => Math.floor((t + 8 * HOUR) / DAY);
  const behind = businessDay(Date.now() - 11 * 60_000) === businessDay(Date.now()) ? 'TOO_OLD' : 'OP_BEFORE_JOIN';
  const cases = [
    ['ahead', 2 * HOUR, 'CLOCK_AHEAD'],
    ['behind', -10 * 60_000, behind],
    ['far-behind', -9 * DAY, 'OP_BEFORE_JOIN'],
    ['slightly', 2 * 60_000, null],
  ];
  for (const [user, skew, code] of cases) {
    // The clock goes wrong after the first launch: the registration set the offset right.
    const clock = { skew: 0 };
    const c = await client(server.url, user, { clock });
    assert.ok(Math.abs(c.clockOffset) < 60_000, 'the registration taught the server clock');
    clock.skew = skew;
    const told = [];
    c.on('sync', (r) => told.push(...r.rejected));
    if (code === 'OP_BEFORE_JOIN') assert.throws(() => c.track('review'), { code });
    else c.track('review');
    const first = await c.sync();
    if (code === 'OP_BEFORE_JOIN') {
      assert.deepEqual(first.rejected, [], 'nothing recorded, nothing refused');
    } else if (code) {
      assert.deepEqual(first.rejected.map((r) => [r.op.seq, r.code]), [[1, code]], user);
      assert.equal(told.length, 1, 'the page is told');
      assert.equal(c.summary().balance, 0, 'the refused op is gone from the state');
    } else {
      assert.deepEqual(first.rejected, []);
    }
    assert.ok(Math.abs(c.clockOffset + skew) < 60_000, `${user}: offset ${c.clockOffset} undoes the skew ${skew}`);
    c.track('review');
    assert.ok(Math.abs(c.pendingOps()[0].at - Date.now()) < 60_000, 'stamped with the server clock');
    const second = await c.sync();
    assert.deepEqual(second.rejected, []);
    assert.equal((await member(server, user)).summary.balance, c.summary().balance);
  }
});

test('a client closed while its sync is in flight writes nothing more; the next one has every op', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const storage = zailai.memoryStorage();
  const c = await client(server.url, 'closing', { storage });
  c.checkIn();
  c.track('share');
  const syncing = c.sync();
  c.close(); // the page goes away while the request is out
  await assert.rejects(syncing, (e) => e.code === 'CLIENT_CLOSED');
  const stored = storedPending((k) => storage.getItem(k), 'zailai:closing:');
  const next = await client(server.url, 'closing', { storage });
  next.track('review'); // the next client owns the keys now
  await new Promise((r) => setTimeout(r, 200)); // anything the closed one still had in flight
  assert.notEqual(storedPending((k) => storage.getItem(k), 'zailai:closing:'), stored, 'the new op is stored');
  assert.deepEqual(next.pendingOps().map((op) => op.op.type), ['check_in', 'track', 'track']);
  await next.sync();
  assert.deepEqual(next.pendingOps(), []);
  assert.equal(next.summary().balance, (await member(server, 'closing')).summary.balance);
});

test('offline: sync fails with NETWORK after its retries and keeps every op', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const blackhole = net.createServer((s) => s.destroy());
  await new Promise((r) => blackhole.listen(0, '127.0.0.1', r));
  const c = await zailai.createClient({
    storage: zailai.memoryStorage(),
    user: 'off',
    server: { url: server.url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'off' }), retry: { retries: 2, baseMs: 10, maxMs: 20 } },
  });
  // Registered at the first launch (online), then the network goes.
  c._remote.url = `http://127.0.0.1:${blackhole.address().port}`;
  c.checkIn();
  const before = c._remote.attempts;
  await assert.rejects(c.sync(), (e) => e.code === 'NETWORK');
  assert.equal(c._remote.attempts - before, 3, 'one try and two retries');
  assert.equal(c.pendingOps().length, 1);
  blackhole.close();
});

test('a first launch offline records nothing until the device is registered, and registers by itself when the server answers', async (t) => {
  // A port that refuses connections, then a server on it.
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const storage = zailai.memoryStorage();
  const c = await zailai.createClient({
    storage,
    user: 'first',
    server: { url: `http://127.0.0.1:${port}`, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'first' }), retry: { retries: 1, baseMs: 20, maxMs: 100 } },
  });
  t.after(() => c.close());
  assert.throws(() => c.checkIn(), { code: 'DEVICE_NOT_REGISTERED' });
  assert.deepEqual(c.pendingOps(), [], 'nothing recorded');
  assert.equal(storage.getItem('zailai:first:device'), null);
  const server = await startServer(['--dev'], { addr: `127.0.0.1:${port}` });
  t.after(() => server.child.kill());
  const changed = new Promise((r) => c.on('change', r));
  await changed; // the retried registration re-opens the member under the server's id
  const reg = JSON.parse(storage.getItem('zailai:first:device'));
  assert.equal(reg.device, c.deviceId, 'the device id is the server’s');
  assert.match(reg.secret, /^[0-9a-f]{64}$/);
  c.checkIn();
  const result = await c.sync();
  assert.deepEqual(result.rejected, []);
  assert.deepEqual((await member(server, 'first')).processed, { [reg.device]: 1 });
});

test('the monthly report (会员月报) comes from the server through the client, as data and as a card', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const c = await client(server.url, 'monthly');
  await assert.rejects(c.monthlyReport(), { code: 'NOT_FOUND', status: 404 });
  c.checkIn();
  c.track('share');
  await c.sync();
  const report = await c.monthlyReport();
  assert.equal(report.user, 'monthly');
  assert.equal(report.checkins, 1);
  assert.equal(report.balance, c.pointsSummary().balance);
  assert.equal(report.month, Number(c.rules.businessDate(Date.now()).slice(5, 7)));
  // The server's snake_case body comes out in the JS API's camelCase, nested objects too.
  assert.ok(report.pointsEarned >= 5 && report.tierLabel && report.nextMonth.benefits.checkinPoints > 0, JSON.stringify(report));
  assert.doesNotMatch(JSON.stringify(report), /"[a-z]+_[a-z_]*":/, 'no snake_case key left');
  const svg = await c.monthlyReport({ svg: true });
  assert.match(svg, /^<svg[^>]*>/);
  assert.match(svg, /会员月报/);
  await assert.rejects(c.monthlyReport({ month: '2026-13' }), { code: 'BAD_REQUEST', path: 'month' });
});

test("the server's rules arrive in the binary form, are stored, and run offline after a relaunch; rules of a format this build cannot read are reported and the sync goes on", async (t) => {
  const { writeFileSync } = require('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'zailai-rules-sync-'));
  const rules = JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
  rules.points.earning.share = { points: 9, daily_limit: 1 };
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
  const server = await startServer(['--dev', '--config', join(dir, 'rules.json')]);
  t.after(() => server.child.kill());
  const config = (await call(server.url, '/v1/config?rules_formats=3')).json;
  assert.equal(config.rules_format, 3);
  assert.equal(typeof config.rules, 'string');
  assert.equal((await call(server.url, '/v1/config?rules_formats=7')).json.rules, null, 'none it writes: no rules, keys still');

  const storage = zailai.memoryStorage();
  const a = await client(server.url, 'rules-a', { storage });
  await a.sync();
  const stored = JSON.parse(storage.getItem('zailai:rules-a:rules'));
  // One version (the server's first, nothing scheduled): its hash, binary rules and instant.
  assert.deepEqual(stored.versions.map((v) => Object.keys(v).sort()), [['from', 'hash', 'number', 'rules']]);
  assert.equal(stored.versions[0].hash, config.config_hash);
  assert.equal(stored.versions[0].number, config.version.number);
  assert.equal(stored.versions[0].from, config.version.effective_from);
  assert.equal(stored.versions[0].rules, config.rules);
  a.close();
  const again = await client('http://127.0.0.1:9', 'rules-a', { storage }); // offline: nothing answers there
  assert.equal(again.track('share').find((e) => e.type === 'points_credited').granted, 9, "the server's rules, from storage");
  again.close();

  // A server that sends rules only in a format this client does not read.
  const newer = {
    async request(req) {
      const res = await zailai.fetchTransport().request(req);
      if (!req.url.includes('/v1/config')) return res;
      const body = JSON.parse(res.text);
      return { ...res, text: JSON.stringify({ ...body, rules: null, rules_format: 4 }) };
    },
  };
  const own = zailai.memoryStorage();
  const b = await client(server.url, 'rules-b', { storage: own, server: { url: server.url, transport: newer, credentials: async () => ({ dev_user: 'rules-b' }), retry: fastRetry } });
  const errors = collectErrors(b);
  assert.equal(b.track('share').find((e) => e.type === 'points_credited').granted, 30, 'the seed rules');
  const result = await b.sync();
  assert.deepEqual(result.acked, [1], 'the sync went on');
  assert.deepEqual(errors.map((e) => e.code), ['VERSION_NOT_SUPPORTED']);
  assert.equal(own.getItem('zailai:rules-b:rules'), null, 'nothing it cannot read is stored');
  b.close();
});
