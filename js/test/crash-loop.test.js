// Crash loops (issue 8): real clients keep recording ops and syncing while `zailai serve` is
// killed with SIGKILL at random moments and restarted on the same data, on SQLite and on
// PostgreSQL. Afterwards, every op each device recorded is stored exactly once, and every
// device holds the server's state. Bounded: 127.0.0.1, a few seconds, a handful of members.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg } = require('./helpers.js');
const { startServer, call, freePort } = require('./server-helpers.js');
const zailai = require(pkg);

const SECONDS = Number(process.env.ZAILAI_CRASH_SECONDS || 8);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The server on a fixed port, so clients keep their URL across restarts. */
const start = (port, args, dataDir) => startServer(args, { dataDir, addr: `127.0.0.1:${port}` }).then((s) => s.child);

async function crashLoop(t, label, storeArgs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-crash-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--dev', '--rate-per-minute', '100000', ...storeArgs];
  let server = await start(port, args, dataDir);
  t.after(() => server.kill('SIGKILL'));
  const run = `${label}${Date.now().toString(36)}`;
  const members = [];
  for (let u = 0; u < 5; u++) {
    const user = `${run}-u${u}`;
    const c = await zailai.createClient({
      storage: zailai.memoryStorage(),
      user,
      server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: user }), retry: { retries: 3, baseMs: 20, maxMs: 200 } },
    });
    members.push({ user, c, recorded: 0 });
  }
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
  const deadline = Date.now() + SECONDS * 1000;
  let kills = 0;
  let restarting = null;
  const killer = (async () => {
    while (Date.now() < deadline) {
      await sleep(150 + rnd() * 600);
      const dying = server;
      const exited = new Promise((r) => dying.once('exit', r));
      dying.kill('SIGKILL');
      await exited;
      kills++;
      restarting = start(port, args, dataDir);
      server = await restarting;
      restarting = null;
    }
  })();
  const actions = [(c) => c.checkIn(), (c) => c.track('share'), (c) => c.track('core_action'), (c) => c.track('review'), (c) => c.session(5)];
  const workers = members.map(async (m) => {
    while (Date.now() < deadline) {
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        try {
          actions[Math.floor(rnd() * actions.length)](m.c);
          m.recorded++;
        } catch (_) {
          // refused by the rules on the phone (a second check-in): never recorded
        }
      }
      await m.c.sync().catch(() => {}); // NETWORK while the server is down: the ops stay pending
      await sleep(rnd() * 50);
    }
  });
  await Promise.all([killer, ...workers]);
  if (restarting) server = await restarting;
  const admin = readFileSync(join(dataDir, 'dev.admin-token'), 'utf8'); // the dev server's own
  for (const m of members) {
    for (let i = 0; i < 20 && m.c.pendingOps().length; i++) await m.c.sync().catch(() => sleep(100));
    await m.c.sync(); // once more, to hold the latest snapshot
    assert.deepEqual(m.c.pendingOps(), [], `${m.user}: nothing left pending`);
    const s = (await call(url, `/v1/admin/members/${m.user}`, { token: admin })).json;
    assert.equal(s.ops, m.recorded, `${m.user}: each recorded op stored exactly once`);
    assert.equal(s.processed[m.c.deviceId], m.recorded, `${m.user}: every op processed`);
    assert.equal(m.c.summary().balance, s.summary.balance, `${m.user}: the device holds the server's balance`);
    assert.equal(m.c.summary().streak, s.summary.streak, `${m.user}: and its streak`);
  }
  assert.ok(kills >= 3, `the server was killed ${kills} times`);
  const ops = members.reduce((n, m) => n + m.recorded, 0);
  console.log(`# crash loop ${label}: ${kills} SIGKILLs survived, ${ops} ops, every invariant held`);
}

test('crash loop on SQLite: SIGKILL at random moments, nothing lost, nothing twice', async (t) => {
  await crashLoop(t, 'sqlite', []);
});

test('crash loop on PostgreSQL: SIGKILL at random moments, nothing lost, nothing twice', async (t) => {
  const pg = process.env.ZAILAI_TEST_POSTGRES;
  assert.ok(pg, 'ZAILAI_TEST_POSTGRES is not set: run scripts/test.sh, or eval "$(bash scripts/postgres-up.sh)" first');
  // A database of its own: a --dev server keeps its lottery secret in its data dir, so a
  // database another dev server committed lotteries in (or a production one) is refused.
  const name = `crash_${Date.now().toString(36)}`;
  const psql = join(process.env.ZAILAI_PG_BIN, 'psql');
  execFileSync(psql, ['-q', '-v', 'ON_ERROR_STOP=1', pg, '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  await crashLoop(t, 'pg', ['--database', pg.replace(/dbname=\S+/, `dbname=${name}`)]);
});
