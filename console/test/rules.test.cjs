// 规则: a draft's error shown at its path (and its line) by the publish's own validator, a
// what-if with its result, and a
// scheduled publish that a client picks up from GET /v1/config.
const test = require('node:test');
const { assert, populated, server, browserPage, signIn, open, message, call } = require('./helpers.cjs');

/** The draft editor's text, once the version in effect is loaded into it. */
async function draftOf(page) {
  const area = page.locator('[data-testid="draft-text"] textarea');
  await page.waitForFunction(() => document.querySelector('[data-testid="draft-text"] textarea')?.value.length > 100);
  return { area, rules: JSON.parse(await area.inputValue()) };
}

test('a draft with an error is shown at its path and line; a what-if shows its result', async (t) => {
  const s = await server(t, { dataDir: populated({ users: 80, days: 30 }) });
  const { page, problems } = await browserPage(t);
  page.expect(/status of (400|422)/);
  await signIn(page, s, 'operator');
  await open(page, s, 'rules');
  const { area, rules } = await draftOf(page);

  // A streak bonus on day 99 of a 7-day cycle.
  const bad = structuredClone(rules);
  bad.checkin.streak_bonuses[1].day = 99;
  const text = JSON.stringify(bad, null, 2);
  await area.fill(text);
  await page.click('[data-testid="validate"]');
  const problem = page.locator('[data-testid="problems"] li').first();
  await problem.waitFor();
  const path = await problem.getAttribute('data-path');
  assert.match(path, /checkin\.streak_bonuses\[1\]\.day$/);
  assert.match(await problem.textContent(), /streak_cycle/);
  const line = text.split('\n').findIndex((l) => l.includes('"day": 99')) + 1;
  assert.match(await problem.textContent(), new RegExp(`第 ${line} 行`));
  // The line link selects that line in the editor.
  await problem.locator('a').click();
  const selected = await area.evaluate((ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.match(selected, /"day": 99/);

  // Twice the day-3 bonus: more points issued under the draft, nothing else refused.
  const good = structuredClone(rules);
  good.checkin.streak_bonuses[0].reward.points *= 2;
  await area.fill(JSON.stringify(good, null, 2));
  await page.click('[data-testid="validate"]');
  const valid = page.locator('[data-testid="valid"]');
  await valid.waitFor();
  assert.equal(await page.locator('[data-testid="problems"]').count(), 0, 'the problems are gone');
  assert.match(await valid.textContent(), /校验通过.*与版本 1 相比 1 处改动；发布需要管理员/s);
  // The same draft refused by the what-if's own check shows its path too.
  await area.fill(text);
  await page.click('[data-testid="what-if"]');
  await page.locator('[data-testid="problems"] li[data-path="candidate.checkin.streak_bonuses[1].day"]').waitFor();
  await area.fill(JSON.stringify(good, null, 2));
  await page.click('[data-testid="what-if"]');
  const result = page.locator('[data-testid="what-if-result"]');
  await result.waitFor({ timeout: 30_000 });
  assert.equal(await page.locator('[data-testid="problems"]').count(), 0, 'the problems are gone');
  const issued = await result.locator('[data-figure="points_issued"]').textContent();
  assert.match(issued, /^\+[\d,]+$/, `points issued go up (${issued})`);
  assert.match(await result.textContent(), /重放/);
  assert.deepEqual(problems, []);
});

test('a publish scheduled from the console is what a client picks up next', async (t) => {
  const s = await server(t);
  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'admin');
  await open(page, s, 'rules');
  const { area, rules } = await draftOf(page);
  const before = await call(s.url, '/v1/config');
  assert.equal(before.json.next, null);

  rules.checkin.streak_bonuses[0].reward.points = 25;
  await area.fill(JSON.stringify(rules, null, 2));
  await page.click('[data-testid="schedule"]');
  await page.fill('[data-testid="publish-note"] input', '三日奖励 25 分');
  await page.click('.t-dialog__confirm');
  assert.match(await message(page, 'success'), /已排期版本 2/);
  await page.locator('[data-state="scheduled"]').waitFor();

  const after = await call(s.url, '/v1/config');
  assert.equal(after.json.version.number, 1);
  assert.equal(after.json.next.number, 2);
  assert.equal(after.json.next.config.checkin.streak_bonuses[0].reward.points, 25);
  assert.ok(after.json.next.effective_from > Date.now() + 10 * 60_000, 'scheduled past the lead time');
  assert.ok(after.json.next.rules, 'the binary rules a phone holds');
  const shown = await call(s.url, '/v1/admin/rules/2', { token: s.admin });
  assert.equal(shown.json.note, '三日奖励 25 分');

  // The diff between the two versions names the change.
  await page.click('[data-testid="show-diff"]');
  assert.match(await page.locator('[data-testid="diff"]').textContent(), /checkin\.streak_bonuses.*points: 10 → 25/);
  assert.deepEqual(problems, []);
});
