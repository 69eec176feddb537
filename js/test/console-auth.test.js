// Console logins against the real server over HTTP (issue 28, docs/console.md "Operators and
// roles"): the dev operator's printed login, the cookie's flags, a write refused without its
// CSRF token, each role's limits, and the audit entry of a change with its before and after.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { cli, startServer, call } = require('./server-helpers.js');

/** Logs in: the session body and the cookie to send back. */
async function login(url, name, password) {
  const res = await call(url, '/v1/console/session', { method: 'POST', body: { name, password } });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const setCookie = res.headers.get('set-cookie');
  return { session: res.json, setCookie, cookie: setCookie.split(';')[0] };
}

/** A request as a logged-in browser sends it: the cookie, and the CSRF header if given. */
function as({ cookie, session }, { csrf = true } = {}) {
  return (url, path, opts = {}) => call(url, path, { ...opts, headers: { cookie, ...(csrf ? { 'x-csrf-token': session.csrf } : {}), ...opts.headers } });
}

test('console sessions: login, cookie flags, CSRF, roles and the audit log', async (t) => {
  const { url, child, admin, dataDir, stdout } = await startServer(['--dev']);
  t.after(() => child.kill());

  // The dev operator's login is printed at start, with the console's address.
  const m = /dev console login: +(\S+) \/ (\S+) +\((http:\/\/127\.0\.0\.1:\d+\/console\/)\)/.exec(stdout());
  assert.ok(m, stdout());
  assert.equal(m[1], 'dev');
  assert.equal(m[3], `${url}/console/`);
  const dev = await login(url, 'dev', m[2]);
  assert.deepEqual([dev.session.name, dev.session.role], ['dev', 'admin']);
  assert.match(dev.session.csrf, /^[0-9a-f]{64}$/);
  for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']) assert.ok(dev.setCookie.includes(flag), dev.setCookie);
  assert.ok(!dev.setCookie.includes('Secure'), 'plain HTTP in --dev');
  assert.ok(dev.session.expires_at > Date.now() + 11 * 3600e3);

  // A reload gets the same csrf back; without the cookie, 401.
  const again = await call(url, '/v1/console/session', { headers: { cookie: dev.cookie } });
  assert.equal(again.json.csrf, dev.session.csrf);
  assert.equal((await call(url, '/v1/console/session')).status, 401);
  const wrong = await call(url, '/v1/console/session', { method: 'POST', body: { name: 'dev', password: 'not the password' } });
  assert.deepEqual([wrong.status, wrong.json.error.code], [401, 'BAD_LOGIN']);
  const nobody = await call(url, '/v1/console/session', { method: 'POST', body: { name: 'nobody', password: 'not the password' } });
  assert.deepEqual(nobody.json.error, wrong.json.error, 'an unknown name looks the same');
  // A login is JSON (a cross-site form cannot send that without a preflight).
  const form = await call(url, '/v1/console/session', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: { name: 'dev', password: m[2] } });
  assert.deepEqual([form.status, form.json.error.code], [400, 'BAD_REQUEST']);
  assert.match(form.json.error.message, /application\/json/);

  // Operators made by the CLI (on the running server's data dir) and over HTTP.
  execFileSync(cli, ['operator', 'add', 'vera', '--role', 'viewer', '--password-stdin', '--data-dir', dataDir], { input: 'viewer password 1\n' });
  const added = await as(dev)(url, '/v1/admin/operators', { method: 'POST', body: { name: 'olga', role: 'operator', password: 'operator password 1' } });
  assert.equal(added.status, 200, JSON.stringify(added.json));
  assert.equal(added.json.operator.role, 'operator');
  const refused = await as(dev, { csrf: false })(url, '/v1/admin/operators', { method: 'POST', body: { name: 'x1', role: 'viewer', password: 'some password 1' } });
  assert.deepEqual([refused.status, refused.json.error.code], [403, 'CSRF']);
  const forged = await as(dev)(url, '/v1/admin/operators', { method: 'POST', headers: { 'x-csrf-token': 'f'.repeat(64) }, body: { name: 'x1', role: 'viewer', password: 'some password 1' } });
  assert.deepEqual([forged.status, forged.json.error.code], [403, 'CSRF']);

  const viewer = as(await login(url, 'vera', 'viewer password 1'));
  const operator = as(await login(url, 'olga', 'operator password 1'));
  const whatIf = { candidate: { nope: 1 }, from: '2026-11-01', to: '2026-11-02' };
  assert.equal((await viewer(url, '/v1/admin/rules')).status, 200);
  const denied = await viewer(url, '/v1/admin/rules/what-if', { method: 'POST', body: whatIf });
  assert.deepEqual([denied.status, denied.json.error.code], [403, 'FORBIDDEN']);
  assert.match(denied.json.error.message, /operator role/);
  const tried = await operator(url, '/v1/admin/rules/what-if', { method: 'POST', body: whatIf });
  assert.equal(tried.status, 400, 'past the role check, the candidate is judged');
  for (const [path, body] of [['/v1/admin/rules/1/rollback', {}], ['/v1/admin/operators/vera', { disabled: true }]]) {
    const r = await operator(url, path, { method: 'POST', body });
    assert.deepEqual([r.status, r.json.error.code], [403, 'FORBIDDEN'], path);
    assert.match(r.json.error.message, /admin role/);
  }
  assert.equal((await operator(url, '/v1/admin/operators')).status, 403);
  const listed = (await as(dev)(url, '/v1/admin/operators')).json.operators;
  assert.deepEqual(listed.map((o) => o.name), ['dev', 'olga', 'vera']);
  for (const o of listed) {
    assert.deepEqual(Object.keys(o).sort(), ['created_at', 'disabled', 'last_login_at', 'name', 'role']);
    assert.ok(o.last_login_at >= o.created_at, `${o.name} logged in`);
  }

  // The admin demotes olga: her next request has the new role, and the audit log has the change.
  const changed = await as(dev)(url, '/v1/admin/operators/olga', { method: 'POST', body: { role: 'viewer' } });
  assert.equal(changed.status, 200, JSON.stringify(changed.json));
  assert.equal((await operator(url, '/v1/admin/rules/what-if', { method: 'POST', body: whatIf })).status, 403);
  const log = await call(url, '/v1/admin/audit?target=operator:olga&action=operator.change', { token: admin });
  assert.equal(log.status, 200);
  const [entry] = log.json.entries;
  assert.deepEqual([entry.actor, entry.role, entry.address], ['dev', 'admin', '127.0.0.1']);
  assert.equal(entry.before.role, 'operator');
  assert.equal(entry.after.role, 'viewer');
  assert.ok(!JSON.stringify(log.json).includes('argon2'), 'never a hash');
  const cliEntry = (await viewer(url, '/v1/admin/audit?actor=cli')).json.entries[0];
  assert.deepEqual([cliEntry.action, cliEntry.target, cliEntry.before], ['operator.add', 'operator:vera', null]);
  const csv = await fetch(`${url}/v1/admin/audit.csv?actor=dev`, { headers: { cookie: dev.cookie } });
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
  assert.match(bytes.toString('utf8', 3), /^id,at,actor,role,action,target,before,after,address\r\n/);

  // Logging out needs the CSRF token; afterwards the cookie is dead.
  assert.equal((await as(dev, { csrf: false })(url, '/v1/console/session', { method: 'DELETE' })).status, 403);
  const out = await as(dev)(url, '/v1/console/session', { method: 'DELETE' });
  assert.deepEqual(out.json, { ok: true });
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await as(dev)(url, '/v1/admin/rules')).status, 401);
});
