// Collect-cards and the lottery end to end: the real wasm client in Node and the real
// `zailai serve` on 127.0.0.1. Draws made offline stay pending, the server decides them at
// sync from its committed seed, publishes every result, and reveals the seed once the
// campaign and its offline window are over; then the client and the CLI verify each result,
// and a changed result is caught.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdtempSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { encodeRules, pkg, root } = require('./helpers.js');
const { cli, startServer, call } = require('./server-helpers.js');
const zailai = require(pkg);

const DAY = 86_400_000;

/** The business date (UTC+8) `days` from today. */
function dateIn(days) {
  return new Date(Date.now() + 8 * 3_600_000 + days * DAY).toISOString().slice(0, 10);
}

/** The seed rules with the Spring Festival campaign moved to start `startDays` from today. */
function rules(startDays) {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = dateIn(startDays);
  return cfg;
}

function client(url, user, config) {
  return zailai.createClient({
    storage: zailai.memoryStorage(),
    user,
    config: encodeRules(config), // pinned as an app would: encoded by the CLI
    server: { url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: user }), retry: { retries: 3, baseMs: 50, maxMs: 500 } },
  });
}

test('offline draws wait for the server, which decides, publishes and later reveals: every result verifies', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-lottery-'));
  const running = join(dir, 'running.json');
  writeFileSync(running, JSON.stringify(rules(-2)));
  let server = await startServer(['--dev', '--config', running], { dataDir: join(dir, 'data') });
  t.after(() => server.child.kill());
  const config = rules(-2);

  // Offline: a day's use gives cards; two draws are paid and pending.
  const a = await client(server.url, 'ann', config);
  a.checkIn();
  const cardEvents = [...a.track('open'), ...a.track('share')].filter((e) => e.type === 'card_granted');
  assert.equal(cardEvents.length, 2, 'open (a day of use) and share each give a card in the campaign');
  const balance = a.pointsSummary().balance;
  a.draw('spring_draw_2027');
  a.draw('spring_draw_2027');
  assert.equal(a.pointsSummary().balance, balance - 40);
  let view = a.campaigns()[0];
  assert.equal(view.cards[0].kinds.reduce((n, k) => n + k.held, 0), 2);
  assert.equal(view.cards[0].todayLeft, 1);
  assert.equal(view.lotteries[0].drawsLeft, 1);
  assert.deepEqual(view.lotteries[0].draws.map((d) => d.pending), [true, true]);

  // The sync settles both; the page sees the prizes, and the published record lists them.
  const result = await a.sync();
  assert.deepEqual(result.rejected, []);
  view = a.campaigns()[0];
  assert.deepEqual(view.lotteries[0].draws.map((d) => d.pending), [false, false]);
  const b = await client(server.url, 'bob', config);
  b.checkIn();
  b.track('share');
  b.draw('spring_draw_2027');
  await b.sync();
  const open = await call(server.url, '/v1/lotteries/spring_draw_2027');
  assert.equal(open.status, 200);
  assert.equal(open.json.seed, null, 'the seed stays secret while draws can still arrive');
  assert.match(open.json.commitment, /^[0-9a-f]{128}$/);
  assert.equal(open.json.draws.length, 3);
  await assert.rejects(a.verifyLottery('spring_draw_2027'), { code: 'LOTTERY_NOT_REVEALED' });
  assert.equal((await call(server.url, '/v1/lotteries/nope')).json.error.code, 'UNKNOWN_LOTTERY');

  // A device cannot settle its own draw (NOT_ALLOWED), nor push as the server.
  const forged = await call(server.url, '/v1/sync', {
    method: 'POST',
    token: (await call(server.url, '/v1/session', { method: 'POST', body: { dev_user: 'eve' } })).json.token,
    body: { protocol: 1, device: '~server', base_version: 0, snapshot_formats: [5], ops: [] },
  });
  assert.equal(forged.status, 400);

  // After the campaign and its offline window, the restarted server reveals the same seed.
  // Time passing is a rule version with the campaign a month back, published to take effect
  // at once (a lead of a second: docs/rules-lifecycle.md), and a restart on it.
  server.child.kill();
  const ended = join(dir, 'ended.json');
  writeFileSync(ended, JSON.stringify(rules(-30)));
  const from = new Date(Date.now() + 3000).toISOString();
  execFileSync(cli, ['rules', 'publish', '--config', ended, '--effective-from', from, '--lead-seconds', '1', '--author', 'test', '--data-dir', join(dir, 'data')]);
  await new Promise((r) => setTimeout(r, 3200));
  server = await startServer(['--dev', '--config', ended], { dataDir: join(dir, 'data') });
  const revealed = (await call(server.url, '/v1/lotteries/spring_draw_2027')).json;
  assert.equal(revealed.commitment, open.json.commitment, 'the committed seed survives the restart');
  assert.match(revealed.seed, /^[0-9a-f]{64}$/);
  // The seed never was in the database (a backup cannot foretell draws): it comes from a
  // secret outside it; the database holds the commitment only.
  const files = readdirSync(join(dir, 'data')).filter((f) => f.startsWith('zailai.db'));
  for (const f of files) {
    const bytes = readFileSync(join(dir, 'data', f));
    assert.ok(!bytes.includes(revealed.seed), `${f} holds the seed`);
    assert.ok(!bytes.includes(Buffer.from(revealed.seed, 'hex')), `${f} holds the seed's bytes`);
  }
  assert.ok(files.some((f) => readFileSync(join(dir, 'data', f)).includes(`c:${revealed.commitment}`)), 'the commitment is stored');
  // Pages: at most `limit` draws (1–1000), then `next` until the last page.
  const lotteryUrl = '/v1/lotteries/spring_draw_2027';
  const page1 = (await call(server.url, `${lotteryUrl}?limit=2`)).json;
  const page2 = (await call(server.url, `${lotteryUrl}?after=2&limit=2`)).json;
  assert.deepEqual([page1.after, page1.next, page1.draws.length], [0, 2, 2]);
  assert.deepEqual([page2.after, page2.next, page2.draws.length], [2, null, 1]);
  assert.deepEqual([...page1.draws, ...page2.draws], revealed.draws);
  for (const bad of ['limit=0', 'limit=1001', 'after=-1', 'page=2']) {
    const res = await call(server.url, `${lotteryUrl}?${bad}`);
    assert.equal(res.status, 400, bad);
  }
  assert.equal((await call(server.url, `${lotteryUrl}?limit=0`)).json.error.path, 'limit');
  // Member tags are salted with the lottery's seed: unlinkable until the reveal, then each
  // member finds their own (computed here independently of the wasm module).
  const tag = (parts) => parts.reduce((h, p) => h.update(p).update(Buffer.from([0])), createHash('sha512')).digest('hex').slice(0, 16);
  const annTag = tag([Buffer.from('zailai-member/v2'), Buffer.from(revealed.seed, 'hex'), Buffer.from('ann')]);
  assert.equal(revealed.draws.filter((d) => d.member === annTag).length, 2);
  const unsalted = tag([Buffer.from('zailai-member/v1'), Buffer.from('ann')]);
  assert.ok(!revealed.draws.some((d) => d.member === unsalted), 'no unsalted tag is published');

  // The client reads every page (here one draw a page, through a transport that asks for it).
  const base = zailai.fetchTransport();
  const onePerPage = {
    request: (req) => base.request({ ...req, url: req.url.includes('/v1/lotteries/') ? `${req.url}${req.url.includes('?') ? '&' : '?'}limit=1` : req.url }),
  };
  const again = await zailai.createClient({
    storage: zailai.memoryStorage(),
    user: 'ann',
    config: encodeRules(rules(-30)),
    server: { url: server.url, transport: onePerPage, credentials: async () => ({ dev_user: 'ann' }), retry: { retries: 0 } },
  });
  const checked = await again.verifyLottery('spring_draw_2027');
  assert.equal(checked.record.draws.length, 3, 'all three pages');
  assert.equal(checked.record.revealAt, revealed.reveal_at, "the HTTP body's reveal_at, in the JS API's camelCase");
  assert.doesNotMatch(JSON.stringify(checked.record), /"[a-z]+_[a-z_]*":/);
  assert.equal(checked.draws, 3);
  assert.equal(checked.mine.length, 2, "ann's two draws are found by her member tag");
  const wonByAnn = view.lotteries[0].draws.filter((d) => d.prize).length;
  assert.equal(checked.mine.filter((i) => revealed.draws[i].prize).length, wonByAnn, 'the phone shows what the record says');

  // The CLI agrees; a changed result is caught by both.
  const file = join(dir, 'record.json');
  writeFileSync(file, JSON.stringify(revealed));
  const ok = execFileSync(cli, ['verify-lottery', '--config', ended, file], { encoding: 'utf8' });
  assert.match(ok, /all 3 draws verified/);
  const [file1, file2] = [join(dir, 'page1.json'), join(dir, 'page2.json')];
  writeFileSync(file1, JSON.stringify(page1));
  writeFileSync(file2, JSON.stringify(page2));
  assert.match(execFileSync(cli, ['verify-lottery', '--config', ended, file1, file2], { encoding: 'utf8' }), /all 3 draws verified/);
  const missing = spawnSync(cli, ['verify-lottery', '--config', ended, file1], { encoding: 'utf8' });
  assert.deepEqual([missing.status, /goes on after draw 2: fetch \?after=2/.test(missing.stderr)], [2, true], missing.stderr);
  const swapped = spawnSync(cli, ['verify-lottery', '--config', ended, file2, file1], { encoding: 'utf8' });
  assert.deepEqual([swapped.status, /give every page, in order/.test(swapped.stderr)], [2, true], swapped.stderr);
  assert.match(swapped.stderr, /starts after draw 2, but the pages before it hold 0 draws: give every page, in order/);
  const tampered = structuredClone(revealed);
  const loser = tampered.draws.findIndex((d) => d.prize === null);
  tampered.draws[loser === -1 ? 0 : loser].prize = loser === -1 ? null : 'gift';
  writeFileSync(file, JSON.stringify(tampered));
  const bad = spawnSync(cli, ['verify-lottery', '--config', ended, file], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /NOT VERIFIED: LOTTERY_MISMATCH: draws\[\d\]/);
  assert.throws(() => a.rules.verifyLottery(JSON.stringify(tampered), 'ann'), { code: 'LOTTERY_MISMATCH' });
});
