// The month views the package builds in JS from the module's numbers (js/src/month.js) must be
// the native core's views field for field: `Member.calendar` against `view::calendar` and
// `Member.calendarCells` against `view::calendar_cells`, both from `zailai simulate` (the
// native CLI), over months that show every status, milestones, coupons, make-up costs, both
// first weekdays, a year's end, a leap February and a reward template with non-ASCII text.
// A change on either side fails here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { cli, encodeRules, pkg, root } = require('./helpers.js');
const { loadSync, mergeConfig } = require(pkg);

const seed = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
/** Epoch ms of a wall time in the seed's business zone (UTC+8). */
const at = (y, m, d, h = 12, min = 0) => Date.UTC(y, m - 1, d, h - 8, min);

/** Object keys in camelCase, order kept (the JS API's names for the native snake_case). */
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelKeys(v)]));
}

const checkIns = (days, m = 11, from = 1) => days.map((d, i) => ({ device: 'phone', seq: from + i, at: at(2026, m, d, 9), op: { type: 'check_in' } }));

const scenarios = [
  {
    name: 'Monday first, zh-CN: frozen, made up, missed, make-ups used up',
    patch: {},
    joinedAt: at(2026, 11, 1, 0),
    ops: [
      { device: '~ops', seq: 1, at: at(2026, 11, 1, 0), op: { type: 'grant', points: 100, reason: 'seed' } },
      { device: 'phone', seq: 1, at: at(2026, 11, 1, 0, 1), op: { type: 'redeem', item: 'streak_freeze' } },
      ...checkIns([1, 3, 4, 7], 11, 2),
      { device: 'phone', seq: 6, at: at(2026, 11, 7, 9, 5), op: { type: 'make_up', date: '2026-11-05' } },
      ...checkIns([10], 11, 7),
      { device: 'phone', seq: 8, at: at(2026, 11, 10, 9, 1), op: { type: 'make_up', date: '2026-11-06' } },
      { device: 'phone', seq: 9, at: at(2026, 11, 10, 9, 2), op: { type: 'make_up', date: '2026-11-08' } },
    ],
    cases: [
      { now: at(2026, 11, 10) },
      { now: at(2026, 11, 11), locale: 'en' },
      { now: at(2026, 12, 3) },
      { now: at(2026, 12, 31, 23, 59), locale: 'en' },
    ],
  },
  {
    name: 'Sunday first, en with a reward template: before join, milestones with a coupon',
    patch: { first_weekday: 0, default_locale: 'en', messages: { en: { 'day.reward': '🎉{points} pts', 'day.checked': 'Done ✓', 'streak.label': '«{n}» days' } } },
    joinedAt: at(2026, 11, 4, 8),
    ops: checkIns([4, 5, 6, 7, 8, 9, 10]),
    cases: [
      { now: at(2026, 11, 10) },
      { now: at(2026, 11, 12), locale: 'zh-CN' },
      { now: at(2026, 12, 1, 0, 0) },
      { now: at(2028, 2, 15) },
    ],
  },
];

/** The native views at `now`: `zailai simulate` computes them for now's month. */
function nativeViews(dir, s, { now, locale }) {
  const args = ['simulate', '--config', join(dir, 'rules.json'), '--ops', join(dir, 'ops.jsonl'), '--user', 'u1', '--joined-at', String(s.joinedAt), '--now', String(now)];
  if (locale) args.push('--locale', locale);
  const { views } = JSON.parse(execFileSync(cli, args, { encoding: 'utf8' }));
  return { calendar: camelKeys(views.calendar), cells: views.calendar_cells };
}

const VIEW_KEYS = ['year', 'month', 'today', 'firstWeekday', 'streak', 'streakLabel', 'makeupsLeft', 'weeks'];
const DAY_KEYS = ['date', 'day', 'status', 'points', 'milestone', 'coupon'];
const CELL_KEYS = ['date', 'type', 'text', 'topInfo', 'bottomInfo', 'className'];
const seen = { statuses: new Set(), weekdays: new Set(), milestone: 0, coupon: 0, cost: 0, topInfo: 0, reward: 0, nonAscii: 0 };

for (const s of scenarios) {
  test(`month views built in JS equal the native ones: ${s.name}`, () => {
    const config = JSON.stringify(mergeConfig(seed, s.patch));
    const dir = mkdtempSync(join(tmpdir(), 'zailai-month-'));
    try {
      writeFileSync(join(dir, 'rules.json'), config);
      writeFileSync(join(dir, 'ops.jsonl'), s.ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
      const { Rules, Member } = loadSync();
      const rules = new Rules(encodeRules(config));
      const member = Member.join(rules, 'u1', s.joinedAt);
      for (const op of s.ops) member.applyJSON(rules, JSON.stringify(op)); // each op is accepted
      for (const c of s.cases) {
        const native = nativeViews(dir, s, c);
        const { year, month } = native.calendar;
        const view = member.calendar(rules, year, month, c.now, c.locale);
        const cells = member.calendarCells(rules, year, month, c.now, c.locale);
        const where = `${s.name} at ${new Date(c.now).toISOString()} ${c.locale || ''}`;
        assert.deepEqual(view, native.calendar, where);
        assert.deepEqual(cells, native.cells, where);
        // Keys in the order of the Rust structs' fields, as the module's JSON gave them (the
        // CLI's JSON sorts them): a page's JSON.stringify sees the same text as before.
        assert.deepEqual(Object.keys(view), VIEW_KEYS, where);
        for (const d of view.weeks.flat()) assert.deepEqual(Object.keys(d), 'makeupCost' in d ? [...DAY_KEYS, 'makeupCost'] : DAY_KEYS, where);
        for (const cell of cells) assert.deepEqual(Object.keys(cell), CELL_KEYS, where);
        seen.weekdays.add(view.firstWeekday);
        for (const d of view.weeks.flat()) {
          seen.statuses.add(d.status);
          seen.milestone += d.milestone;
          seen.coupon += d.coupon;
          seen.cost += 'makeupCost' in d;
        }
        for (const cell of cells) {
          seen.topInfo += cell.topInfo !== '';
          seen.reward += cell.bottomInfo.includes('pts');
          seen.nonAscii += /[^\x00-\x7f]/.test(cell.bottomInfo + cell.topInfo);
        }
      }
      member.free();
      rules.free();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the months compared show every status, flag and both first weekdays', () => {
  assert.deepEqual([...seen.statuses].sort(), ['before_join', 'checked', 'frozen', 'future', 'made_up', 'makeup_available', 'missed', 'outside_month', 'today_done', 'today_pending']);
  assert.deepEqual([...seen.weekdays].sort(), [0, 1]);
  for (const key of ['milestone', 'coupon', 'cost', 'topInfo', 'reward', 'nonAscii']) assert.ok(seen[key] > 0, key);
});

test('a bad month is the core’s INVALID_DATE, through the JS-built views too', () => {
  const { Rules, Member } = loadSync();
  const rules = new Rules(encodeRules(JSON.stringify(seed)));
  const member = Member.join(rules, 'u1', at(2026, 11, 1));
  for (const view of ['calendar', 'calendarCells']) {
    assert.throws(() => member[view](rules, 2026, 13, at(2026, 11, 2)), (e) => e.code === 'INVALID_DATE', view);
  }
  member.free();
  rules.free();
});
