// Rule versions on a schedule across instances (issue 26): two production-shaped `zailai serve`
// processes on one PostgreSQL behind a round-robin balancer, as docs/deploy.md runs them.
// While clients sync through it, a version is published and scheduled, then rolled back
// (`zailai rules publish | rollback`, a shortened lead time against servers polling every
// second). Afterwards every member's balance, on the server and on the phone, equals one
// replay of their ops under the version timeline: each op earns what the version in effect at
// its own `at` pays, whichever server applied it and whenever it synced. A second test checks
// `GET /v1/config`'s `version`/`next` and the `RULES_DIFFER` warning on one dev server.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg, root } = require('./helpers.js');
const { cli, startServer, fakeWeChat, call, pusher, freePort, balancer } = require('./server-helpers.js');
const zailai = require(pkg);

const ADMIN = 'versions-admin-token-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Seed rules where a review earns `points` and no cap gets in the way. */
function reviewRules(dir, name, points) {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.points.earning.review = { points };
  cfg.points.daily_cap = 1_000_000;
  cfg.points.monthly_cap = 10_000_000;
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

function psql(bin, conn, sql) {
  execFileSync(join(bin, 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', conn, '-c', sql], { stdio: 'pipe' });
}

/** `2027-02-10T00:00:00.000Z`-style RFC 3339 for `ms`. */
const rfc = (ms) => new Date(ms).toISOString();

test('two servers: a version scheduled and rolled back while clients sync; every balance is one replay under the timeline', async (t) => {
  const pg = process.env.ZAILAI_TEST_POSTGRES;
  assert.ok(pg, 'ZAILAI_TEST_POSTGRES is not set: run scripts/test.sh, or eval "$(bash scripts/postgres-up.sh)" first');
  const bin = process.env.ZAILAI_PG_BIN;
  const name = `versions_${Date.now().toString(36)}`;
  psql(bin, pg, `CREATE DATABASE ${name}`);
  const db = pg.replace(/dbname=\S+/, `dbname=${name}`);

  const dir = mkdtempSync(join(tmpdir(), 'zailai-versions-'));
  execFileSync(cli, ['keygen', '--id', 'k', '--out', dir]);
  const v1 = reviewRules(dir, 'v1.json', 20);
  const v2 = reviewRules(dir, 'v2.json', 35);
  const wechat = await fakeWeChat();
  t.after(() => wechat.close());
  const base = [...wechat.args, '--database', db, '--config', v1, '--admin-token', ADMIN, '--key', join(dir, 'k.secret.json'), '--rules-poll-seconds', '1', '--rate-per-minute', '100000', '--ops-per-minute', '100000'];
  const ports = [await freePort(), await freePort()];
  // The first stores v1 as version 1; the second starts with the same --config: no error.
  const first = await startServer(base, { dataDir: join(dir, 'data0'), env: wechat.env, addr: `127.0.0.1:${ports[0]}` });
  const second = await startServer(base, { dataDir: join(dir, 'data1'), env: wechat.env, addr: `127.0.0.1:${ports[1]}` });
  t.after(() => [first, second].forEach((s) => s.child.kill('SIGKILL')));
  const lb = await balancer(ports);
  t.after(() => lb.server.close());

  const members = [];
  for (let u = 0; u < 4; u++) {
    const user = `${name}-u${u}`;
    const c = await zailai.createClient({
      storage: zailai.memoryStorage(),
      user,
      server: { url: lb.url, transport: zailai.fetchTransport(), credentials: async () => ({ code: `code-${user}` }), retry: { retries: 3, baseMs: 20, maxMs: 200 } },
    });
    await c.sync();
    members.push({ user, c, ats: [] });
  }
  const work = (until) =>
    Promise.all(
      members.map(async (m, i) => {
        while (Date.now() < until) {
          m.c.track('review');
          const ops = m.c.pendingOps();
          m.ats.push(ops[ops.length - 1].at);
          // Members sync at different paces: some ops reach a server long after a switch.
          if (i === 0 || Math.random() < 0.5) await m.c.sync().catch(() => {});
          await sleep(100 + i * 40);
        }
      }),
    );

  // Publish v2 from 3 s ahead, then roll back to version 1 from 7 s ahead, while clients sync.
  const db0 = ['--database', db];
  const t0 = Date.now();
  const schedule = (async () => {
    await sleep(500);
    execFileSync(cli, ['rules', 'publish', '--config', v2, '--effective-from', rfc(t0 + 3500), '--author', 'test', '--note', 'reviews pay more', '--lead-seconds', '2', ...db0]);
    // Scheduled: both servers announce it as `next` within the poll bound.
    await sleep(2200);
    for (const p of ports) {
      const cfg = (await call(`http://127.0.0.1:${p}`, '/v1/config')).json;
      assert.equal(cfg.next?.number, 2, `server on ${p} knows the scheduled version`);
    }
    execFileSync(cli, ['rules', 'rollback', '1', '--effective-from', rfc(t0 + 7500), '--author', 'test', '--note', 'too generous', '--lead-seconds', '2', ...db0]);
  })();
  await Promise.all([schedule, work(t0 + 11_000)]);
  await schedule;

  const listed = JSON.parse(execFileSync(cli, ['rules', 'list', '--json', ...db0], { encoding: 'utf8' }));
  assert.deepEqual(listed.map((v) => [v.number, v.state]), [[1, 'past'], [2, 'past'], [3, 'in_effect']]);
  assert.equal(listed[2].hash, listed[0].hash, 'the rollback publishes version 1 anew');
  const diff = execFileSync(cli, ['rules', 'diff', '1', '2', ...db0], { encoding: 'utf8' });
  assert.equal(diff.trim(), '~ points.earning.review.points: 20 → 35');
  const worth = (at) => {
    const v = listed.filter((x) => x.effective_from <= at).pop() || listed[0];
    return v.number === 2 ? 35 : 20;
  };

  let across = 0;
  for (const m of members) {
    for (let i = 0; i < 20 && m.c.pendingOps().length; i++) await m.c.sync().catch(() => sleep(100));
    await m.c.sync();
    assert.deepEqual(m.c.pendingOps(), [], `${m.user}: nothing left pending`);
    const s = (await call(`http://127.0.0.1:${ports[1]}`, `/v1/admin/members/${m.user}`, { token: ADMIN })).json;
    const replay = m.ats.reduce((n, at) => n + worth(at), 0);
    assert.equal(s.summary.balance, replay, `${m.user}: the server's balance is one replay under the timeline`);
    assert.equal(m.c.summary().balance, replay, `${m.user}: and the phone's`);
    across += new Set(m.ats.map(worth)).size > 1 ? 1 : 0;
  }
  assert.ok(across >= 1, 'some member did ops under both versions');
  for (const p of ports) {
    const cfg = (await call(`http://127.0.0.1:${p}`, '/v1/config')).json;
    assert.deepEqual([cfg.version.number, cfg.next], [3, null]);
    assert.equal(cfg.config_hash, listed[2].hash);
  }
  const ops = members.reduce((n, m) => n + m.ats.length, 0);
  console.log(`# two servers, one PostgreSQL: ${ops} ops across a scheduled version and its rollback; every balance is one replay`);
});

test('GET /v1/config names the version in effect and the next; a push with other rules is warned', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-versions-dev-'));
  const s = await startServer(['--dev', '--config', reviewRules(dir, 'v1.json', 20)], { dataDir: join(dir, 'data') });
  t.after(() => s.child.kill());
  let cfg = (await call(s.url, '/v1/config')).json;
  assert.equal(cfg.version.number, 1);
  assert.equal(cfg.version.hash, cfg.config_hash);
  assert.equal(cfg.next, null);

  const when = Date.now() + 15 * 60_000;
  const published = await call(s.url, '/v1/admin/rules', { method: 'POST', token: s.admin, body: { rules: JSON.parse(readFileSync(reviewRules(dir, 'v2.json', 35), 'utf8')), effective_from: rfc(when), author: 'test', note: 'more' } });
  assert.equal(published.status, 200, JSON.stringify(published.json));
  assert.equal(published.json.number, 2);
  cfg = (await call(s.url, '/v1/config?rules_formats=999')).json;
  assert.equal(cfg.next.number, 2);
  assert.equal(cfg.next.effective_from, when);
  assert.equal(cfg.next.config.points.earning.review.points, 35);
  assert.equal(cfg.next.rules, null, 'no binary for a client reading none of our formats');
  cfg = (await call(s.url, '/v1/config')).json;
  assert.equal(typeof cfg.next.rules, 'string');

  // Too soon and stranding: refused with the reason and every path.
  const soon = await call(s.url, '/v1/admin/rules', { method: 'POST', token: s.admin, body: { rules: cfg.config, effective_from: Date.now() + 60_000, author: 'test' } });
  assert.equal(soon.status, 422);
  assert.equal(soon.json.error.code, 'BAD_SCHEDULE');
  const fewer = { ...cfg.next.config, tasks: cfg.next.config.tasks.slice(1) };
  const strands = await call(s.url, '/v1/admin/rules', { method: 'POST', token: s.admin, body: { rules: fewer, effective_from: when + 60_000, author: 'test' } });
  assert.equal(strands.json.error.code, 'RULES_STRAND_STATE');
  assert.deepEqual(strands.json.error.problems.map((p) => p.path), [`tasks.${cfg.next.config.tasks[0].id}`]);
  const noAdmin = await call(s.url, '/v1/admin/rules');
  assert.equal(noAdmin.status, 401);
  const list = (await call(s.url, '/v1/admin/rules', { token: s.admin })).json;
  assert.deepEqual(list.versions.map((v) => [v.number, v.state]), [[1, 'in_effect'], [2, 'scheduled']]);
  const shown = (await call(s.url, '/v1/admin/rules/2', { token: s.admin })).json;
  assert.deepEqual([shown.author, shown.note, shown.hash, shown.rules.points.earning.review.points], ['test', 'more', cfg.next.hash, 35]);
  assert.match(shown.effective_from_local, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{3})?)? UTC\+8$/);
  const diff = (await call(s.url, '/v1/admin/rules/diff?a=1&b=2', { token: s.admin })).json;
  assert.deepEqual(diff.lines, ['~ points.earning.review.points: 20 → 35']);
  assert.equal((await call(s.url, '/v1/admin/rules/7', { token: s.admin })).status, 404);
  const early = await call(s.url, '/v1/admin/rules/1/rollback', { method: 'POST', token: s.admin, body: { effective_from: when, author: 'test' } });
  assert.equal(early.json.error.code, 'BAD_SCHEDULE', 'not after version 2');
  const back = await call(s.url, '/v1/admin/rules/1/rollback', { method: 'POST', token: s.admin, body: { effective_from: rfc(when + 60_000), author: 'test', note: 'undo' } });
  assert.equal(back.status, 200, JSON.stringify(back.json));
  assert.deepEqual([back.json.number, back.json.hash], [3, cfg.version.hash]);
  const typo = await call(s.url, '/v1/admin/rules/1/rollback', { method: 'POST', token: s.admin, body: { effective_from: rfc(when + 120_000), author: 'test', colour: 1 } });
  assert.equal(typo.status, 400);

  const push = pusher(s.url);
  const login = (await call(s.url, '/v1/session', { method: 'POST', body: { dev_user: 'w1' } })).json.token;
  const ops = [{ device: 'p', seq: 1, at: Date.now(), op: { type: 'track', action: 'review' } }];
  for (const [hash, warned] of [[cfg.version.hash, false], [cfg.next.hash, false], ['ab'.repeat(32), true]]) {
    const r = await push(login, 'p', hash === cfg.version.hash ? ops : [], { rules_hash: hash });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    if (warned) assert.deepEqual(r.json.warnings, [{ code: 'RULES_DIFFER', client: hash, server: cfg.version.hash }]);
    else assert.equal(r.json.warnings, undefined, 'no warnings field when nothing to warn of');
  }
  const bad = await push(login, 'p', [], { rules_hash: 'nope' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.path, 'rules_hash');
});
