// The report's charts through `zailai serve` on 127.0.0.1 (issue 27): the scorecard's three
// SVG charts (liability, funnel, roi) beside the first three, and every chart as data for the
// console (`GET /v1/admin/report/charts`), which `zailai report --charts FILE` writes too.
const test = require('node:test');
const assert = require('node:assert/strict');
const { mkdtempSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { execFileSync } = require('node:child_process');
const { cli: cliBin, startServer, call, pusher } = require('./server-helpers.js');

const DAY = 86_400_000;
const day = (ms) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10); // business day, UTC+8
const CHARTS = ['cohorts', 'tiers', 'uplift', 'liability', 'funnel', 'roi'];

test('the report charts as SVG and as data, over HTTP and from the CLI', async (t) => {
  const { url, child, dataDir, admin: ADMIN } = await startServer(['--dev']);
  t.after(() => child.kill());
  // Two members check in: u1 on the last three days, u2 today.
  const now = Date.now();
  const push = pusher(url, { dataDir, registeredBefore: 7 * DAY });
  for (const [user, days] of [['u1', 3], ['u2', 1]]) {
    const token = (await call(url, '/v1/session', { method: 'POST', body: { dev_user: user } })).json.token;
    const ops = Array.from({ length: days }, (_, i) => ({ device: 'phone', seq: i + 1, at: now - (days - 1 - i) * DAY, op: { type: 'check_in' } }));
    const res = await push(token, 'phone', ops);
    assert.deepEqual([res.status, res.json.rejected], [200, []], JSON.stringify(res.json));
  }
  const range = `from=${day(now - 7 * DAY)}&to=${day(now)}`;

  const res = await call(url, `/v1/admin/report/charts?${range}`, { token: ADMIN });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  const data = res.json;
  assert.deepEqual([data.from, data.to], [day(now - 7 * DAY), day(now)]);
  assert.deepEqual(data.charts.map((c) => c.id), CHARTS);
  const chart = Object.fromEntries(data.charts.map((c) => [c.id, c]));
  assert.deepEqual(chart.cohorts.x, ['D1', 'D7', 'D30']);
  assert.equal(chart.cohorts.kind, 'heatmap');
  assert.deepEqual(chart.tiers.series.map((s) => s.name), ['regular', 'silver', 'gold', 'diamond']);
  assert.equal(chart.tiers.series[0].label['zh-CN'], '普通会员');
  // Both members hold the entry tier at the end of the range's last week.
  assert.equal(chart.funnel.kind, 'funnel');
  assert.deepEqual(chart.funnel.x, ['regular', 'silver', 'gold', 'diamond']);
  assert.deepEqual(chart.funnel.series[0].values, [2, 0, 0, 0]);
  assert.deepEqual(chart.funnel.targets.map((x) => [x.series, x.min]), [['upgrade', 0.1]]);
  assert.deepEqual(chart.roi.targets.map((x) => [x.series, x.min]), [['roi', 1.5]]);
  assert.deepEqual(chart.roi.series.map((s) => [s.name, s.unit ?? chart.roi.unit]), [['cost', 'cents'], ['revenue', 'cents'], ['baseline', 'cents'], ['roi', 'ratio']]);
  assert.equal(chart.liability.unit, 'points');
  assert.deepEqual(chart.liability.series.map((s) => s.name), ['outstanding', 'liability']);
  assert.equal(chart.liability.series[0].values.length, chart.liability.x.length);

  // Admin only, typed query, a bad range named.
  assert.equal((await call(url, `/v1/admin/report/charts?${range}`)).status, 401);
  assert.equal((await call(url, `/v1/admin/report/charts?${range}`, { token: 'nope' })).status, 401);
  const bad = await call(url, `/v1/admin/report/charts?from=${day(now)}&to=${day(now - 7 * DAY)}`, { token: ADMIN });
  assert.deepEqual([bad.status, bad.json.error.path], [400, 'from']);
  const unknown = await call(url, `/v1/admin/report/charts?${range}&chart=roi`, { token: ADMIN });
  assert.deepEqual([unknown.status, unknown.json.error.path], [400, 'chart']);

  // The three new SVG charts; an unknown one is refused with the list.
  const titles = { liability: 'Points outstanding week by week', funnel: 'Tier funnel: members on', roi: 'Campaign ROI' };
  for (const [name, title] of Object.entries(titles)) {
    const svg = await fetch(`${url}/v1/admin/report.svg?chart=${name}&${range}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(svg.status, 200, name);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    const body = await svg.text();
    assert.ok(body.startsWith('<svg ') && body.endsWith('</svg>'), name);
    assert.ok(body.includes(`<title>${title}`), name);
  }
  const pie = await call(url, `/v1/admin/report.svg?chart=pie&${range}`, { token: ADMIN });
  assert.deepEqual([pie.status, pie.json.error.path], [400, 'chart']);
  assert.match(pie.json.error.message, /cohorts, tiers, uplift, liability, funnel, roi/);

  // The CLI on the same database writes the same data and the six SVGs.
  const out = mkdtempSync(join(tmpdir(), 'zailai-charts-'));
  execFileSync(cliBin, ['report', '--data-dir', dataDir, '--from', day(now - 7 * DAY), '--to', day(now), '--charts', join(out, 'charts.json'), '--svg', join(out, 'svg')], { stdio: 'ignore' });
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'charts.json'), 'utf8')), data, 'the CLI and the endpoint agree');
  for (const name of CHARTS) assert.match(readFileSync(join(out, 'svg', `${name}.svg`), 'utf8'), /^<svg [\s\S]*<\/svg>$/, name);
});
