// The web preview end to end in headless Chromium (playwright-core, Debian's chromium):
// `zailai serve --web` serves the page and the package; check in, reload (the offline state
// survives in localStorage), make up a day, sync, draw the poster. Screenshots of the calendar
// and the member centre are saved to target/artifacts/ for a person to look at.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { chromium } = require('playwright-core');
const { root } = require('./helpers.js');
const { startServer, call, registerDevice, backdateDevice } = require('./server-helpers.js');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const artifacts = join(root, 'target', 'artifacts');

/** The preview assembled and served (`serverArgs` more), and a phone-sized Chromium tab on
 * it; `problems` collects page errors and console errors. */
async function openPreview(t, serverArgs = []) {
  execFileSync(process.execPath, [join(root, 'js', 'build', 'preview.mjs')], { stdio: 'ignore' });
  mkdirSync(artifacts, { recursive: true });
  const server = await startServer(['--dev', '--web', join(root, 'target', 'web-preview'), ...serverArgs]);
  t.after(() => server.child.kill());
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 420, height: 900 }, deviceScaleFactor: 2 });
  // The tests write storage from /healthz (same origin, no client), whose favicon is no
  // problem of the preview's.
  await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  return { server, page, problems };
}

test('the web preview: offline days, check in, make up, reload, sync, poster; screenshots', async (t) => {
  const { server, page, problems } = await openPreview(t);

  // A member whose browser first opened the page (and registered) three days ago and who
  // checked in on the first two days, offline (written into localStorage the way the client
  // stores it; the registration moved back in the server's database), then missed yesterday.
  // The storage is written from a page of the same origin that runs no client (the preview's
  // own client would register a device and write its meta meanwhile, racing the test).
  await page.goto(`${server.url}/healthz`);
  const now = Date.now();
  const reg = await registerDevice(server.url);
  backdateDevice(server.dataDir, reg.device, 3 * 86_400_000 + 60_000);
  await page.evaluate(({ now, DAY, reg }) => {
    const op = (seq, at) => JSON.stringify({ device: reg.device, seq, at, op: { type: 'check_in' } });
    localStorage.setItem('zailai:web-1:device', JSON.stringify({ ...reg, registeredAt: now - 3 * DAY - 60_000 }));
    localStorage.setItem('zailai:web-1:meta', JSON.stringify({ v: 1, device: reg.device, seq: 2, joinedAt: now - 3 * DAY, user: 'web-1' }));
    localStorage.setItem('zailai:web-1:pending', ['zailai-ops/1', op(1, now - 3 * DAY), op(2, now - 2 * DAY)].join('\n'));
  }, { now, DAY: 86_400_000, reg });
  await page.goto(`${server.url}/?user=web-1`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.getAttribute('body', 'data-pending'), '2');
  assert.match(await page.locator('#calendar svg title').textContent(), /^\d{4}年\d{1,2}月$/);
  assert.equal(await page.locator('#calendar g.zl-today-pending').count(), 1);

  await page.click('#check-in');
  assert.equal(await page.locator('#calendar g.zl-today-done').count(), 1);
  assert.equal(await page.locator('#check-in').isDisabled(), true);
  // Make up yesterday (10 points of the 15 earned).
  const makeups = page.locator('#makeups button');
  assert.equal(await makeups.count(), 1);
  const madeUpBefore = await page.locator('#calendar g.zl-made-up').count();
  await makeups.first().click();
  assert.equal(await page.locator('#calendar g.zl-made-up').count(), madeUpBefore + 1);
  assert.equal(await page.locator('#makeups button').count(), 0);
  assert.equal(await page.getAttribute('body', 'data-pending'), '4');

  // Reload: the state comes back from localStorage, not from the server.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.locator('#calendar g.zl-today-done').count(), 1, 'offline state survives a reload');
  assert.equal(await page.getAttribute('body', 'data-pending'), '4');
  const shownBalance = await page.locator('#balance').textContent();

  await page.click('#sync');
  await page.waitForSelector('body[data-pending="0"]');
  assert.match(await page.locator('#sync-status').textContent(), /^v1 · 0 pending$/);
  const member = (await call(server.url, '/v1/admin/members/web-1', { token: server.admin })).json;
  assert.equal(member.ops, 4);
  assert.equal(member.summary.streak, 4, 'two check-ins, a make-up, today');
  assert.equal(String(member.summary.balance), await page.locator('#balance').textContent());
  assert.equal(await page.locator('#balance').textContent(), shownBalance, 'the server agrees with the page');

  await page.evaluate(() => (document.getElementById('toast').hidden = true));
  await page.click('#poster-button');
  const drawn = await page.evaluate(() => {
    const c = document.getElementById('poster');
    const px = c.getContext('2d').getImageData(10, 10, 1, 1).data;
    return { w: c.width, h: c.height, px: Array.from(px) };
  });
  assert.deepEqual([drawn.w, drawn.h], [750, 1280]);
  assert.deepEqual(drawn.px, [255, 96, 52, 255], 'the header band is painted in the checked colour');
  await page.locator('#calendar').screenshot({ path: join(artifacts, 'preview-calendar.png') });
  await page.locator('#poster').screenshot({ path: join(artifacts, 'preview-poster.png') });

  await page.click('.tabs button[data-tab="member"]');
  assert.match(await page.locator('#tier-bar svg title').textContent(), /距离/);
  await page.locator('#member').screenshot({ path: join(artifacts, 'preview-member.png') });
  await page.click('.tabs button[data-tab="tasks"]');
  assert.ok((await page.locator('#task-list li').count()) >= 5);
  await page.click('.tabs button[data-tab="points"]');
  assert.equal(await page.locator('#catalog button').count(), 2);
  assert.deepEqual(problems, []);
});

test('the web preview: the campaign tab shows collect-cards and the lottery; a draw waits for the server; screenshot', async (t) => {
  const DAY = 86_400_000;
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = new Date(Date.now() + 8 * 3_600_000 - 2 * DAY).toISOString().slice(0, 10);
  const rulesFile = join(mkdtempSync(join(tmpdir(), 'zailai-preview-')), 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(cfg));
  const { server, page, problems } = await openPreview(t, ['--config', rulesFile]);

  // Today: opened the app, shared, checked in (a card for the day's use, one for the share).
  await page.goto(`${server.url}/healthz`); // same origin, no client (as above)
  const now = Date.now();
  const reg = await registerDevice(server.url);
  backdateDevice(server.dataDir, reg.device, 180_000);
  await page.evaluate(({ now, reg }) => {
    const op = (seq, body) => JSON.stringify({ device: reg.device, seq, at: now - 60_000 + seq, op: body });
    localStorage.setItem('zailai:web-2:device', JSON.stringify({ ...reg, registeredAt: now - 180_000 }));
    localStorage.setItem('zailai:web-2:meta', JSON.stringify({ v: 1, device: reg.device, seq: 3, joinedAt: now - 120_000, user: 'web-2' }));
    localStorage.setItem('zailai:web-2:pending', ['zailai-ops/1', op(1, { type: 'track', action: 'open' }), op(2, { type: 'track', action: 'share' }), op(3, { type: 'check_in' })].join('\n'));
  }, { now, reg });
  await page.goto(`${server.url}/?user=web-2`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.click('#sync'); // the server's rules: the campaign runs
  await page.waitForSelector('body[data-pending="0"]');
  await page.click('.tabs button[data-tab="campaign"]');
  assert.equal(await page.locator('#cards strong').textContent(), '春节集福卡');
  assert.equal(await page.locator('#cards .fu').count(), 5);
  assert.equal(await page.locator('#cards .fu.held').count() >= 1, true);
  assert.equal(await page.locator('#exchange').isDisabled(), true, 'not a full set');

  await page.click('#draw');
  assert.equal(await page.locator('#lottery li.pending').count(), 1);
  await page.click('#sync');
  await page.waitForSelector('body[data-pending="0"]');
  await page.waitForFunction(() => document.querySelectorAll('#lottery li.pending').length === 0);
  assert.match(await page.locator('#lottery li').first().textContent(), /抽中 |未中奖/);
  await page.click('#verify');
  await page.waitForFunction(() => document.getElementById('verify-note').textContent.length > 0);
  assert.equal(await page.locator('#verify-note').textContent(), '活动结束后公布种子，届时可验证');
  await page.evaluate(() => (document.getElementById('toast').hidden = true));
  await page.locator('#campaign').screenshot({ path: join(artifacts, 'preview-campaign.png') });
  assert.deepEqual(problems, []);
});

test('the server serves only files under --web, and 404s as JSON', async (t) => {
  const server = await startServer(['--dev', '--web', join(root, 'target', 'web-preview')]);
  t.after(() => server.child.kill());
  const wasm = await fetch(`${server.url}/zailai/zailai.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  for (const path of ['/../Cargo.toml', '/%2e%2e/Cargo.toml', '/nope.js', '/.hidden']) {
    const res = await fetch(`${server.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal((await res.json()).error.code, 'NOT_FOUND');
  }
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'API routes still win');
});
