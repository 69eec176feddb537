// The demo mini-program (miniprogram-demo/) as WeChat would run it: miniprogram_npm/ built by
// Tencent's miniprogram-ci (the "构建 npm" of DevTools), app.js and the package inside the
// restricted runtime harness (WXWebAssembly by path, no WebAssembly/TextEncoder/fetch), the
// pages rendered by miniprogram-simulate on jsdom, syncing through wx.request with a real
// `zailai serve` on 127.0.0.1. Render each page, tap check-in, make up a day, claim a task,
// redeem, sync.
const test = require('node:test');
const assert = require('node:assert/strict');
const { cpSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { JSDOM } = require('jsdom');
const { root, pkg } = require('./helpers.js');
const { startServer, call, registerDevice, backdateDevice } = require('./server-helpers.js');
const { startRuntime, wxStorageBackend } = require('./miniprogram-runtime.js');
const { picture } = require('./mp/picture.js');
const zailai = require(pkg);

const DAY = 86_400_000;

// miniprogram-ci first: it takes a global `window` for a browser.
const ci = require('miniprogram-ci');
// miniprogram-simulate renders into a DOM: jsdom's, with its Event classes (TOOLCHAIN.md).
const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(global, { window: dom.window, document: dom.window.document, Event: dom.window.Event, CustomEvent: dom.window.CustomEvent });
const simulate = require('miniprogram-simulate');
const simulateUtils = require('miniprogram-simulate/src/utils');

/** A copy of the demo with miniprogram_npm/ built the way DevTools builds it. */
async function demoPackage(serverUrl, devUser = 'mp-1') {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-demo-'));
  cpSync(join(root, 'miniprogram-demo'), dir, { recursive: true, filter: (p) => !p.includes('miniprogram_npm') && !p.includes('node_modules') });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'zailai'));
  const result = await ci.packNpmManually({ packageJsonPath: join(dir, 'package.json'), miniprogramNpmDistDir: dir });
  assert.equal(result.miniProgramPackNum, 1);
  assert.deepEqual(readdirSync(join(dir, 'miniprogram_npm', 'zailai')).sort(), [
    'behavior.js', 'checkin-calendar', 'collect-cards', 'index.js', 'lottery', 'points-card', 'progress-bar', 'task-list', 'texts.js', 'zailai.wasm.br',
  ]);
  // Point it at the test server, as the README tells a developer to.
  writeFileSync(join(dir, 'config.js'), `module.exports = { serverUrl: ${JSON.stringify(serverUrl)}, login: 'dev', devUser: ${JSON.stringify(devUser)}, trustedKeys: [] };\n`);
  return dir;
}

/** The package's components where "构建 npm" put them (simulate resolves no npm paths). */
const NPM_COMPONENTS = Object.fromEntries(
  ['checkin-calendar', 'progress-bar', 'task-list', 'points-card', 'collect-cards', 'lottery'].map((n) => [`zl-${n}`, `/miniprogram_npm/zailai/${n}/index`]),
);

/** Loads, renders and attaches a page; runs onLoad like the base library. */
async function openPage(dir, name) {
  const id = simulate.load(join(dir, 'pages', name, 'index'), { rootPath: dir, usingComponents: NPM_COMPONENTS });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  if (typeof page.instance.onLoad === 'function') await page.instance.onLoad();
  return page;
}

/** A picture of a rendered page (./mp/picture.js), with the demo's app.wxss. */
function screenshot(page, name) {
  const { readFileSync } = require('node:fs');
  return picture(page, name, { css: readFileSync(join(root, 'miniprogram-demo', 'app.wxss'), 'utf8') });
}

const text = (page, selector) => page.querySelector(selector).dom.textContent.trim();
const ymd = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10); // business day in UTC+8

test('the demo mini-program: pages render, check in, make up, claim, redeem, sync', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const dir = await demoPackage(server.url);

  // A member whose phone first launched (and registered) three days ago, never logged in since
  // (the demo's startApp names no member), and who checked in on the first two days, offline…
  const storage = wxStorageBackend();
  const now = Date.now();
  const reg = await registerDevice(server.url);
  backdateDevice(server.dataDir, reg.device, 3 * DAY + 60_000);
  const phone = reg.device;
  storage.setStorageSync('zailai:local:device', JSON.stringify({ device: phone, secret: reg.secret, registeredAt: now - 3 * DAY - 60_000 }));
  const op = (seq, at, body = { type: 'check_in' }) => JSON.stringify({ device: phone, seq, at, op: body });
  const track = (action) => ({ type: 'track', action });
  storage.setStorageSync('zailai:local:meta', JSON.stringify({ v: 1, device: phone, seq: 4, joinedAt: now - 3 * DAY, user: 'local' }));
  // …and shared once and used the core feature once (points enough for a redeem below).
  storage.setStorageSync('zailai:local:pending', ['zailai-ops/1', op(1, now - 3 * DAY), op(2, now - 2 * DAY), op(3, now - 2 * DAY + 60_000, track('share')), op(4, now - 2 * DAY + 120_000, track('core_action'))].join('\n'));

  const rt = startRuntime(dir, { storage });
  rt.hostSimulate(simulateUtils); // pages run beside app.js and the package
  rt.setOnline(false); // start offline: everything below works without the server
  const app = rt.launchApp();
  Object.assign(global, { getApp: () => app, wx: rt.wx });
  const client = await app.ready;
  assert.equal(client.user, 'local', 'no member id before the first login');

  // 签到: the package's calendar, streak bar and points card.
  const checkin = await openPage(dir, 'checkin');
  const calendar = checkin.querySelector('#calendar');
  const today = ymd(now);
  const yesterday = ymd(now - DAY);
  const classOf = (date) => calendar.querySelector(`#zl-day-${date}`).dom.className;
  assert.match(classOf(today), /zl-day--today_pending/);
  assert.match(classOf(yesterday), /zl-day--makeup_available/);
  assert.equal(calendar.querySelectorAll('.zl-day').length % 7, 0);
  assert.equal(calendar.querySelectorAll('.zl-calendar__weekday').length, 7);
  assert.equal(text(checkin.querySelector('#points'), '.zl-points__number'), String(client.pointsSummary().balance));
  checkin.querySelector('#points').querySelector('.zl-points__number').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.deepEqual(rt.navigations, ['/pages/points/index'], 'one tap on the points card, one page');

  calendar.querySelector(`#zl-day-${today}`).dispatchEvent('tap');
  await simulate.sleep(0);
  assert.match(classOf(today), /zl-day--today_done/, 'the calendar changed');
  assert.deepEqual(rt.toasts, ['签到成功']);

  calendar.querySelector(`#zl-day-${yesterday}`).dispatchEvent('tap');
  await simulate.sleep(5);
  assert.match(classOf(yesterday), /zl-day--made_up/, `made up after confirming (toasts: ${rt.toasts})`);
  assert.deepEqual(rt.toasts, ['签到成功', '补签成功']);
  assert.match(text(checkin.querySelector('#streak'), '.zl-progress__label'), /连续签到 4 天|再签/);

  // 任务: the package's task list, a list per kind; 去完成 routes to where the action happens.
  const tasks = await openPage(dir, 'tasks');
  const growth = tasks.querySelector('#tasks-growth');
  assert.equal(['daily', 'growth', 'newbie'].reduce((n, k) => n + tasks.querySelector(`#tasks-${k}`).querySelectorAll('.zl-task').length, 0), 6);
  assert.throws(() => client.track('invite'), (e) => e.code === 'NOT_ALLOWED');
  assert.equal(growth.querySelector('#zl-task-growth_invite .zl-task__claim'), undefined, 'nothing to claim yet');
  tasks.querySelector('#tasks-daily').querySelector('#zl-task-daily_guide .zl-task__go').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.deepEqual({ ...tasks.instance.lastGo }, { task: 'daily_guide', action: 'browse_guide', kind: 'daily' });
  assert.equal(rt.navigations[rt.navigations.length - 1], '/pages/member/index');
  growth.querySelector('#zl-task-growth_invite .zl-task__go').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.equal(rt.navigations[rt.navigations.length - 1], 'share-menu', 'inviting is sharing');
  await screenshot(checkin, 'miniprogram-checkin');
  await screenshot(tasks, 'miniprogram-tasks');

  const member = await openPage(dir, 'member');
  assert.ok(text(member, '#tier-name').length > 0);
  // simulate does not reflect a built-in <image>'s src into the DOM: read what the page bound.
  assert.match(member.instance.data.tierBar, /^data:image\/svg\+xml;base64,/);
  assert.match(text(member, '#tier-label'), /^距离/);

  const points = await openPage(dir, 'points');
  const before = Number(text(points, '#balance'));
  assert.ok(before >= 50, `balance ${before}`);
  points.querySelector('#item-streak_freeze .redeem').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.equal(Number(text(points, '#balance')), before - 50);
  assert.ok(points.querySelectorAll('.entry').length >= 1, 'the history shows the redeem');

  // Back online: syncOnShow syncs; the server agrees with what the pages showed.
  const synced = new Promise((resolve) => client.on('sync', resolve));
  rt.setOnline(true);
  const result = await synced;
  assert.equal(result.rejected.length, 0, JSON.stringify(result.rejected));
  assert.equal(client.user, 'mp-1', 'the login adopted what the phone recorded');
  await simulate.sleep(0);
  assert.match(text(checkin, '#sync-status'), /0 项待同步/);
  let m = (await call(server.url, '/v1/admin/members/mp-1', { token: server.admin })).json;
  assert.equal(m.summary.balance, Number(text(points, '#balance')));
  assert.equal(m.summary.freezes, 1);

  // A friend arrives through mp-1's shared page: their first sync carries mp-1's invite code,
  // the server records mp-1's invite, and mp-1's next sync makes the task claimable.
  const code = await client.inviteCode();
  assert.match(code, /^[2-9A-HJ-NP-Z]{8}$/);
  const friend = await zailai.createClient({
    storage: zailai.memoryStorage(),
    invitedBy: code, // and no member id: the friend's first login says who they are
    server: { url: server.url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'friend-1' }) },
  });
  await friend.sync();
  await friend.sync(); // later syncs carry the code too: it counts once
  friend.close();
  await client.sync();
  await simulate.sleep(0);
  const claim = growth.querySelector('#zl-task-growth_invite .zl-task__claim');
  assert.ok(claim, 'claimable after the invite');
  claim.dispatchEvent('tap');
  await simulate.sleep(0);
  assert.equal(growth.querySelector('#zl-task-growth_invite .zl-task__claim'), undefined);
  assert.equal(text(growth, '#zl-task-growth_invite .zl-task__note'), '已领取');
  assert.ok(rt.toasts.includes('已领取'));
  await client.sync();
  m = (await call(server.url, '/v1/admin/members/mp-1', { token: server.admin })).json;
  // Two offline check-ins, a share, a core action, the launch's open (startApp), today's
  // check-in, the make-up, the redeem, the server's invite, the claim: each once.
  assert.equal(m.ops, 10);
  assert.equal(m.summary.streak, 4);
  assert.equal(m.summary.tier, 'silver', 'the tier step of the invite task');
});

test("the demo's campaign pages on the shipped components: cards from a day's use, a draw the server decides", async (t) => {
  // The server runs the seed rules with the Spring Festival campaign from two days ago.
  const { readFileSync } = require('node:fs');
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'zailai-demo-rules-')), 'rules.json');
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = ymd(Date.now() - 2 * DAY);
  writeFileSync(rulesFile, JSON.stringify(cfg));
  const server = await startServer(['--dev', '--config', rulesFile]);
  t.after(() => server.child.kill());
  const dir = await demoPackage(server.url, 'mp-2');
  const rt = startRuntime(dir, { storage: wxStorageBackend() });
  rt.hostSimulate(simulateUtils);
  const app = rt.launchApp();
  const client = await app.ready;
  await client.sync(); // the server's rules (the campaign) arrive; startApp's open is recorded
  client.checkIn();
  client.track('share'); // a card for the day's use and one for the share

  const cards = await openPage(dir, 'cards');
  const set = cards.querySelector('#cards');
  assert.equal(text(set, '.zl-cards__name'), '春节集福卡');
  assert.equal(set.querySelectorAll('.zl-card').length, 5);
  assert.equal(set.querySelectorAll('.zl-card--held').length >= 1, true, 'cards from the day');
  assert.equal(text(set, '.zl-cards__progress'), client.campaigns()[0].cards[0].progress.label);
  assert.equal(Number(text(cards.querySelector('#points'), '.zl-points__number')), client.pointsSummary().balance);
  assert.match(text(cards.querySelector('#streak'), '.zl-progress__label'), /连续|再签|里程/);
  await screenshot(cards, 'miniprogram-cards');

  const lottery = await openPage(dir, 'lottery');
  const box = lottery.querySelector('#lottery');
  const before = client.pointsSummary().balance;
  const synced = new Promise((resolve) => client.on('sync', resolve));
  box.querySelector('.zl-lottery__draw').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.equal(client.pointsSummary().balance, before - cfg.lotteries[0].cost_points);
  assert.ok(rt.toasts.includes('已抽奖，同步后揭晓'));
  assert.equal(box.querySelectorAll('.zl-lottery__result--pending').length, 1, 'pending until the server decides');
  await synced; // the page syncs at once when online
  await simulate.sleep(0);
  assert.equal(box.querySelectorAll('.zl-lottery__result--pending').length, 0, 'decided');
  assert.match(text(box, '.zl-lottery__result'), /抽中 |未中奖/);
  // The seed is revealed after the campaign: until then no verify action, a note says when.
  assert.equal(box.querySelector('.zl-lottery__verify'), undefined);
  assert.equal(text(box, '.zl-lottery__note'), '活动结束后公布种子，届时可验证');
  // The points card on the page followed the draw.
  assert.equal(Number(text(lottery.querySelector('#points'), '.zl-points__number')), client.pointsSummary().balance);
  await screenshot(lottery, 'miniprogram-lottery');
});
