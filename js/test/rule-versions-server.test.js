// Rule versions end to end against the real server (issue 26, deliverables 2 and 3).
// It checks the agreed interface: GET /v1/config with `version: {number, effective_from,
// hash}` and `next: null | {number, effective_from, hash, config, rules}`, `rules_hash` read
// from a push, `warnings: [{code: 'RULES_DIFFER', client, server}]` in the sync reply. The one
// step outside it, publishing, is `zailai rules publish` on the server's data dir.
// The same client checks without a server: rule-versions-client.test.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { encodeRules, pkg } = require('./helpers.js');
const { cli, startServer, call } = require('./server-helpers.js');
const zailai = require(pkg);

const MINUTE = 60_000;
const seed = () => JSON.parse(readFileSync(join(__dirname, '..', '..', 'presets', 'seed.json'), 'utf8'));

/** Publishes `config` as a version in effect from `effectiveFrom` (ms) on the server's data. */
function publish(server, config, effectiveFrom) {
  const file = join(mkdtempSync(join(tmpdir(), 'zailai-publish-')), 'rules.json');
  writeFileSync(file, JSON.stringify(config));
  const when = new Date(effectiveFrom).toISOString().replace(/\.\d{3}Z$/, 'Z');
  execFileSync(cli, ['rules', 'publish', '--data-dir', server.dataDir, '--config', file, '--effective-from', when, '--author', 'e2e', '--note', 'e2e'], { encoding: 'utf8' });
}

/** `/v1/config` once the server has read a scheduled version (it polls every second here). */
async function offeredNext(server) {
  for (let i = 0; i < 50; i++) {
    const offered = (await call(server.url, '/v1/config?rules_formats=3')).json;
    if (offered.next) return offered;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server never offered the published version');
}

/** fetchTransport, recording each push's body. */
function recording(pushes) {
  const inner = zailai.fetchTransport();
  return {
    request(req) {
      if (req.url.includes('/v1/sync') && req.body) pushes.push(JSON.parse(req.body));
      return inner.request(req);
    },
  };
}

function client(url, user, { storage = zailai.memoryStorage(), clock = { skew: 0 }, pushes = [], ...rest } = {}) {
  return zailai.createClient({
    storage,
    user,
    now: () => Date.now() + clock.skew,
    server: { url, transport: recording(pushes), credentials: async () => ({ dev_user: user }), retry: { retries: 1, baseMs: 50, maxMs: 200 } },
    ...rest,
  });
}

test('the server names its version; a client of its rules sends their hash and hears nothing', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const config = (await call(server.url, '/v1/config?rules_formats=3')).json;
  assert.equal(config.version.hash, config.config_hash);
  assert.ok(Number.isInteger(config.version.number) && Number.isFinite(config.version.effective_from));
  assert.equal(config.next, null);
  const pushes = [];
  const c = await client(server.url, 'ann', { pushes });
  const warnings = [];
  c.on('warning', (w) => warnings.push(w));
  await c.sync();
  assert.deepEqual(pushes.map((p) => p.rules_hash), [config.config_hash]);
  assert.deepEqual(warnings, []);
  c.close();
});

test('pinned rules that are not the server\'s: RULES_DIFFER with both hashes at the first sync; the server\'s balance wins', async (t) => {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const config = (await call(server.url, '/v1/config?rules_formats=3')).json;
  const pinned = seed();
  pinned.points.earning.share = { points: 9, daily_limit: 1 };
  const pinnedHash = 'a1'.repeat(32); // what the app was told; the server compares it with its own
  const c = await client(server.url, 'bo', { config: encodeRules(pinned), rulesHash: pinnedHash });
  const warnings = [];
  c.on('warning', (w) => warnings.push(w));
  assert.equal(c.track('share').find((e) => e.type === 'points_credited').granted, 9);
  await c.sync();
  const differ = warnings.filter((w) => w.code === 'RULES_DIFFER');
  assert.equal(differ.length, 1);
  assert.equal(differ[0].client, pinnedHash);
  assert.equal(differ[0].server, config.config_hash);
  assert.equal(c.pointsSummary().balance, 30, "the server's rules priced the share");
  c.close();
});

test('a published version reaches the phone as next and takes effect at its instant offline', async (t) => {
  const server = await startServer(['--dev', '--rules-poll-seconds', '1']);
  t.after(() => server.child.kill());
  const next = seed();
  next.points.earning.review = { points: 35 };
  next.catalog[0].cost_points = 80;
  const switchAt = Math.ceil((Date.now() + 30 * MINUTE) / 1000) * 1000; // beyond the lead time
  publish(server, next, switchAt);
  const offered = await offeredNext(server);
  assert.equal(offered.next.effective_from, switchAt);
  assert.equal(offered.next.rules, encodeRules(next), 'the same bytes as the CLI encodes');
  const storage = zailai.memoryStorage();
  const clock = { skew: 0 };
  const a = await client(server.url, 'cy', { storage, clock });
  await a.sync();
  a.close();
  const b = await client('http://127.0.0.1:9', 'cy', { storage, clock }); // in a tunnel
  const review = () => b.track('review').find((e) => e.type === 'points_credited').granted;
  assert.equal(review(), 20);
  clock.skew = 31 * MINUTE;
  assert.equal(review(), 35);
  assert.equal(b.catalog().find((i) => i.id === 'streak_freeze').costPoints, 80);
  b.close();
});
