// 登录 and roles: a wrong password refused with the server's code, a reload keeps the session,
// each role sees only what it may do and the server refuses the rest anyway, a write without
// its CSRF token is refused, signing out ends the session.
const test = require('node:test');
const { assert, server, browserPage, operator, login, open, call, pusher } = require('./helpers.cjs');

/** `fetch` from the page, with the session's cookie; `csrf` adds the session's token. */
function fromPage(page, path, { method = 'POST', body = {}, csrf = true } = {}) {
  return page.evaluate(async ({ path, method, body, csrf }) => {
    const session = await (await fetch('/v1/console/session')).json();
    const headers = { 'content-type': 'application/json' };
    if (csrf) headers['x-csrf-token'] = session.csrf;
    const res = await fetch(path, { method, headers, body: JSON.stringify(body) });
    return { status: res.status, json: await res.json() };
  }, { path, method, body, csrf });
}

test('sign in: a wrong password is refused, a reload keeps the session, signing out ends it', async (t) => {
  const s = await server(t);
  await operator(s, 'wang', 'admin');
  const { page, problems } = await browserPage(t);
  page.expect(/status of 401/);
  await page.goto(`${s.url}/console/`);
  await page.waitForSelector('[data-testid="login-name"]');
  await page.fill('[data-testid="login-name"] input', 'wang');
  await page.fill('[data-testid="login-password"] input', 'not the password');
  await page.click('[data-testid="login-submit"]');
  assert.match(await page.locator('[data-testid="login-error"]').textContent(), /账号或密码不正确.*BAD_LOGIN/);

  await login(page, s, 'wang');
  assert.match(await page.locator('[data-testid="me"]').textContent(), /wang.*管理员/);
  await page.reload();
  await page.waitForSelector('.zl-page[data-page="overview"]');
  assert.match(await page.locator('[data-testid="me"]').textContent(), /wang/);

  await page.click('[data-testid="logout"]');
  await page.waitForSelector('[data-testid="login-name"]');
  assert.equal((await page.evaluate(() => fetch('/v1/console/session').then((r) => r.status))), 401);
  assert.deepEqual(problems, []);
});

test('each role sees what it may do, and the server refuses the rest', async (t) => {
  const s = await server(t);
  for (const role of ['viewer', 'operator', 'admin']) await operator(s, `${role}-1`, role);
  // A member for the member page.
  const member = (await call(s.url, '/v1/session', { method: 'POST', body: { dev_user: 'm1' } })).json.token;
  const push = pusher(s.url);
  assert.equal((await push(member, 'phone', [{ device: 'phone', seq: 1, at: Date.now(), op: { type: 'check_in' } }])).status, 200);
  const memberButtons = async (page) => {
    await open(page, s, 'members/m1');
    await page.locator('[data-testid="balance"]').waitFor();
    const shown = {};
    for (const b of ['grant', 'end-sessions', 'revoke']) shown[b] = await page.locator(`[data-testid="${b}"]`).count();
    return shown;
  };
  const writes = ['[data-testid="validate"]', '[data-testid="schedule"]', '[data-testid="what-if"]'];

  const viewer = await browserPage(t);
  viewer.page.expect(/status of 403/);
  await login(viewer.page, s, 'viewer-1');
  await open(viewer.page, s, 'rules');
  for (const w of writes) assert.equal(await viewer.page.locator(w).count(), 0, `a viewer has no ${w}`);
  assert.equal(await viewer.page.locator('[data-testid="rollback"]').count(), 0);
  assert.equal(await viewer.page.locator('.t-menu [data-page="operators"]').count(), 0, 'no operators page');
  await open(viewer.page, s, 'messages');
  assert.equal(await viewer.page.locator('[data-testid="export"], [data-testid="mark-sent"]').count(), 0);
  assert.deepEqual(await memberButtons(viewer.page), { grant: 0, 'end-sessions': 0, revoke: 0 });
  const grant = await fromPage(viewer.page, '/v1/admin/members/m1/grants', { body: { points: 10, reason: 'x' } });
  assert.equal(grant.status, 403, 'a viewer grants nothing');
  // The server refuses what the page does not show.
  const refused = await fromPage(viewer.page, '/v1/admin/messages/sent', { body: { kind: 'tier_up', users: ['u'] } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.code, 'FORBIDDEN');
  assert.match(refused.json.error.message, /operator/);

  const op = await browserPage(t);
  op.page.expect(/status of 403/);
  await login(op.page, s, 'operator-1');
  await open(op.page, s, 'rules');
  for (const w of writes) assert.equal(await op.page.locator(w).count(), 1, `an operator has ${w}`);
  assert.equal(await op.page.locator('.t-menu [data-page="operators"]').count(), 0);
  assert.deepEqual(await memberButtons(op.page), { grant: 1, 'end-sessions': 1, revoke: 0 });
  const revoke = await fromPage(op.page, '/v1/admin/members/m1/revoke', { body: { plan: 'gold_month' } });
  assert.equal(revoke.status, 403, 'an operator revokes nothing');
  const rollback = await fromPage(op.page, '/v1/admin/rules/1/rollback', { body: { effective_from: Date.now() + 3600_000, author: 'operator-1' } });
  assert.equal(rollback.status, 403, 'an operator does not roll back');

  const admin = await browserPage(t);
  await login(admin.page, s, 'admin-1');
  assert.deepEqual(await memberButtons(admin.page), { grant: 1, 'end-sessions': 1, revoke: 1 });
  await open(admin.page, s, 'operators');
  await admin.page.locator('.t-table__body', { hasText: 'viewer-1' }).waitFor();
  const names = await admin.page.locator('.t-table__body').textContent();
  for (const role of ['viewer', 'operator', 'admin']) assert.match(names, new RegExp(`${role}-1`));
  for (const { problems } of [viewer, op, admin]) assert.deepEqual(problems, []);
});

test('a write without its CSRF token is refused, with it accepted', async (t) => {
  const s = await server(t);
  await operator(s, 'li', 'operator');
  const { page } = await browserPage(t);
  await login(page, s, 'li');
  const body = { kind: 'tier_up', users: ['nobody'] };
  const without = await fromPage(page, '/v1/admin/messages/sent', { body, csrf: false });
  assert.equal(without.status, 403);
  assert.equal(without.json.error.code, 'CSRF');
  const forged = await page.evaluate(() => fetch('/v1/admin/messages/sent', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged' }, body: '{"kind":"tier_up","users":["nobody"]}' }).then((r) => r.status));
  assert.equal(forged, 403);
  const withToken = await fromPage(page, '/v1/admin/messages/sent', { body });
  assert.equal(withToken.status, 200);
  assert.deepEqual(withToken.json.unknown, ['nobody']);
});
