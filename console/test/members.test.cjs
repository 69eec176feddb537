// 会员: search with server-side paging, a member's page, and a grant with its reason that the
// member's phone gets at its next sync (a signed snapshot over HTTP, as a phone reads it).
const test = require('node:test');
const { assert, server, browserPage, operator, login, open, message, call, pusher } = require('./helpers.cjs');
const { openSnapshot } = require('../../js/test/server-helpers.js');

const DAY = 86_400_000;

test('search, a member\'s page, and a grant the phone gets at its next sync', async (t) => {
  const s = await server(t, { args: ['--grant-cap', '500', '--coupon-cap', '3'] });
  const push = pusher(s.url, { dataDir: s.dataDir, registeredBefore: 3 * DAY });
  const tokens = {};
  for (const user of ['amy', 'amber', 'bob']) {
    tokens[user] = (await call(s.url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
    const ops = [1, 2].map((seq) => ({ device: 'phone', seq, at: Date.now() - (3 - seq) * DAY, op: { type: 'check_in' } }));
    assert.equal((await push(tokens[user], 'phone', ops)).status, 200);
  }
  await operator(s, 'zhao', 'operator');
  const { page, problems } = await browserPage(t);
  await login(page, s, 'zhao');
  await open(page, s, 'members');
  await page.fill('[data-testid="member-search"] input', 'am');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.t-table__body tr').length === 2);
  assert.match(await page.locator('.t-table__body').textContent(), /amber.*amy/);

  await page.locator('.t-table__body tr', { hasText: 'amy' }).click();
  await page.waitForSelector('.zl-page[data-page="member"] [data-testid="balance"]');
  const before = Number((await page.locator('[data-testid="balance"]').textContent()).replace(/,/g, ''));
  assert.ok(before > 0);

  await page.click('[data-testid="grant"]');
  await page.fill('[data-testid="grant-points"] input', '120');
  await page.fill('[data-testid="grant-reason"] input', '客诉补偿');
  await page.click('.t-dialog__confirm');
  assert.match(await message(page, 'success'), /已发放 120 积分（今日额度剩余 380 积分、3 张券）/);
  await page.waitForFunction((b) => document.querySelector('[data-testid="balance"]').textContent.replace(/,/g, '') === String(b + 120), before);

  // A coupon and no points: the list comes from the rules in effect.
  await page.click('[data-testid="grant"]');
  await page.fill('[data-testid="grant-points"] input', '0');
  await page.click('[data-testid="grant-coupon"]');
  const listed = page.locator('.t-select-option', { hasText: 'streak_7_coupon' });
  await listed.waitFor();
  await listed.click();
  await page.fill('[data-testid="grant-reason"] input', '生日关怀');
  await page.click('.t-dialog__confirm');
  // The points' message may still show: wait for the coupon's own.
  const couponMessage = page.locator('.t-message.t-is-success', { hasText: 'streak_7_coupon' });
  await couponMessage.waitFor();
  assert.match(await couponMessage.textContent(), /已发放 优惠券 streak_7_coupon（今日额度剩余 380 积分、2 张券）/);

  // The phone's next sync: its snapshot carries the grant.
  const config = (await call(s.url, '/v1/config')).json;
  const reply = await push(tokens.amy, 'phone', []);
  assert.equal(reply.status, 200);
  const payload = openSnapshot(reply.json.snapshot, config.keys);
  assert.equal(payload.state.balance, before + 120, 'the phone\'s signed state has the points');
  assert.equal(payload.state.devices['~console'], 2, 'as the console\'s ops');
  const coupon = payload.state.coupons.find((c) => c.coupon === 'streak_7_coupon');
  assert.equal(coupon?.source, 'grant:生日关怀', 'the coupon is in the phone\'s signed state');
  assert.ok(Object.values(payload.state.lots).some((l) => l.remaining === 120), 'in a lot of its own');
  const member = await call(s.url, '/v1/admin/members/amy', { token: s.admin });
  assert.equal(member.json.summary.balance, before + 120);
  assert.deepEqual(problems, []);
});
