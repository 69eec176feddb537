// 审计: a write shows in the audit log with who did it, and the log's CSV export downloads
// (UTF-8 with a BOM, the same entries).
const test = require('node:test');
const { readFileSync } = require('node:fs');
const { assert, server, browserPage, signIn, open, screenshot } = require('./helpers.cjs');

test('the audit log shows a write, filtered, and exports it as CSV', async (t) => {
  const s = await server(t);
  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'admin');
  // A write from the console: a new operator.
  await open(page, s, 'operators');
  await page.click('[data-testid="add-operator"]');
  await page.fill('[data-testid="op-name"] input', 'zhou');
  await page.fill('[data-testid="op-password"] input', 'a long enough password');
  await page.locator('.t-dialog__confirm').first().click();
  await page.locator('.t-table__body', { hasText: 'zhou' }).waitFor();

  await open(page, s, 'audit');
  const row = page.locator('.t-table__body tr', { hasText: 'operator:zhou' });
  await row.waitFor();
  assert.match(await row.textContent(), /admin.*operator\.add.*operator:zhou/);
  await page.fill('input[placeholder^="动作"]', 'operator.add');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => [...document.querySelectorAll('.t-table__body tr')].every((r) => r.textContent.includes('operator.add')));
  await screenshot(page, 'audit-filtered');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export"]')]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.equal(csv.charCodeAt(0), 0xfeff, 'a BOM for Excel');
  const lines = csv.trim().split(/\r?\n/);
  assert.ok(lines.length >= 2, csv);
  assert.ok(lines.slice(1).every((l) => l.includes('operator.add')), 'the filter applies to the export');
  assert.ok(lines.some((l) => l.includes('operator:zhou')));
  assert.deepEqual(problems, []);
});
