// The console's rules, campaigns, lottery and messages API (issue 28) against the real
// `zailai serve`, as the console calls it with the admin bearer token: a draft validated with
// its errors at their paths, the campaign templates validated and one scheduled, the
// lotteries listing whose stock goes down after a member's draw, and the messages CSV.
// With console sessions: a viewer reads, an operator validates, exports and schedules a
// campaign-only version, and a change beyond campaigns is refused, saying which (the rule that
// decides it, `versions::scope`, is tested in Rust too).
const test = require('node:test');
const assert = require('node:assert/strict');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');
const { startServer, call, pusher } = require('./server-helpers.js');

const DAY = 86_400_000;
const ZONE = 8 * 3_600_000;

/** The business date (UTC+8) `days` from today. */
function dateIn(days) {
  return new Date(Date.now() + ZONE + days * DAY).toISOString().slice(0, 10);
}

/** The seed rules with the Spring Festival campaign running since 2 days ago, and a wheel
 * every slot of which wins a prize (no tier weighs more), so that a draw takes stock. */
function runningRules() {
  const cfg = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  cfg.campaigns[0].start = dateIn(-2);
  for (const level of cfg.tiers.levels) level.benefits.lottery_weight = 1;
  const lottery = cfg.lotteries[0];
  lottery.total_weight = lottery.prizes.reduce((n, p) => n + p.weight, 0);
  return cfg;
}

/** Every `{{NAME}}` in the template's strings replaced, as the console fills them. */
function fill(value, values) {
  if (typeof value === 'string') return value.replace(/\{\{(\w+)\}\}/g, (m, name) => values[name] ?? m);
  if (Array.isArray(value)) return value.map((v) => fill(v, values));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, values)]));
  return value;
}

/** `rules` with the template's campaign and card sets added, filled with `values`. */
function withTemplate(rules, template, values) {
  const out = structuredClone(rules);
  const t = fill(template, values);
  out.campaigns = [...(out.campaigns || []), t.campaign];
  if (t.cards) out.cards = [...(out.cards || []), ...t.cards];
  return out;
}

/** Parses a CSV body (RFC 4180: quoted cells, doubled quotes, CRLF) into rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  assert.equal(row.length + cell.length, 0, 'the last line ends with CRLF');
  return rows;
}

test('validate, templates, lotteries and the messages CSV through the admin API', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-console-rules-'));
  const running = runningRules();
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(running));
  const server = await startServer(['--dev', '--config', join(dir, 'rules.json')], { dataDir: join(dir, 'data') });
  t.after(() => server.child.kill());
  const admin = (path, opts = {}) => call(server.url, path, { token: server.admin, ...opts });

  // A draft with two errors: 422, every problem at its path, nothing stored.
  const draft = structuredClone(running);
  draft.points.expiry_months = 0;
  draft.checkin.streak_bonuses[1].day = 99;
  const refused = await admin('/v1/admin/rules/validate', { method: 'POST', body: { rules: draft } });
  assert.equal(refused.status, 422);
  assert.equal(refused.json.error.code, 'CONFIG_INVALID');
  const paths = refused.json.error.problems.map((p) => p.path);
  assert.ok(paths.includes('points.expiry_months'), paths.join());
  assert.ok(paths.some((p) => p.startsWith('checkin.streak_bonuses[1]')), paths.join());
  for (const p of refused.json.error.problems) assert.ok(p.message.length > 0, `${p.path} has a message`);
  const versions = await admin('/v1/admin/rules');
  assert.equal(versions.json.versions.length, 1, 'validating stores nothing');

  // The running rules as they are: valid, no change from version 1.
  const same = await admin('/v1/admin/rules/validate', { method: 'POST', body: { rules: running } });
  assert.equal(same.status, 200, JSON.stringify(same.json));
  assert.deepEqual([same.json.ok, same.json.base.number, same.json.changes], [true, 1, 0]);
  assert.equal(same.json.hash, versions.json.versions[0].hash);

  // Every template, filled with its example and added to the running rules, validates as a
  // campaign-only change (an operator may schedule it).
  const templates = (await admin('/v1/admin/campaign-templates')).json.templates;
  assert.deepEqual(templates.map((x) => x.title.zh), ['春节集福卡', '双11 积分加倍', '会员日']);
  for (const template of templates) {
    const rules = withTemplate(running, template, template.example);
    const checked = await admin('/v1/admin/rules/validate', { method: 'POST', body: { rules } });
    assert.equal(checked.status, 200, `${template.id}: ${JSON.stringify(checked.json)}`);
    assert.equal(checked.json.needs_role, 'operator', template.id);
    assert.deepEqual(checked.json.beyond_campaigns, []);
    assert.ok(checked.json.summary.campaigns.some((c) => c.id === template.example.ID), template.id);
    assert.deepEqual(checked.json.warnings, [], `${template.id} draws no warning`);
  }
  // Left unfilled, a template is refused where its placeholder stands.
  const unfilled = await admin('/v1/admin/rules/validate', { method: 'POST', body: { rules: withTemplate(running, templates[1], {}) } });
  assert.equal(unfilled.status, 422);
  assert.equal(unfilled.json.error.path, `campaigns[${running.campaigns.length}].start`);
  // A change beyond campaigns needs an admin, and says where.
  const cap = structuredClone(running);
  cap.points.daily_cap = 150;
  const capped = await admin('/v1/admin/rules/validate', { method: 'POST', body: { rules: cap } });
  assert.deepEqual([capped.json.needs_role, capped.json.beyond_campaigns], ['admin', ['points.daily_cap']]);

  // 双11 scheduled as a rules version (the admin token may publish anything).
  const double11 = templates.find((x) => x.id === 'double_11');
  const scheduled = await admin('/v1/admin/rules', {
    method: 'POST',
    body: { rules: withTemplate(running, double11, double11.example), effective_from: Date.now() + 11 * 60_000, author: 'console-test' },
  });
  assert.equal(scheduled.status, 200, JSON.stringify(scheduled.json));
  const listed = (await admin('/v1/admin/rules')).json.versions;
  assert.deepEqual(listed.map((v) => v.state), ['in_effect', 'scheduled']);

  // The lottery before any draw: committed, not revealed, the whole stock left.
  const before = (await admin('/v1/admin/lotteries')).json.lotteries;
  assert.deepEqual(before.map((l) => l.id), ['spring_draw_2027']);
  assert.match(before[0].commitment, /^[0-9a-f]{128}$/);
  assert.deepEqual([before[0].revealed, before[0].seed, before[0].draws], [false, null, 0]);
  assert.deepEqual(before[0].stock.map((s) => [s.prize, s.total, s.left]), running.lotteries[0].prizes.map((p) => [p.id, p.stock, p.stock]));
  const published = (await call(server.url, '/v1/lotteries/spring_draw_2027')).json;
  assert.equal(before[0].commitment, published.commitment, 'the commitment the public record shows');
  assert.equal(before[0].reveal_at, published.reveal_at);

  // Ann checks in, shares (40 points) and draws (20); the sync decides the draw.
  const push = pusher(server.url);
  const login = async (user) => (await call(server.url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
  const ann = await login('ann');
  const bob = await login('bob');
  await push(ann, 'p', []); // the devices' first contact: ops count from it
  await push(bob, 'q', []);
  const at = Date.now() + 5;
  await new Promise((r) => setTimeout(r, 10));
  const ops = [
    { device: 'p', seq: 1, at, op: { type: 'check_in' } },
    { device: 'p', seq: 2, at, op: { type: 'track', action: 'share' } },
    { device: 'p', seq: 3, at, op: { type: 'draw', lottery: 'spring_draw_2027' } },
  ];
  const synced = await push(ann, 'p', ops);
  assert.equal(synced.status, 200, JSON.stringify(synced.json));
  assert.deepEqual(synced.json.rejected, []);
  const after = (await admin('/v1/admin/lotteries')).json.lotteries[0];
  assert.equal(after.draws, 1);
  const taken = after.stock.filter((s) => s.left === s.total - 1);
  assert.equal(taken.length, 1, 'every slot wins: one prize has one fewer left');
  assert.equal(taken[0].won, 1);
  assert.equal(after.stock.reduce((n, s) => n + s.won, 0), 1);
  const record = (await call(server.url, '/v1/lotteries/spring_draw_2027')).json;
  assert.deepEqual(record.draws.map((d) => d.prize), [taken[0].prize], 'the public record names the same prize');

  // Messages: Ann agrees to expiry reminders, Bob (points too) agrees to nothing. Thirty days
  // before Ann's points expire she is a candidate, in the JSON and in the CSV alike.
  assert.equal((await call(server.url, '/v1/consent', { method: 'POST', token: ann, body: { points_expiring: true } })).status, 200);
  assert.equal((await push(bob, 'q', [{ device: 'q', seq: 1, at, op: { type: 'check_in' } }])).status, 200);
  const today = dateIn(0);
  // The last usable day: 12 months on, the day clamped to the month's end (RULES.md, Lots).
  const [y, m, d] = today.split('-').map(Number);
  const expires = new Date(Date.UTC(y + 1, m - 1, Math.min(d, new Date(Date.UTC(y + 1, m, 0)).getUTCDate())));
  const lastDay = expires.toISOString().slice(0, 10);
  const now = expires.getTime() - 30 * DAY + 12 * 3_600_000 - ZONE; // noon, 30 days before
  const json = (await admin(`/v1/admin/messages?now=${now}`)).json.candidates;
  assert.deepEqual(json.map((c) => [c.user, c.kind, c.data.date, c.data.days]), [['ann', 'points_expiring', lastDay, 30]]);
  const res = await fetch(`${server.url}/v1/admin/messages.csv?now=${now}`, { headers: { authorization: `Bearer ${server.admin}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="messages-\d+\.csv"$/);
  assert.equal(res.headers.get('x-next-after'), null, 'one page');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte order mark for Excel');
  const rows = parseCsv(bytes.subarray(3).toString('utf8'));
  assert.deepEqual(rows[0], ['user', 'kind', 'text', 'points', 'date', 'days', 'streak', 'tier', 'since']);
  assert.deepEqual(
    rows.slice(1),
    json.map((c) => [c.user, c.kind, c.text, String(c.data.points), c.data.date, '30', '', '', '']),
  );
  assert.match(rows[1][2], /积分/, 'the text in Chinese, as the rules\' default locale has it');
  // Only an operator or admin exports; a bad query is refused at its parameter.
  assert.equal((await call(server.url, '/v1/admin/messages.csv')).status, 401);
  const bad = await admin('/v1/admin/messages.csv?limit=0');
  assert.deepEqual([bad.status, bad.json.error.path], [400, 'limit']);
});

/** A console login (`POST /v1/console/session`): a request function that sends the session's
 * cookie and CSRF header, as the console does. */
async function consoleAs(url, name, password) {
  const res = await call(url, '/v1/console/session', { method: 'POST', body: { name, password } });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const headers = { cookie, 'x-csrf-token': res.json.csrf };
  const as = (path, opts = {}) => call(url, path, { ...opts, headers });
  /** A GET whose answer is not JSON (a CSV): its status. */
  as.status = async (path) => (await fetch(url + path, { headers })).status;
  return as;
}

test('an operator schedules campaigns; a change beyond them is an admin\'s, and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-console-roles-'));
  const running = runningRules();
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(running));
  const server = await startServer(['--dev', '--config', join(dir, 'rules.json')], { dataDir: join(dir, 'data') });
  t.after(() => server.child.kill());
  const admin = (path, opts = {}) => call(server.url, path, { token: server.admin, ...opts });
  for (const [name, role] of [['olga', 'operator'], ['vera', 'viewer']]) {
    const made = await admin('/v1/admin/operators', { method: 'POST', body: { name, role, password: `${role} password 1` } });
    assert.equal(made.status, 200, JSON.stringify(made.json));
  }
  const olga = await consoleAs(server.url, 'olga', 'operator password 1');
  const vera = await consoleAs(server.url, 'vera', 'viewer password 1');
  const templates = (await vera('/v1/admin/campaign-templates')).json.templates;
  assert.equal(templates.length, 3, 'a viewer reads the templates');
  assert.equal((await vera('/v1/admin/lotteries')).status, 200, 'and the lotteries');
  const memberDay = templates.find((x) => x.id === 'member_day');
  const rules = withTemplate(running, memberDay, memberDay.example);

  // A viewer cannot validate a draft nor export; an operator can.
  const denied = await vera('/v1/admin/rules/validate', { method: 'POST', body: { rules } });
  assert.deepEqual([denied.status, denied.json.error.code], [403, 'FORBIDDEN']);
  assert.equal(await vera.status('/v1/admin/messages.csv'), 403);
  assert.equal(await olga.status('/v1/admin/messages.csv'), 200);
  const checked = await olga('/v1/admin/rules/validate', { method: 'POST', body: { rules } });
  assert.equal(checked.json.needs_role, 'operator');

  // The operator schedules the member day; a cap raised with it is refused, naming the path.
  const effective_from = Date.now() + 11 * 60_000;
  const cap = structuredClone(rules);
  cap.points.daily_cap = 150;
  const refused = await olga('/v1/admin/rules', { method: 'POST', body: { rules: cap, effective_from, author: 'olga' } });
  assert.deepEqual([refused.status, refused.json.error.code], [403, 'FORBIDDEN']);
  assert.match(refused.json.error.message, /operators may only schedule campaign changes .*this changes `points\.daily_cap`/);
  assert.equal((await admin('/v1/admin/rules')).json.versions.length, 1, 'nothing published');
  const scheduled = await olga('/v1/admin/rules', { method: 'POST', body: { rules, effective_from, author: 'olga' } });
  assert.equal(scheduled.status, 200, JSON.stringify(scheduled.json));
  assert.equal(scheduled.json.number, 2);
  // Rollback stays an admin's.
  const rollback = await olga('/v1/admin/rules/1/rollback', { method: 'POST', body: { effective_from: effective_from + 60_000, author: 'olga' } });
  assert.deepEqual([rollback.status, rollback.json.error.code], [403, 'FORBIDDEN']);

  // Both writes are in the audit log, by the operator.
  const entries = (await admin('/v1/admin/audit?actor=olga')).json.entries;
  const actions = entries.map((e) => [e.action, e.role]);
  assert.deepEqual(actions.filter(([a]) => a !== 'console.login'), [['rules.publish', 'operator'], ['messages.export', 'operator']]);
  const exported = entries.find((e) => e.action === 'messages.export');
  assert.equal(exported.target, 'messages');
  assert.deepEqual([exported.after.rows, exported.after.next, exported.after.query], [0, null, { after: '' }]);
  const published = entries.find((e) => e.action === 'rules.publish');
  assert.deepEqual([published.target, published.after.number], ['rules:2', 2]);
});
