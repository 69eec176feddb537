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
const { startServer, call } = require('./server-helpers.js');
const { startRuntime, wxStorageBackend } = require('./miniprogram-runtime.js');
const zailai = require(pkg);

const DAY = 86_400_000;

// miniprogram-ci first: it takes a global `window` for a browser.
const ci = require('miniprogram-ci');
// miniprogram-simulate renders into a DOM: jsdom's, with its Event classes (TOOLCHAIN.md).
const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(global, { window: dom.window, document: dom.window.document, Event: dom.window.Event, CustomEvent: dom.window.CustomEvent });
const simulate = require('miniprogram-simulate');

/** A copy of the demo with miniprogram_npm/ built the way DevTools builds it. */
async function demoPackage(serverUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-demo-'));
  cpSync(join(root, 'miniprogram-demo'), dir, { recursive: true, filter: (p) => !p.includes('miniprogram_npm') && !p.includes('node_modules') });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'zailai'));
  const result = await ci.packNpmManually({ packageJsonPath: join(dir, 'package.json'), miniprogramNpmDistDir: dir });
  assert.equal(result.miniProgramPackNum, 1);
  assert.deepEqual(readdirSync(join(dir, 'miniprogram_npm', 'zailai')).sort(), ['index.js', 'zailai.wasm.br']);
  // Point it at the test server, as the README tells a developer to.
  writeFileSync(join(dir, 'config.js'), `module.exports = { serverUrl: ${JSON.stringify(serverUrl)}, login: 'dev', devUser: 'mp-1', trustedKeys: [] };\n`);
  return dir;
}

/** Loads, renders and attaches a page; runs onLoad like the base library. */
async function openPage(dir, name) {
  const id = simulate.load(join(dir, 'pages', name, 'index'), { rootPath: dir });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  await page.instance.onLoad();
  return page;
}

const classOf = (page, date) => page.querySelector(`#d-${date}`).dom.className;
const text = (page, selector) => page.querySelector(selector).dom.textContent.trim();
const ymd = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10); // business day in UTC+8

test('the demo mini-program: pages render, check in, make up, claim, redeem, sync', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const dir = await demoPackage(server.url);

  // A member who joined three days ago and checked in on the first two days, offline…
  const storage = wxStorageBackend();
  const now = Date.now();
  const op = (seq, at, body = { type: 'check_in' }) => JSON.stringify({ device: 'phone', seq, at, op: body });
  const track = (action) => ({ type: 'track', action });
  storage.setStorageSync('zailai:mp-1:meta', JSON.stringify({ v: 1, device: 'phone', seq: 4, joinedAt: now - 3 * DAY, user: 'mp-1' }));
  // …and shared once and used the core feature once (points enough for a redeem below).
  storage.setStorageSync('zailai:mp-1:pending', ['zailai-ops/1', op(1, now - 3 * DAY), op(2, now - 2 * DAY), op(3, now - 2 * DAY + 60_000, track('share')), op(4, now - 2 * DAY + 120_000, track('core_action'))].join('\n'));

  const rt = startRuntime(dir, { storage });
  rt.setOnline(false); // start offline: everything below works without the server
  const app = rt.launchApp();
  Object.assign(global, { getApp: () => app, wx: rt.wx });
  const client = await app.ready;

  const checkin = await openPage(dir, 'checkin');
  const today = ymd(now);
  const yesterday = ymd(now - DAY);
  assert.match(classOf(checkin, today), /zl-today-pending/);
  assert.match(classOf(checkin, yesterday), /zl-makeup-available/);
  assert.equal(checkin.querySelectorAll('.zl-day').length % 7, 0);
  assert.equal(checkin.querySelectorAll('.head').length, 7);

  checkin.querySelector('#check-in').dispatchEvent('tap');
  await simulate.sleep(0);
  assert.match(classOf(checkin, today), /zl-today-done/, 'the calendar changed');
  assert.equal(text(checkin, '#check-in'), '今日已签到');
  assert.deepEqual(rt.toasts, ['签到成功']);

  checkin.querySelector(`#d-${yesterday}`).dispatchEvent('tap');
  await simulate.sleep(5);
  assert.match(classOf(checkin, yesterday), /zl-made-up/, `made up after confirming (toasts: ${rt.toasts})`);
  assert.match(text(checkin, '#streak-label'), /连续签到 4 天|再签/);

  // Tasks: an invite is the server's word (a friend's first sync), never the phone's.
  const tasks = await openPage(dir, 'tasks');
  assert.equal(tasks.querySelectorAll('.task').length, 6);
  assert.throws(() => client.track('invite'), (e) => e.code === 'NOT_ALLOWED');
  assert.equal(tasks.querySelector('#task-growth_invite .claim'), undefined, 'nothing to claim yet');

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
    user: 'friend-1',
    invitedBy: code,
    server: { url: server.url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'friend-1' }) },
  });
  await friend.sync();
  await friend.sync(); // later syncs carry the code too: it counts once
  friend.close();
  await client.sync();
  await simulate.sleep(0);
  const claim = tasks.querySelector('#task-growth_invite .claim');
  assert.ok(claim, 'claimable after the invite');
  claim.dispatchEvent('tap');
  await simulate.sleep(0);
  assert.equal(tasks.querySelector('#task-growth_invite .claim'), undefined);
  assert.equal(text(tasks, '#task-growth_invite .status'), '已完成');
  await client.sync();
  m = (await call(server.url, '/v1/admin/members/mp-1', { token: server.admin })).json;
  // Two offline check-ins, a share, a core action, today's check-in, the make-up, the redeem,
  // the server's invite, the claim: each once.
  assert.equal(m.ops, 9);
  assert.equal(m.summary.streak, 4);
  assert.equal(m.summary.tier, 'silver', 'the tier step of the invite task');
});
