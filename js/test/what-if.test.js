// What-if over HTTP (issue 26): POST /v1/admin/rules/what-if on a populated database answers
// what `zailai rules what-if --json` prints; behind the admin token; a bad candidate is a 400
// naming its path.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');
const { cli, startServer, call } = require('./server-helpers.js');

test('the what-if route and the CLI agree on a populated database', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-what-if-'));
  execFileSync(cli, ['populate', '--data-dir', dataDir, '--users', '40', '--start', '2026-08-01', '--days', '30'], { stdio: 'ignore' });
  const { url, child, admin } = await startServer(['--dev'], { dataDir });
  t.after(() => child.kill());
  const candidate = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
  candidate.points.earning.core_action.points = 20;
  const body = { candidate, from: '2026-08-15', to: '2026-08-30' };
  const res = await call(url, '/v1/admin/rules/what-if', { method: 'POST', token: admin, body });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const r = res.json;
  assert.match(r.assumption, /members behave as they did/);
  assert.deepEqual(r.members, { population: 40, replayed: 40, sampled: false });
  assert.deepEqual(r.weeks.map((w) => [w.from, w.to]), [['2026-08-15', '2026-08-21'], ['2026-08-22', '2026-08-28'], ['2026-08-29', '2026-08-30']]);
  const issued = r.weeks.map((w) => w.points_issued);
  assert.ok(issued.some((f) => f.difference > 0), 'more points for core actions');
  for (const f of issued) assert.equal(f.candidate - f.current, f.difference);
  assert.deepEqual(r.ops.refused_by_current, {}, 'the replay is faithful');

  const file = join(dataDir, 'candidate.json');
  writeFileSync(file, JSON.stringify(candidate));
  const printed = execFileSync(cli, ['rules', 'what-if', '--data-dir', dataDir, '--candidate', file, '--from', '2026-08-15', '--to', '2026-08-30', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.deepEqual(JSON.parse(printed), r, 'the CLI and the endpoint agree');
  const text = execFileSync(cli, ['rules', 'what-if', '--data-dir', dataDir, '--candidate', file, '--from', '2026-08-15', '--to', '2026-08-30'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.match(text, /^Assumption: members behave as they did/m);
  assert.match(text, /^Points issued$/m);

  assert.equal((await call(url, '/v1/admin/rules/what-if', { method: 'POST', body })).status, 401);
  const bad = structuredClone(candidate);
  bad.points.daily_cap = 'lots';
  const cases = [
    [{ ...body, candidate: bad }, 'candidate.points.daily_cap'],
    [{ ...body, from: '2026-8-15' }, 'from'],
    [{ ...body, fromm: '2026-08-15' }, 'fromm'],
    [{ ...body, to: '2026-08-01' }, ''],
  ];
  for (const [b, path] of cases) {
    const e = await call(url, '/v1/admin/rules/what-if', { method: 'POST', token: admin, body: b });
    assert.equal(e.status, 400, JSON.stringify(e.json));
    assert.equal(e.json.error.path, path, JSON.stringify(e.json));
  }
});
