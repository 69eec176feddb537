// 消息: the candidates are the consenting members' only, in the CSV export too; the ones chosen
// are recorded as sent
// (POST /v1/admin/messages/sent), which the report's participation of the notified counts.
const test = require('node:test');
const { readFileSync } = require('node:fs');
const { assert, server, browserPage, signIn, open, message, call, pusher } = require('./helpers.cjs');

const DAY = 86_400_000;

/** A member `user` on a two-day streak who has not checked in today; `consent` or not. */
async function onAStreak(s, push, user, consent) {
  const token = (await call(s.url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
  const now = Date.now();
  const ops = [1, 2].map((seq) => ({ device: 'phone', seq, at: now - (3 - seq) * DAY, op: { type: 'check_in' } }));
  assert.equal((await push(token, 'phone', ops)).status, 200);
  if (consent) assert.equal((await call(s.url, '/v1/consent', { method: 'POST', token, body: { streak_reminder: true } })).status, 200);
}

test('messages: consenting members only, exported as CSV, and the chosen ones recorded as sent', async (t) => {
  const s = await server(t);
  const push = pusher(s.url, { dataDir: s.dataDir, registeredBefore: 3 * DAY });
  await onAStreak(s, push, 'asked', true);
  await onAStreak(s, push, 'not-asked', false);

  const { page, problems } = await browserPage(t);
  await signIn(page, s, 'operator');
  await open(page, s, 'messages');
  const rows = page.locator('.t-table__body tr:not(.t-table__empty-row)');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1, 'the member who did not consent is not a candidate');
  assert.match(await rows.first().textContent(), /asked.*连续签到提醒/);

  // The CSV for the sending tool: the same candidates, with a BOM for Excel.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export"]')]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.equal(csv.charCodeAt(0), 0xfeff);
  assert.match(csv, /\nasked,streak_reminder,/);
  assert.doesNotMatch(csv, /not-asked/);

  await rows.first().locator('.t-checkbox').click();
  await page.click('[data-testid="mark-sent"]');
  assert.match(await message(page, 'success'), /已记录 1 条发送/);
  // Recorded once: sending the same again records nothing new.
  const again = await call(s.url, '/v1/admin/messages/sent', { method: 'POST', token: s.admin, body: { kind: 'streak_reminder', users: ['asked'] } });
  assert.equal(again.json.recorded, 0);
  assert.equal(again.json.already, 1);
  assert.deepEqual(problems, []);
});
