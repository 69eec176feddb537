// The mini-program dist in a runtime shaped like WeChat's: an offline week with a restart.
const test = require('node:test');
const assert = require('node:assert/strict');
const vm = require('node:vm');
const { join } = require('node:path');
const { pkg } = require('./helpers.js');
const { codePackage, startRuntime, wxStorageBackend } = require('./miniprogram-runtime.js');

const root = codePackage(join(pkg, 'dist', 'miniprogram'));
const DAY = 86_400_000;
// Values made inside the runtime have its Array prototype: compare plain copies.
const plain = (v) => JSON.parse(JSON.stringify(v));
const USER = '会员🎉一号';
const at = (day, hour = 9) => Date.UTC(2026, 10, day, hour - 8, 0); // November 2026, UTC+8

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

test('an offline week: check-ins, a make-up, tasks, a restart in the middle, views', async () => {
  const storage = wxStorageBackend();
  const clock = { t: at(1) };
  const open = async () => {
    const rt = startRuntime(root, { storage });
    const zailai = rt.require('zailai');
    // A user id with CJK and an emoji: strings cross into wasm through the injected UTF-8
    // encoder (this runtime has no TextEncoder) and come back through the decoder.
    const client = await zailai.createClient({ storage: zailai.wxStorage(rt.wx), user: USER, now: () => clock.t });
    const errors = [];
    client.on('error', (e) => errors.push(e));
    return { client, errors, zailai };
  };
  let { client, errors } = await open();
  const rewards = [];
  client.on('reward', (r) => rewards.push(...r.events));
  for (const day of [1, 2, 3]) {
    clock.t = at(day);
    client.track('open');
    client.checkIn();
    client.track('query');
  }
  client.track('core_action'); // newbie task: 20 points + a coupon
  assert.ok(rewards.some((e) => e.type === 'coupon_granted' && e.coupon === 'newbie_5_yuan'));
  assert.equal(client.calendar().streak, 3);

  // Restart: a new runtime reads the same wx storage (the phone was rebooted).
  let zailai;
  ({ client, errors, zailai } = await open());
  assert.equal(client.summary().streak, 3);
  clock.t = at(5); // the 4th was missed
  client.track('open');
  client.checkIn();
  assert.throws(() => client.checkIn(), (e) => e.code === 'ALREADY_CHECKED_IN');
  client.makeUp('2026-11-04');
  clock.t = at(6);
  client.checkIn();
  clock.t = at(7);
  const events = client.checkIn();
  assert.deepEqual(plain(events.map((e) => e.type)), ['checked_in', 'points_credited', 'streak_milestone', 'points_credited', 'coupon_granted']);

  const cal = client.calendar();
  const status = Object.fromEntries(cal.weeks.flat().filter((d) => d.status !== 'outside_month').map((d) => [d.day, d.status]));
  assert.deepEqual(plain([1, 2, 3, 4, 5, 6, 7, 8].map((d) => status[d])), ['checked', 'checked', 'checked', 'made_up', 'checked', 'checked', 'today_done', 'future']);
  assert.equal(cal.streak, 7);
  assert.equal(cal.streak_label, '连续签到 7 天');
  // 3 opens (10) + 5 check-ins (5) + milestones (10 + 30) + 3 daily tasks (10) + newbie (15 + 20) + open (10) − make-up (10)
  assert.equal(client.pointsSummary().balance, 30 + 30 + 40 + 30 + 35 + 10 - 10);
  const tasks = Object.fromEntries(client.tasks().map((t) => [t.id, t.status]));
  assert.equal(tasks.newbie_core, 'done');
  assert.equal(tasks.daily_query, 'in_progress');
  assert.match(client.tierProgress().label, /^距离白银会员还差/);
  assert.deepEqual(errors, []);
  assert.equal(client.summary().user, USER);
  assert.ok([...storage.data.keys()].every((k) => k.startsWith('zailai:')), 'only keys under zailai:');
  // Pictures for <image src>: built without btoa or TextEncoder, which this runtime lacks.
  const svg = client.calendarSVG();
  assert.equal(Buffer.from(zailai.svgDataUri(svg).split(',')[1], 'base64').toString('utf8'), svg);
  assert.ok(svg.includes('连续签到 7 天'));
  assert.equal(plain(client.calendarCells()).find((c) => c.date === '2026-11-04').bottomInfo, '已补签');
  // The share poster on a <canvas type="2d"> found with SelectorQuery, at the pixel ratio.
  const rt = startRuntime(root, { storage });
  const texts = [];
  const ctx = new Proxy({}, { get: (_, name) => (name === 'fillText' ? (t) => texts.push(t) : () => {}), set: () => true });
  const node = { width: 0, height: 0, getContext: () => ctx };
  rt.canvases.set('#poster', node);
  await zailai.drawPoster({}, '#poster', client, {}, rt.wx);
  assert.deepEqual([node.width, node.height], [750, 1280]);
  assert.ok(texts.includes('连续签到 7 天'));
  await assert.rejects(zailai.drawPoster({}, '#nothing', client, {}, rt.wx), (e) => e.code === 'BAD_ARGUMENT');
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
  const { startServer, call } = require('./server-helpers.js');
  const server = await startServer(['--dev', '--admin-token', 'op']);
  t.after(() => server.child.kill());
  const rt = startRuntime(root);
  const zailai = rt.require('zailai');
  const clock = { skew: -DAY };
  const client = await zailai.createClient({
    storage: zailai.wxStorage(rt.wx),
    user: USER,
    now: () => Date.now() + clock.skew,
    server: { url: server.url, transport: zailai.wxTransport(rt.wx), credentials: () => ({ dev_user: USER }), retry: { retries: 1, baseMs: 10, maxMs: 20 } },
  });
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
  const m = (await call(server.url, `/v1/admin/members/${encodeURIComponent(USER)}`, { token: 'op' })).json;
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
  const server = await startServer(['--wechat-appid', 'wx123', '--wechat-api', `http://127.0.0.1:${fake.address().port}`, '--dev'], { env: { ZAILAI_WECHAT_SECRET: 'app-secret' } });
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
