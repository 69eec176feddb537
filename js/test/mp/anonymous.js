// Members before they log in (docs/sync.md), on both engines WeChat uses, against a real
// `zailai serve --dev`: V8 in ../miniprogram.test.js, JavaScriptCore without JIT in
// ../jsc-anonymous.test.js (its wx.request relayed to the server by Node). Engine-neutral like
// ./scenarios.js; `env` adds to what that file's scenarios get:
// - env.server: {url, admin} of the running server (admin: its dev admin token)
// - env.backdate(device, ms): moves the device's registration back in the server's database
//   (the server's clock cannot move in a test)

const DAY = 86_400_000;
const LOGIN = '会员-匿名🎈';
const plain = (v) => JSON.parse(JSON.stringify(v));

/** GET through the runtime's own wx.request (so both engines reach the server the same way). */
function get(wx, url, token) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method: 'GET',
      header: { authorization: `Bearer ${token}` },
      dataType: 'text',
      success: (res) => resolve({ status: res.statusCode, json: JSON.parse(res.data) }),
      fail: (e) => reject(new Error(e.errMsg)),
    });
  });
}

/**
 * A first launch online with no member id (the device registers), three days offline with the
 * app launched each day (startApp with no `user`: an open and a check-in a day; a login that
 * fails), then the first login: every op is applied once, none is left pending, the server's
 * balance is the phone's, and the member is known at the next launch before any sync. A second
 * login as another member pushes nothing; a reinstall is a new device, adopted by the same member.
 */
async function anonymousFirstLogin({ assert, open, newBackend, server, backdate }) {
  const backend = newBackend();
  const clock = { skew: 0 };
  const login = { user: null }; // who wx.login would reveal; null: the login fails
  const options = (zailai, rt) => ({
    locale: 'zh_CN',
    now: () => Date.now() + clock.skew,
    server: {
      url: server.url,
      transport: zailai.wxTransport(rt.wx),
      credentials: async () => {
        if (!login.user) throw new Error('wx.login failed');
        return { dev_user: login.user };
      },
      retry: { retries: 0, baseMs: 10, maxMs: 20 },
    },
  });
  /** A launch as the quick start writes it: startApp with no `user`. */
  const launch = async (online) => {
    const { zailai, rt } = await open(backend);
    rt.setOnline(online);
    const client = await zailai.startApp(options(zailai, rt), rt.wx);
    const errors = [];
    client.on('error', (e) => errors.push(e.code));
    return { zailai, rt, client, errors };
  };

  // The first launch, three and a half days ago: online, so the device registers; no login.
  // (createClient rather than startApp: startApp's open would be dated now, and only the
  // registration can be moved back.)
  const first = await open(backend);
  let rt = first.rt;
  let client = await first.zailai.createClient({ storage: first.zailai.wxStorage(rt.wx), ...options(first.zailai, rt) });
  assert.equal(client.user, 'local');
  assert.equal(client.anonymous, true);
  const device = client.deviceId;
  assert.match(device, /^d[0-9a-f]{32}$/);
  client.close();
  backdate(device, 3.5 * DAY);
  const edit = (key, change) => rt.wx.setStorageSync(`zailai:local:${key}`, JSON.stringify(change(JSON.parse(rt.wx.getStorageSync(`zailai:local:${key}`)))));
  edit('device', (reg) => ({ ...reg, registeredAt: reg.registeredAt - 3.5 * DAY }));
  edit('meta', (meta) => ({ ...meta, joinedAt: meta.joinedAt - 3.5 * DAY }));

  // Three days offline, then the fourth online: each launch records an open, the page a
  // check-in. The first three cannot reach the server.
  let recorded = 0;
  for (const daysAgo of [3, 2, 1]) {
    clock.skew = -daysAgo * DAY;
    ({ client, rt } = await launch(false));
    client.checkIn();
    recorded = client.pendingOps().length;
    assert.equal(client.user, 'local');
    assert.equal(client.deviceId, device);
    client.close();
  }
  assert.equal(recorded, 6);
  assert.ok([...backend.data.keys()].every((k) => k.startsWith('zailai:')), 'only keys under zailai:');

  // The fourth day: online, and wx.login works. The member checks in before the login's sync
  // is done; the launch's sync adopts the device's ops into the member the session names.
  clock.skew = 0;
  login.user = LOGIN;
  let errors;
  ({ client, rt, errors } = await launch(true));
  const firstSync = new Promise((resolve, reject) => {
    client.on('sync', resolve);
    client.on('error', reject);
  });
  assert.equal(client.user, 'local');
  client.checkIn();
  assert.equal(client.summary().streak, 4);
  assert.equal(client.anonymous, true);
  await firstSync;
  assert.equal(client.user, LOGIN);
  assert.equal(client.anonymous, false, 'the login ended it');
  await client.sync(); // whatever the first push did not carry
  assert.deepEqual(plain(client.pendingOps()), []);
  assert.deepEqual(errors, []);
  const summary = client.summary();
  assert.equal(summary.user, LOGIN);
  assert.equal(summary.streak, 4);

  const member = await get(rt.wx, `${server.url}/v1/admin/members/${encodeURIComponent(LOGIN)}`, server.admin);
  assert.equal(member.status, 200);
  assert.equal(member.json.summary.balance, summary.balance);
  assert.equal(member.json.summary.streak, 4);
  const seq = JSON.parse(rt.wx.getStorageSync('zailai:local:meta')).seq;
  assert.equal(seq, 8, 'four opens and four check-ins');
  assert.equal(member.json.processed[device], seq);
  const ops = await get(rt.wx, `${server.url}/v1/admin/members/${encodeURIComponent(LOGIN)}/ops?limit=100`, server.admin);
  const mine = ops.json.ops.filter((o) => o.device === device);
  assert.equal(mine.length, seq, 'each op once in the log');
  assert.deepEqual(plain(mine.map((o) => o.seq).sort((a, b) => a - b)), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(mine.every((o) => o.result === 'applied'), JSON.stringify(mine.filter((o) => o.result !== 'applied')));
  client.close();

  // A relaunch knows its member before any sync, and goes on syncing as it.
  const again = await open(backend);
  const relaunched = await again.zailai.createClient({ storage: again.zailai.wxStorage(again.rt.wx), ...options(again.zailai, again.rt) });
  assert.equal(relaunched.user, LOGIN);
  assert.equal(relaunched.anonymous, false);
  assert.equal(relaunched.summary().streak, 4);
  relaunched.track('share');
  assert.deepEqual(plain((await relaunched.sync()).rejected), []);
  assert.deepEqual(plain(relaunched.pendingOps()), []);

  // A second login as another member: nothing of this device goes to them.
  login.user = 'someone-else';
  again.rt.wx.removeStorageSync('zailai:local:session');
  relaunched.track('query');
  await assert.rejects(relaunched.sync(), (e) => e.code === 'SESSION_USER_MISMATCH' && e.message.includes(LOGIN));
  assert.equal(relaunched.pendingOps().length, 1);
  assert.equal(relaunched.user, LOGIN);
  const stranger = await get(again.rt.wx, `${server.url}/v1/admin/members/someone-else`, server.admin);
  assert.equal(stranger.status, 404);
  relaunched.close();

  // A reinstall (its storage gone) is a new device: it registers, records a check-in it cannot
  // know was made today, and its first login adopts it into the same member beside the first
  // device. The server refuses that check-in, once; the phone shows the server's state.
  login.user = LOGIN;
  const reinstall = await open(newBackend());
  const fresh = await reinstall.zailai.createClient({ storage: reinstall.zailai.wxStorage(reinstall.rt.wx), ...options(reinstall.zailai, reinstall.rt) });
  assert.ok(fresh.deviceId !== device, 'a new device');
  assert.equal(fresh.user, 'local');
  fresh.checkIn();
  const adopted = await fresh.sync();
  assert.deepEqual(plain(adopted.rejected.map((r) => r.code)), ['ALREADY_CHECKED_IN']);
  assert.equal(fresh.user, LOGIN);
  assert.deepEqual(plain(fresh.pendingOps()), []);
  assert.equal(fresh.summary().streak, 4);
  const after = await get(reinstall.rt.wx, `${server.url}/v1/admin/members/${encodeURIComponent(LOGIN)}`, server.admin);
  assert.equal(after.json.summary.balance, fresh.summary().balance);
  assert.equal(after.json.processed[fresh.deviceId], 1);
  fresh.close();
}

module.exports = { anonymousFirstLogin };
