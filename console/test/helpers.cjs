// The console end to end: a real `zailai serve --dev` (target/debug/zailai, its console
// embedded at build time) with a seeded population, and headless Chromium (playwright-core,
// Debian's chromium, TOOLCHAIN.md) on /console/. Screenshots go to target/artifacts/.
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, chmodSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { chromium } = require('playwright-core');
const { startServer, call, pusher } = require('../../js/test/server-helpers.js');

const root = join(__dirname, '..', '..');
const cli = process.env.ZAILAI_BIN || join(root, 'target', 'debug', 'zailai');
const artifacts = join(root, 'target', 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** A business day `n` days from today (UTC+8, the seed's zone), YYYY-MM-DD. */
function dayFromToday(n) {
  return new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
}

/** A data dir with `users` members living out the last `days` days (`zailai populate`). */
function populated({ users = 120, days = 40 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-console-'));
  chmodSync(dataDir, 0o700);
  execFileSync(cli, ['populate', '--data-dir', dataDir, '--users', String(users), '--start', dayFromToday(-days), '--days', String(days)], { stdio: 'ignore' });
  return dataDir;
}

/** `zailai serve --dev` over `dataDir` (a new empty one by default); its admin token as `admin`. */
async function server(t, { dataDir, args = [] } = {}) {
  const s = await startServer(['--dev', ...args], dataDir ? { dataDir } : {});
  t.after(() => s.child.kill());
  return s;
}

/** A Chromium page of `width` px; `problems` collects page errors, console errors and CSP
 * violations (a console error the test expects is taken out with `expect(re)`). */
async function browserPage(t, { width = 1280, height = 900 } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  const expected = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    const where = `${text} ${m.location()?.url || ''}`;
    if (m.type() === 'error' && !expected.some((re) => re.test(where))) problems.push(`console: ${where}`);
    if (/Content Security Policy/i.test(text)) problems.push(`csp: ${text}`);
  });
  page.expect = (re) => expected.push(re);
  return { browser, context, page, problems };
}

const PASSWORD = 'correct horse battery staple';

/** Adds an operator of `role` through the admin API (the dev server's bearer token). */
async function operator(s, name, role) {
  const res = await call(s.url, '/v1/admin/operators', { method: 'POST', token: s.admin, body: { name, role, password: PASSWORD } });
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

/** Signs in through the login page as `name` (made by `operator`) and waits for 概览. */
async function login(page, s, name) {
  // The console asks for its session first: signed out, that is a 401 the browser logs.
  page.expect(/status of 401.*\/v1\/console\/session$/);
  await page.goto(`${s.url}/console/`);
  await page.waitForSelector('[data-testid="login-name"]');
  await page.fill('[data-testid="login-name"] input', name);
  await page.fill('[data-testid="login-password"] input', PASSWORD);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('.zl-page[data-page="overview"]');
}

/** Signs `page` in through the login page as a new operator of `role` (`role` is its name). */
async function signIn(page, s, role = 'admin') {
  const listed = await call(s.url, '/v1/admin/operators', { token: s.admin });
  if (!listed.json.operators.some((o) => o.name === role)) await operator(s, role, role);
  await login(page, s, role);
}

/** Opens a page of the console (`#/path`) and waits for its content. */
async function open(page, s, path) {
  await page.goto(`${s.url}/console/#/${path}`);
  // This page's own root: going from page to page changes only the hash, and the page before
  // stays in the document until the next one's chunk has loaded.
  const name = path.startsWith('members/') ? 'member' : path.split('/')[0];
  await page.waitForSelector(`.zl-page[data-page="${name}"]`);
  await page.waitForLoadState('networkidle');
}

/** axe-core's serious and critical violations on the page as it is (axe is evaluated through
 * the DevTools protocol: the console's CSP rightly refuses an injected script tag). */
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
async function axeViolations(page) {
  // The pointer away from the page: a hovered button is checked in its hover colours otherwise.
  await page.mouse.move(0, 0);
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `console-${name}.png`), fullPage: true });
}

/** The success or error message TDesign shows, once it appears. */
async function message(page, kind = 'error') {
  const el = page.locator(`.t-message.t-is-${kind}`).last();
  await el.waitFor();
  return el.textContent();
}

module.exports = { assert, root, cli, artifacts, call, pusher, dayFromToday, populated, server, browserPage, signIn, operator, login, open, axeViolations, screenshot, message };
