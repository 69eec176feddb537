// Every page of the console over a seeded population: no script error, no CSP violation, no
// serious or critical axe-core finding, a screenshot at 1280 px (and the overview at 768 px,
// the side menu collapsed); the language switch is remembered across a reload.
const test = require('node:test');
const { assert, populated, server, browserPage, signIn, open, axeViolations, screenshot } = require('./helpers.cjs');

const PAGES = ['overview', 'retention', 'members', 'members/sim-00000', 'rules', 'campaigns', 'lotteries', 'messages', 'audit', 'operators'];

test('every page: no error, axe-core clean, a screenshot at 1280 px', async (t) => {
  const s = await server(t, { dataDir: populated() });
  const { page, problems } = await browserPage(t);
  page.expect(/status of 401.*\/v1\/console\/session$/);
  await page.goto(`${s.url}/console/`);
  await page.waitForSelector('[data-testid="login-name"]');
  assert.deepEqual(await axeViolations(page), [], 'axe on the login page');
  await screenshot(page, 'login');
  await signIn(page, s, 'admin');
  for (const path of PAGES) {
    await open(page, s, path);
    if (path === 'overview') {
      await page.locator('[data-diagnosis]').first().waitFor();
      await page.locator('[data-chart="liability"] canvas').waitFor();
    }
    assert.deepEqual(await axeViolations(page), [], `axe on ${path}`);
    await screenshot(page, path.replace('members/', 'member-'));
  }
  assert.deepEqual(problems, []);
});

test('the overview at 768 px: the menu collapses to icons, the charts stack', async (t) => {
  const s = await server(t, { dataDir: populated({ users: 60, days: 20 }) });
  const { page, problems } = await browserPage(t, { width: 768, height: 1024 });
  await signIn(page, s, 'admin');
  await open(page, s, 'overview');
  await page.locator('[data-chart="tiers"] canvas').waitFor();
  assert.equal(await page.locator('.t-menu--dark.t-is-collapsed, .t-default-menu.t-is-collapsed').count(), 1, 'the side menu is collapsed');
  const [a, b] = await page.locator('.zl-grid-2 > .t-card').evaluateAll((cards) => cards.slice(0, 2).map((c) => c.getBoundingClientRect().top));
  assert.ok(b > a, 'charts one under the other');
  const scroll = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(scroll <= 0, `no sideways scrolling (${scroll} px too wide)`);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'overview-768');
  assert.deepEqual(problems, []);
});

test('Chinese first, English on demand, remembered across a reload', async (t) => {
  const s = await server(t);
  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'viewer');
  await open(page, s, 'rules');
  assert.equal(await page.locator('.zl-page-head h1').textContent(), '规则');
  assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
  await page.click('[data-testid="lang"]');
  assert.equal(await page.locator('.zl-page-head h1').textContent(), 'Rules');
  await page.reload();
  await page.waitForSelector('.zl-page');
  assert.equal(await page.locator('.zl-page-head h1').textContent(), 'Rules');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('.t-menu').textContent(), /Overview.*Retention.*Members/);
  assert.deepEqual(problems, []);
});
