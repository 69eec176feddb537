// Rule versions on the phone (issue 26, deliverable 3): the client keeps the current and the
// next version GET /v1/config offers, switches at `effective_from` with no network, keeps
// yesterday's rules for yesterday's pending ops, sends `rules_hash` and passes RULES_DIFFER on
// to the app. Against the real `zailai serve`, through a transport that rewrites the versions
// interface (`version`/`next` in /v1/config, `rules_hash` in a push, `warnings` in the reply),
// so a test can offer versions hours apart and servers of any age without a publish and a
// wait. The same checks through the server's own versions: rule-versions-server.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { encodeRules, pkg } = require('./helpers.js');
const { startServer, call } = require('./server-helpers.js');
const zailai = require(pkg);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const seed = () => JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));
/** The seed with reviews worth `points` and the streak freeze at `cost` points. */
function rulesWith(points, cost) {
  const cfg = seed();
  cfg.points.earning.review = { points };
  cfg.catalog[0].cost_points = cost;
  return cfg;
}
const H2 = 'b2'.repeat(32);

/**
 * The real server's transport with the agreed interface spoken for it: `offer(reply)` gives
 * the /v1/config reply, each push's `rules_hash` is recorded in `pushes` and taken out of the
 * body (this server refuses unknown fields), `warnings(rulesHash)` goes into the sync reply,
 * and `down` makes every push fail as an unreachable server would.
 */
function speaking(state) {
  const inner = zailai.fetchTransport();
  return {
    async request(req) {
      if (req.url.includes('/v1/sync') && req.body) {
        const body = JSON.parse(req.body);
        const rulesHash = body.rules_hash;
        state.pushes.push(rulesHash);
        delete body.rules_hash;
        if (state.down) return { status: 503, headers: {}, text: '{"error":{"code":"UNAVAILABLE","message":"down"}}' };
        const res = await inner.request({ ...req, body: JSON.stringify(body) });
        const warnings = state.warnings ? state.warnings(rulesHash) : [];
        return warnings.length ? { ...res, text: JSON.stringify({ ...JSON.parse(res.text), warnings }) } : res;
      }
      const res = await inner.request(req);
      return req.url.includes('/v1/config') && state.offer ? { ...res, text: JSON.stringify(state.offer(JSON.parse(res.text))) } : res;
    },
  };
}

function client(url, user, { storage, clock, state, ...rest }) {
  return zailai.createClient({
    storage,
    user,
    now: () => Date.now() + clock.skew,
    server: { url, transport: speaking(state), credentials: async () => ({ dev_user: user }), retry: { retries: 0 } },
    ...rest,
  });
}

const reviewed = (c) => c.track('review').find((e) => e.type === 'points_credited').granted;
const freezeCost = (c) => c.catalog().find((i) => i.id === 'streak_freeze').costPoints;

test('a scheduled version takes effect at its instant offline, after a relaunch too, and a rebuild keeps the earlier version for ops dated under it', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const own = (await call(server.url, '/v1/config?rules_formats=3')).json;
  const next = encodeRules(rulesWith(35, 80));
  const switchAt = Date.now() + HOUR;
  const state = { pushes: [] };
  // The server's own rules are version 1; version 2 is scheduled an hour from now.
  state.offer = (reply) => ({
    ...reply,
    version: { number: 1, effective_from: switchAt - 30 * DAY, hash: reply.config_hash },
    next: { number: 2, effective_from: switchAt, hash: H2, config: {}, rules: next },
  });
  const storage = zailai.memoryStorage();
  const clock = { skew: 0 };
  const a = await client(server.url, 'ann', { storage, clock, state });
  await a.sync();
  assert.deepEqual(state.pushes, [own.config_hash], 'the push names the rules in effect now');
  const stored = JSON.parse(storage.getItem('zailai:ann:rules'));
  assert.deepEqual(stored.versions.map((v) => [v.number, v.hash, v.from]), [[1, own.config_hash, switchAt - 30 * DAY], [2, H2, switchAt]]);
  assert.equal(stored.versions[1].rules, next);
  a.close();

  // In the tunnel: nothing answers at this address, and the clock passes the switch.
  const offline = { pushes: [] };
  const b = await client('http://127.0.0.1:9', 'ann', { storage, clock, state: offline });
  assert.equal(freezeCost(b), 50, 'before the switch: version 1');
  assert.equal(reviewed(b), 20);
  clock.skew = 2 * HOUR;
  assert.equal(freezeCost(b), 80, 'views at now: version 2, with no network');
  assert.equal(reviewed(b), 35, 'an op after the switch: version 2');
  assert.equal(JSON.parse(b.stateJSON()).balance, 55);
  b.close();

  // Relaunched after the switch, still offline: both ops keep their own version.
  const c = await client('http://127.0.0.1:9', 'ann', { storage, clock, state: offline });
  assert.equal(JSON.parse(c.stateJSON()).balance, 55);
  assert.equal(freezeCost(c), 80);
  c.close();

  // Back online two hours on (the server's clock too), the push fails: the server now offers
  // version 2 as current and a version 3 for tomorrow. The rules are rebuilt from them; the
  // pending op dated before the switch keeps version 1 (20, not 35).
  const third = encodeRules(rulesWith(50, 90));
  state.down = true;
  state.offer = (reply) => ({
    ...reply,
    server_time: reply.server_time + clock.skew,
    config_hash: H2,
    rules: next,
    version: { number: 2, effective_from: switchAt, hash: H2 },
    next: { number: 3, effective_from: switchAt + DAY, hash: 'c3'.repeat(32), config: {}, rules: third },
  });
  const d = await client(server.url, 'ann', { storage, clock, state });
  await assert.rejects(d.sync(), { code: 'UNAVAILABLE' });
  assert.equal(state.pushes.at(-1), H2, 'after the switch the push names version 2');
  assert.deepEqual(JSON.parse(storage.getItem('zailai:ann:rules')).versions.map((v) => v.number), [1, 2, 3], 'version 1 kept: a pending op is dated under it');
  assert.equal(JSON.parse(d.stateJSON()).balance, 55, 'no re-pricing of the op done under version 1');
  clock.skew = DAY + 2 * HOUR;
  assert.equal(freezeCost(d), 90, 'version 3 the next day');
  d.close();
});

test('pinned rules that are not the server\'s: RULES_DIFFER at the first sync, once, with both hashes; the server\'s balance wins', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const own = (await call(server.url, '/v1/config?rules_formats=3')).json;
  const announce = (reply) => ({ ...reply, version: { number: 1, effective_from: Date.now() - DAY, hash: reply.config_hash }, next: null });
  const pinned = seed();
  pinned.points.earning.share = { points: 9, daily_limit: 1 };
  const clock = { skew: 0 };

  // Pinned without their hash: the client compares the bytes itself and sends no hash.
  const quiet = { pushes: [], offer: announce };
  const a = await client(server.url, 'bo', { storage: zailai.memoryStorage(), clock, state: quiet, config: encodeRules(pinned) });
  const warnings = [];
  a.on('warning', (w) => warnings.push(w));
  assert.equal(a.track('share').find((e) => e.type === 'points_credited').granted, 9, 'the pinned rules on the phone');
  await a.sync();
  assert.deepEqual(quiet.pushes, [undefined]);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].code, 'RULES_DIFFER');
  assert.equal(warnings[0].client, null);
  assert.equal(warnings[0].server, own.config_hash);
  assert.match(warnings[0].message, /not the server's/);
  // The server applied its own rules (share 30): its snapshot is the member's balance now.
  assert.equal(a.pointsSummary().balance, 30);
  a.close();

  // Pinned with their hash named: the push carries it and the server's warning reaches the
  // app once, however many syncs repeat it.
  const pinnedHash = 'a1'.repeat(32);
  const told = { pushes: [], offer: announce, warnings: (hash) => (hash && hash !== own.config_hash ? [{ code: 'RULES_DIFFER', client: hash, server: own.config_hash }] : []) };
  const b = await client(server.url, 'cy', { storage: zailai.memoryStorage(), clock, state: told, config: encodeRules(pinned), rulesHash: pinnedHash });
  const heard = [];
  b.on('warning', (w) => heard.push(w));
  await b.sync();
  await b.sync();
  assert.deepEqual(told.pushes, [pinnedHash, pinnedHash]);
  assert.deepEqual(heard.map(({ code, client: c, server: s }) => [code, c, s]), [['RULES_DIFFER', pinnedHash, own.config_hash]]);
  b.close();

  // Pinned rules byte for byte the server's: their hash is learned and sent, nothing to tell.
  const same = { pushes: [], offer: announce, warnings: told.warnings };
  const c = await client(server.url, 'di', { storage: zailai.memoryStorage(), clock, state: same, config: own.rules });
  const none = [];
  c.on('warning', (w) => none.push(w));
  await c.sync();
  assert.deepEqual(same.pushes, [own.config_hash]);
  assert.deepEqual(none, []);
  c.close();

  // A server that announces no versions (one from before them) gets no rules_hash: it would
  // refuse the field.
  const plain = { pushes: [], offer: ({ version, next, ...older }) => older };
  const d = await client(server.url, 'ed', { storage: zailai.memoryStorage(), clock, state: plain, config: own.rules, rulesHash: own.config_hash });
  await d.sync();
  assert.deepEqual(plain.pushes, [undefined]);
  d.close();
  await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), rulesHash: own.config_hash }), { code: 'BAD_ARGUMENT' });
  await assert.rejects(zailai.createClient({ storage: zailai.memoryStorage(), config: own.rules, rulesHash: 'short' }), { code: 'BAD_ARGUMENT' });
});

test('after a sync with nothing pending, only the versions from the one in effect on are stored', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const own = (await call(server.url, '/v1/config?rules_formats=3')).json;
  const switchAt = Date.now() - HOUR; // took effect an hour ago
  const state = { pushes: [] };
  const storage = zailai.memoryStorage();
  // Stored before: the server's rules as version 1 from long ago and version 2 since an hour.
  storage.setItem('zailai:fay:rules', JSON.stringify({ versions: [{ number: 1, from: null, hash: 'a0'.repeat(32), rules: encodeRules(rulesWith(20, 60)) }, { number: 2, from: switchAt, hash: own.config_hash, rules: own.rules }] }));
  state.offer = (reply) => ({ ...reply, version: { number: 2, effective_from: switchAt, hash: reply.config_hash }, next: null });
  const a = await client(server.url, 'fay', { storage, clock: { skew: 0 }, state });
  assert.equal(freezeCost(a), 50, 'version 2 in effect');
  await a.sync();
  assert.deepEqual(a.pendingOps(), []);
  assert.deepEqual(JSON.parse(storage.getItem('zailai:fay:rules')).versions.map((v) => v.number), [2]);
  a.close();
  // Stored by builds before versions: {hash, rules}, read as one version.
  const old = zailai.memoryStorage();
  old.setItem('zailai:gus:rules', JSON.stringify({ hash: 'd4'.repeat(32), rules: encodeRules(rulesWith(20, 70)) }));
  const g = await zailai.createClient({ storage: old, user: 'gus' });
  assert.equal(freezeCost(g), 70);
  g.close();
});
