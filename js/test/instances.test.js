// Many servers, one database (issue 16): two production-shaped `zailai serve` processes on one
// PostgreSQL behind a round-robin balancer, as docs/deploy.md runs them. Real clients sync
// through it while either server is SIGKILLed and restarted; a lottery's last prizes are raced
// for through both; the signing key is rotated while both run, the documented rolling way.
// Afterwards every op is stored once, every device holds the server's state, both servers
// publish the same lottery record, and a pg_dump restored into a new database serves the same.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg, root } = require('./helpers.js');
const { cli, startServer, fakeWeChat, call, freePort, balancer } = require('./server-helpers.js');
const zailai = require(pkg);

const SECONDS = Number(process.env.ZAILAI_CRASH_SECONDS || 8);
const ADMIN = 'instances-admin-token-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const day = (offset) => new Date(Date.now() + 8 * 3600_000 + offset * 86_400_000).toISOString().slice(0, 10);

/** Seed rules with the spring campaign running and a lottery whose every draw wins its only
 * prize while the 3 in stock last. */
function raceRules(dir) {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = day(-2);
  // Every tier at lottery weight 1, so the one prize may cover the whole wheel.
  for (const level of cfg.tiers.levels) level.benefits.lottery_weight = 1;
  const lottery = cfg.lotteries[0];
  lottery.prizes = [{ ...lottery.prizes[0], weight: lottery.total_weight, stock: 3 }];
  lottery.daily_limit = 1;
  const path = join(dir, 'rules.json');
  writeFileSync(path, JSON.stringify(cfg));
  return path;
}

function psql(bin, conn, sql) {
  execFileSync(join(bin, 'psql'), ['-q', '-v', 'ON_ERROR_STOP=1', conn, '-c', sql], { stdio: 'pipe' });
}

test('two servers on one PostgreSQL: crashes, a lottery race, a key rotation; nothing lost or twice', async (t) => {
  const pg = process.env.ZAILAI_TEST_POSTGRES;
  assert.ok(pg, 'ZAILAI_TEST_POSTGRES is not set: run scripts/test.sh, or eval "$(bash scripts/postgres-up.sh)" first');
  const bin = process.env.ZAILAI_PG_BIN;
  const name = `instances_${Date.now().toString(36)}`;
  psql(bin, pg, `CREATE DATABASE ${name}`);
  const db = pg.replace(/dbname=\S+/, `dbname=${name}`);

  const dir = mkdtempSync(join(tmpdir(), 'zailai-instances-'));
  for (const id of ['old', 'new']) execFileSync(cli, ['keygen', '--id', id, '--out', dir]);
  const wechat = await fakeWeChat();
  t.after(() => wechat.close());
  const base = [...wechat.args, '--database', db, '--config', raceRules(dir), '--admin-token', ADMIN, '--rate-per-minute', '100000', '--ops-per-minute', '100000'];
  let keyArgs = ['--key', join(dir, 'old.secret.json')];
  const ports = [await freePort(), await freePort()];
  const servers = [];
  const start = async (i) => {
    const s = await startServer([...base, ...keyArgs], { dataDir: join(dir, `data${i}`), env: wechat.env, addr: `127.0.0.1:${ports[i]}` });
    servers[i] = s.child;
  };
  await Promise.all([start(0), start(1)]);
  t.after(() => servers.forEach((s) => s.kill('SIGKILL')));
  const restart = async (i, signal = 'SIGTERM') => {
    const exited = new Promise((r) => servers[i].once('exit', r));
    servers[i].kill(signal);
    await exited;
    await start(i);
  };
  const lb = await balancer(ports);
  t.after(() => lb.server.close());

  const errors = [];
  const members = [];
  for (let u = 0; u < 6; u++) {
    const user = `${name}-u${u}`;
    const c = await zailai.createClient({
      storage: zailai.memoryStorage(),
      user,
      config: execFileSync(cli, ['rules', 'encode', '--config', join(dir, 'rules.json')], { encoding: 'utf8' }).trim(),
      server: { url: lb.url, transport: zailai.fetchTransport(), credentials: async () => ({ code: `code-${user}` }), retry: { retries: 3, baseMs: 20, maxMs: 200 } },
    });
    c.on('error', (e) => errors.push(`${user}: ${e.code}`));
    members.push({ user, c, recorded: 0 });
  }
  let seed = 11;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
  const record = (m, action) => {
    try {
      action(m.c);
      m.recorded++;
    } catch (_) {
      // refused on the phone (a second check-in, the draw limit): never recorded
    }
  };
  const actions = [(c) => c.checkIn(), (c) => c.track('share'), (c) => c.track('core_action'), (c) => c.session(5)];
  const work = (until) =>
    Promise.all(
      members.map(async (m) => {
        while (Date.now() < until) {
          for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) record(m, actions[Math.floor(rnd() * actions.length)]);
          await m.c.sync().catch(() => {}); // both down for a moment: the ops stay pending
          await sleep(rnd() * 40);
        }
      }),
    );

  // 1. Crash loops across both: either server SIGKILLed at random, restarted on the same port.
  let kills = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const killer = (async () => {
    while (Date.now() < deadline) {
      await sleep(200 + rnd() * 600);
      await restart(Math.floor(rnd() * 2), 'SIGKILL');
      kills++;
    }
  })();
  await Promise.all([killer, work(deadline)]);

  // 2. The lottery's last prizes raced for through both servers at once: 3 in stock, 6 draws.
  for (const m of members) record(m, (c) => c.draw('spring_draw_2027'));
  await Promise.all(members.map((m) => m.c.sync()));
  const records = await Promise.all(ports.map((p) => call(`http://127.0.0.1:${p}`, '/v1/lotteries/spring_draw_2027')));
  assert.deepEqual(records[0].json, records[1].json, 'both servers publish one record');
  const draws = records[0].json.draws;
  assert.equal(draws.length, 6, 'every draw recorded once');
  assert.equal(draws.filter((d) => d.prize === 'gift').length, 3, 'stock never oversold across servers');
  const won = members.reduce((n, m) => n + m.c.campaigns()[0].lotteries[0].draws.filter((d) => d.prize).length, 0);
  assert.equal(won, 3, "the phones' settled draws say the same");

  // 3. Rolling key rotation while clients sync: every server first trusts the new key, then
  // each signs with it in turn (docs/deploy.md).
  const rotation = (async () => {
    keyArgs = ['--key', join(dir, 'old.secret.json'), '--trust', join(dir, 'new.public.json')];
    for (const i of [0, 1]) await restart(i);
    keyArgs = ['--key', join(dir, 'new.secret.json'), '--trust', join(dir, 'old.public.json')];
    for (const i of [0, 1]) await restart(i);
  })();
  await Promise.all([rotation, work(Date.now() + 2000)]);
  await rotation;

  // Afterwards: every op stored once, every device holds the server's state.
  const views = {};
  for (const m of members) {
    for (let i = 0; i < 20 && m.c.pendingOps().length; i++) await m.c.sync().catch(() => sleep(100));
    await m.c.sync();
    assert.deepEqual(m.c.pendingOps(), [], `${m.user}: nothing left pending`);
    const s = (await call(`http://127.0.0.1:${ports[0]}`, `/v1/admin/members/${m.user}`, { token: ADMIN })).json;
    assert.equal(s.ops, m.recorded + m.c.campaigns()[0].lotteries[0].draws.length, `${m.user}: each op stored once (and each draw's settlement)`);
    assert.equal(s.processed[m.c.deviceId], m.recorded, `${m.user}: every op processed`);
    assert.equal(m.c.summary().balance, s.summary.balance, `${m.user}: the device holds the server's balance`);
    views[m.user] = s;
  }
  assert.deepEqual(errors.filter((e) => /SNAPSHOT/.test(e)), [], 'no snapshot refused during the rotation');
  for (const p of ports) {
    const keys = (await call(`http://127.0.0.1:${p}`, '/v1/config')).json.keys.map((k) => k.id);
    assert.deepEqual(keys, ['new', 'old'], 'both sign with the new key and still trust the old');
  }
  assert.ok(kills >= 3, `servers were killed ${kills} times`);

  // A backup restored into a new database serves the same members (docs/deploy.md, Backups).
  const dump = join(dir, 'zailai.dump');
  execFileSync(join(bin, 'pg_dump'), ['-Fc', '-f', dump, db]);
  psql(bin, pg, `CREATE DATABASE ${name}_restored`);
  execFileSync(join(bin, 'pg_restore'), ['--no-owner', '-d', db.replace(/dbname=\S+/, `dbname=${name}_restored`), dump]);
  const restored = await startServer([...base.map((a) => (a === db ? db.replace(/dbname=\S+/, `dbname=${name}_restored`) : a)), ...keyArgs], { dataDir: join(dir, 'data-restored'), env: wechat.env });
  t.after(() => restored.child.kill());
  for (const m of members) {
    const s = (await call(restored.url, `/v1/admin/members/${m.user}`, { token: ADMIN })).json;
    assert.deepEqual(s, views[m.user], `${m.user}: the restored database holds the same member`);
  }
  const again = (await call(restored.url, '/v1/lotteries/spring_draw_2027')).json;
  assert.deepEqual(again.draws, draws, 'and the same lottery record');
  const ops = members.reduce((n, m) => n + m.recorded, 0);
  console.log(`# two servers, one PostgreSQL: ${kills} SIGKILLs, ${ops} ops, a race for 3 prizes by 6, a rolling key rotation, a restore; every invariant held`);
});
