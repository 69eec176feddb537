// 会员 and 操作员 pages, an admin's writes through the page: end a member's sessions (the
// phone's token stops syncing), revoke a membership (the tier drops, the phone sees it at its
// next sync: js/test/console-members.test.js), disable an operator (their open console session ends at once). Each is audited.
const test = require('node:test');
const { assert, server, browserPage, operator, login, signIn, open, call, pusher } = require('./helpers.cjs');

const DAY = 86_400_000;

/** Clicks the confirm button of the Popconfirm `trigger` opens. */
async function confirmPop(page, trigger) {
  await page.click(trigger);
  const confirm = page.locator('.t-popconfirm .t-button--theme-primary:visible, .t-popconfirm .t-button--theme-danger:visible').last();
  await confirm.waitFor();
  await confirm.click();
}

test('an admin ends sessions, revokes a membership and disables an operator from the pages', async (t) => {
  const s = await server(t);
  const push = pusher(s.url, { dataDir: s.dataDir, registeredBefore: DAY });
  const phone = (await call(s.url, '/v1/session', { method: 'POST', body: { dev_user: 'mia' } })).json.token;
  const first = [{ device: 'phone', seq: 1, at: Date.now() - 60_000, op: { type: 'check_in' } }];
  assert.equal((await push(phone, 'phone', first)).status, 200);
  const vip = await call(s.url, '/v1/merchant/memberships', { method: 'POST', token: s.merchant, body: { user: 'mia', purchase: 'P-1', plan: 'yearly' } });
  assert.equal(vip.status, 200, JSON.stringify(vip.json));
  await operator(s, 'olga', 'operator');
  const olga = await browserPage(t);
  await login(olga.page, s, 'olga');
  const admin = await browserPage(t);
  await signIn(admin.page, s, 'admin');
  const { page } = admin;

  // End sessions: the phone's token no longer syncs.
  await open(page, s, 'members/mia');
  await confirmPop(page, '[data-testid="end-sessions"]');
  await page.locator('.t-message.t-is-success', { hasText: '已结束 1 个会话' }).waitFor();
  assert.equal((await push(phone, 'phone', [])).status, 401, 'the ended session syncs nothing');

  // Revoke the yearly membership through its dialog: the tier drops at once.
  await page.click('[data-testid="revoke"]');
  await page.locator('.t-dialog:visible .t-select').click();
  await page.locator('.t-select-option', { hasText: 'yearly' }).click();
  await page.locator('.t-dialog__confirm:visible').click();
  await page.locator('.t-message.t-is-success', { hasText: '会员资格已撤销' }).waitFor();
  const member = (await call(s.url, '/v1/admin/members/mia', { token: s.admin })).json;
  assert.deepEqual(member.memberships, []);
  assert.equal(member.summary.tier, 'regular');

  // Disable olga: her open session ends at once.
  olga.page.expect(/status of 401/);
  const before = await olga.page.evaluate(() => fetch('/v1/console/session').then((r) => r.status));
  assert.equal(before, 200);
  await open(page, s, 'operators');
  await confirmPop(page, '[data-testid="toggle-olga"]');
  await page.locator('[data-testid="toggle-olga"]', { hasText: '启用' }).waitFor();
  const after = await olga.page.evaluate(() => fetch('/v1/console/session').then((r) => r.status));
  assert.equal(after, 401, 'a disabled operator\'s session is over');

  const audit = (await call(s.url, '/v1/admin/audit?actor=admin', { token: s.admin })).json.entries;
  assert.deepEqual(audit.map((e) => e.action).slice(0, 3), ['operator.change', 'member.revoke', 'member.end_sessions']);
  assert.deepEqual([admin.problems, olga.problems], [[], []]);
});
