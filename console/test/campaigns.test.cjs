// 活动 and 抽奖: a campaign from a template becomes a scheduled rules version (an operator's to
// publish: it changes campaigns only) that clients are offered next; the lottery's commitment,
// public record and stock.
const test = require('node:test');
const { assert, server, browserPage, signIn, open, message, call, screenshot, axeViolations } = require('./helpers.cjs');

test('a campaign from a template is scheduled by an operator and offered to clients next', async (t) => {
  const s = await server(t);
  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'operator');
  await open(page, s, 'campaigns');
  await page.locator('[data-template="double_11"]').waitFor();
  assert.equal(await page.locator('[data-template]').count(), 3);
  assert.match(await page.locator('.zl-grid').textContent(), /春节集福卡.*双11.*会员日/s);

  await page.click('[data-testid="use-double_11"]');
  await page.fill('[data-testid="campaign-id"] input', 'double_11_test');
  const start = await page.locator('[data-testid="campaign-start"] input').inputValue();
  assert.match(start, /^\d{4}-\d{2}-\d{2}$/);
  await page.locator('.t-dialog__confirm').first().click();
  assert.match(await message(page, 'success'), /活动已排期：规则版本 2/);

  const config = (await call(s.url, '/v1/config')).json;
  assert.equal(config.next.number, 2);
  const campaign = config.next.config.campaigns.find((c) => c.id === 'double_11_test');
  assert.ok(campaign, 'the new version has the campaign');
  assert.equal(campaign.start, start);
  const shown = await call(s.url, '/v1/admin/rules/2', { token: s.admin });
  assert.equal(shown.json.author, 'operator');
  assert.deepEqual(problems, []);
});

test('the lottery page: commitment, public record, stock left', async (t) => {
  const s = await server(t);
  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'viewer');
  await open(page, s, 'lotteries');
  const card = page.locator('[data-lottery="spring_draw_2027"]');
  await card.waitFor();
  assert.match(await card.textContent(), /春节幸运抽奖/);
  assert.match(await card.textContent(), /[0-9a-f]{64}/, 'the commitment');
  assert.match(await card.textContent(), /新春礼盒.*20 \/ 20/s, 'stock left of total');
  const href = await card.locator('[data-testid="public-record"]').getAttribute('href');
  assert.equal(href, '/v1/lotteries/spring_draw_2027');
  assert.equal((await call(s.url, href)).status, 200);
  assert.deepEqual(await axeViolations(page), []);
  await screenshot(page, 'lotteries');
  assert.deepEqual(problems, []);
});
