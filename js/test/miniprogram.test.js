// The mini-program dist in a runtime shaped like WeChat's: an offline week with a restart.
const test = require('node:test');
const assert = require('node:assert/strict');
const vm = require('node:vm');
const { join } = require('node:path');
const { pkg } = require('./helpers.js');
const { codePackage, startRuntime, wxStorageBackend } = require('./miniprogram-runtime.js');
const { offlineWeek, twoPages, corruptedStorage, localCheckpoint, USER, plain } = require('./mp/scenarios.js');
const { memberFixture } = require('./mp/member-fixture.js');

const root = codePackage(join(pkg, 'dist', 'miniprogram'));
const DAY = 86_400_000;

test('the runtime is shaped like the mini-program one', async () => {
  const rt = startRuntime(root);
  for (const name of ['WebAssembly', 'TextEncoder', 'TextDecoder', 'fetch', 'URL', 'require', 'process']) {
    assert.equal(vm.runInContext(`typeof ${name}`, rt.context), 'undefined', name);
  }
  const WX = rt.context.WXWebAssembly;
  await assert.rejects(WX.instantiate(new ArrayBuffer(8), {}), /path must be a string/);
  await assert.rejects(WX.instantiate('https://example.com/x.wasm', {}), /not a code package path/);
  assert.equal(rt.wx.getStorageSync('nothing'), '');
  assert.throws(() => rt.wx.setStorageSync('big', 'x'.repeat(1024 * 1024)), (e) => /max length/.test(e.errMsg));
});

// The scenarios shared with JavaScriptCore without JIT (./jsc.test.js), here on V8.
const env = {
  assert,
  newBackend: (entries = {}) => wxStorageBackend(new Map(Object.entries(entries))),
  open: async (backend) => {
    const rt = startRuntime(root, { storage: backend });
    return { rt, zailai: rt.require('zailai') };
  },
};

test('an offline week: check-ins, a make-up, tasks, a relaunch in the middle, views', () => offlineWeek(env));

test('two pages on one storage share one client; nothing is lost at a relaunch', () => twoPages(env));

test('a relaunch from the local checkpoint is the member a full replay gives; a damaged one is ignored', () => localCheckpoint(env));

test('corrupted storage on a relaunch is reported and set aside; the pending op survives', async () => {
  const faults = await corruptedStorage(env, await memberFixture());
  assert.ok(faults >= 20, `${faults} faults tried`);
});

test('a base library without .wasm.br support gets a clear error', async () => {
  const rt = startRuntime(root, { sdkVersion: '2.13.2' });
  const zailai = rt.require('zailai');
  await assert.rejects(zailai.createClient({ storage: zailai.wxStorage(rt.wx) }), (e) => e.code === 'WASM_UNAVAILABLE' && /ZAILAI_MP_WASM=raw/.test(e.message));
});

test('a wrong wasm path is a coded error, and a retry with the right one works', async () => {
  const rt = startRuntime(root);
  const zailai = rt.require('zailai');
  await assert.rejects(zailai.load({ wasmPath: '/nope/zailai.wasm.br' }), (e) => e.code === 'WASM_UNAVAILABLE');
  const bindings = await zailai.load({ wasmPath: '/miniprogram_npm/zailai/zailai.wasm.br' });
  assert.equal(typeof bindings.Rules.seed, 'function');
});

test('in the mini-program: offline ops sync through wx.request when the network returns and on show', async (t) => {
  const { startServer, call, backdateDevice } = require('./server-helpers.js');
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  let rt = startRuntime(root);
  let zailai = rt.require('zailai');
  const clock = { skew: 0 };
  const options = () => ({
    storage: zailai.wxStorage(rt.wx),
    user: USER,
    now: () => Date.now() + clock.skew,
    server: { url: server.url, transport: zailai.wxTransport(rt.wx), credentials: () => ({ dev_user: USER }), retry: { retries: 1, baseMs: 10, maxMs: 20 } },
  });
  // The first launch registered the device, two days ago (moved back on both sides: the
  // server's clock cannot move in a test); the app launches again now.
  const first = await zailai.createClient(options());
  backdateDevice(server.dataDir, first.deviceId, 2 * DAY);
  first.close();
  const prefix = `zailai:${encodeURIComponent(USER)}:`;
  const edit = (key, change) => rt.wx.setStorageSync(prefix + key, JSON.stringify(change(JSON.parse(rt.wx.getStorageSync(prefix + key)))));
  edit('device', (reg) => ({ ...reg, registeredAt: reg.registeredAt - 2 * DAY }));
  edit('meta', (meta) => ({ ...meta, joinedAt: meta.joinedAt - 2 * DAY }));
  rt = startRuntime(root, { storage: rt.storage });
  zailai = rt.require('zailai');
  clock.skew = -DAY;
  const client = await zailai.createClient(options());
  const errors = [];
  const syncs = [];
  client.on('error', (e) => errors.push(e.code));
  const nextSync = () => new Promise((resolve) => {
    const off = client.on('sync', (r) => (off(), syncs.push(r), resolve(r)));
  });
  const stop = zailai.syncOnShow(client, rt.wx);

  rt.setOnline(false);
  client.checkIn();
  clock.skew = 0;
  client.checkIn();
  rt.show(); // offline: the sync fails after its retry, nothing is lost
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(errors, ['NETWORK']);
  assert.equal(client.pendingOps().length, 2);

  const synced = nextSync();
  rt.setOnline(true);
  const result = await synced;
  assert.deepEqual(plain(result.acked), [1, 2]);
  assert.deepEqual(plain(client.pendingOps()), []);
  assert.equal(client.summary().streak, 2);
  const m = (await call(server.url, `/v1/admin/members/${encodeURIComponent(USER)}`, { token: server.admin })).json;
  assert.equal(m.summary.balance, client.summary().balance);

  client.track('share');
  const again = nextSync();
  rt.show();
  assert.deepEqual(plain((await again).acked), [3]);
  stop();
  assert.equal(rt.listeners.show.size + rt.listeners.net.size, 0, 'stop() removes both listeners');
});

test('WeChat login: wx.login code → zailai serve → code2session (a local fake of WeChat) → a session for the openid', async (t) => {
  const http = require('node:http');
  const { startServer } = require('./server-helpers.js');
  const seen = [];
  const fake = http.createServer((req, res) => {
    const q = new URL(req.url, 'http://x').searchParams;
    seen.push(Object.fromEntries(q));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(q.get('js_code') === 'code-1' ? { openid: 'o-wx-1', session_key: 'k' } : { errcode: 40029, errmsg: 'invalid code' }));
  });
  await new Promise((r) => fake.listen(0, '127.0.0.1', r));
  t.after(() => fake.close());
  // A production server (--dev refuses a WeChat login: its dev_user could log in as any openid).
  const key = join(require('./helpers.js').root, 'js', 'test', 'fixtures', 'test-key.secret.json');
  const env = { ZAILAI_WECHAT_SECRET: 'app-secret', ZAILAI_LOTTERY_SECRET: '5a'.repeat(32) };
  const server = await startServer(['--wechat-appid', 'wx123', '--wechat-api', `http://127.0.0.1:${fake.address().port}`, '--key', key], { env });
  t.after(() => server.child.kill());

  const rt = startRuntime(root, { loginCode: 'code-1' });
  const zailai = rt.require('zailai');
  const server_ = { url: server.url, transport: zailai.wxTransport(rt.wx), credentials: zailai.wxLoginCredentials(rt.wx), retry: { retries: 0 } };
  const client = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: 'o-wx-1', server: server_ });
  client.checkIn();
  const result = await client.sync();
  assert.deepEqual(plain(result.acked), [1]);
  assert.deepEqual(seen, [{ appid: 'wx123', secret: 'app-secret', js_code: 'code-1', grant_type: 'authorization_code' }]);
  assert.equal(JSON.parse(rt.wx.getStorageSync('zailai:o-wx-1:session')).user, 'o-wx-1');

  // A client kept for another member never pushes its ops into this openid's account.
  const rt2 = startRuntime(root, { loginCode: 'code-1' });
  const other = await rt2.require('zailai').createClient({ storage: rt2.require('zailai').wxStorage(rt2.wx), user: 'someone-else', server: { ...server_, transport: rt2.require('zailai').wxTransport(rt2.wx), credentials: rt2.require('zailai').wxLoginCredentials(rt2.wx) } });
  other.checkIn();
  await assert.rejects(other.sync(), (e) => e.code === 'SESSION_USER_MISMATCH');
  assert.equal(other.pendingOps().length, 1);

  // A refused code is a 401 the client reports without retrying.
  const rt3 = startRuntime(root, { loginCode: 'stale' });
  const z3 = rt3.require('zailai');
  const third = await z3.createClient({ storage: z3.wxStorage(rt3.wx), user: 'o-wx-1', server: { ...server_, transport: z3.wxTransport(rt3.wx), credentials: z3.wxLoginCredentials(rt3.wx) } });
  await assert.rejects(third.sync(), (e) => e.code === 'UNAUTHORIZED' && e.status === 401);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(check, what, ms = 5000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('startApp records one open a business day, across relaunches too (the README says so)', async () => {
  const backend = wxStorageBackend();
  const clock = { now: Date.UTC(2026, 10, 3, 1) };
  const launch = async () => {
    const rt = startRuntime(root, { storage: backend });
    return rt.require('zailai').startApp({ user: 'opener', now: () => clock.now }, rt.wx);
  };
  const opens = (c) => c.pendingOps().filter((o) => o.op.type === 'track' && o.op.action === 'open').length;
  let client = await launch();
  assert.equal(opens(client), 1, 'the first launch');
  client.close();
  clock.now += 3_600_000;
  client = await launch(); // a relaunch the same business day
  assert.equal(opens(client), 1, 'no second open the same day');
  client.close();
  clock.now += DAY;
  client = await launch();
  assert.equal(opens(client), 2, 'the next day: one more');
  client.close();
});

test('a client made without user records one open a day across its first login', async (t) => {
  const { startServer, call } = require('./server-helpers.js');
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const backend = wxStorageBackend();
  const launch = () => {
    const rt = startRuntime(root, { storage: backend });
    const zailai = rt.require('zailai');
    const remote = { url: server.url, transport: zailai.wxTransport(rt.wx), credentials: () => ({ dev_user: 'newbie' }), retry: { retries: 0 } };
    return zailai.startApp({ server: remote }, rt.wx);
  };
  let client = await launch();
  await waitFor(() => client.user === 'newbie' && client.serverVersion > 0 && client.pendingOps().length === 0, 'the first login');
  client.close();
  client = await launch(); // the same business day, the member known before any sync
  assert.equal(client.user, 'newbie');
  await client.sync();
  client.close();
  const log = (await call(server.url, '/v1/admin/members/newbie/ops', { token: server.admin })).json.ops;
  const opens = log.filter((o) => o.op.op.type === 'track' && o.op.op.action === 'open');
  assert.equal(opens.length, 1, 'one open that day, before and after the login');
});

test('with a server, startApp syncs soon after actions: a burst is one sync, none while offline', async (t) => {
  const { startServer } = require('./server-helpers.js');
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const rt = startRuntime(root);
  const zailai = rt.require('zailai');
  const client = await zailai.startApp({
    user: 'burst',
    syncDelayMs: 150,
    server: { url: server.url, transport: zailai.wxTransport(rt.wx), credentials: () => ({ dev_user: 'burst' }), retry: { retries: 0 } },
  }, rt.wx);
  t.after(() => client.close());
  await waitFor(() => client.serverVersion > 0 && client.pendingOps().length === 0, 'the launch sync');
  const syncs = [];
  client.on('sync', (r) => syncs.push(r));
  client.track('share');
  await sleep(60);
  client.track('query'); // the wait starts again
  await sleep(100);
  assert.equal(syncs.length, 0, 'not yet: 150 ms after the last action');
  await waitFor(() => syncs.length === 1, 'the debounced sync');
  await sleep(300);
  assert.equal(syncs.length, 1, 'one sync for the burst');
  assert.equal(syncs[0].rejected.length, 0);
  assert.equal(client.pendingOps().length, 0);
  // Offline: no request; the network's return syncs (syncOnShow).
  rt.setOnline(false);
  client.track('share');
  await sleep(300);
  assert.equal(syncs.length, 1, 'nothing sent offline');
  assert.equal(client.pendingOps().length, 1);
  rt.setOnline(true);
  await waitFor(() => syncs.length === 2, 'the sync on the network\'s return');
  assert.equal(client.pendingOps().length, 0);
  // Closed before the delay is up: the timer finds nothing to send and throws nothing.
  const errors = [];
  client.on('error', (e) => errors.push(e));
  client.track('share');
  client.close();
  await sleep(300);
  assert.equal(syncs.length, 2);
  assert.deepEqual(errors, []);
});
