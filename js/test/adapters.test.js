// The Vant and TDesign adapters inside the components' own day-building code (issue 15): Vant
// Weapp's calendar month rendered by miniprogram-simulate, TDesign's TCalendar (the code its
// t-calendar builds months with) bundled from the published package. Both select a day of
// their own (Vant's default-date and TDesign's value, today unless set); through our hooks only
// the days the member checked in look selected, and an unchecked today never does.
const test = require('node:test');
const assert = require('node:assert/strict');
const { dirname, join } = require('node:path');
const { JSDOM } = require('jsdom');
const esbuild = require('esbuild');
const { pkg } = require('./helpers.js');
const zailai = require(pkg);

const dom = new JSDOM('<!doctype html><html><body></body></html>');
Object.assign(global, { window: dom.window, document: dom.window.document, Event: dom.window.Event, CustomEvent: dom.window.CustomEvent });
const simulate = require('miniprogram-simulate');

const DAY = 86_400_000;
const NOV1 = Date.UTC(2026, 10, 1, 1, 0); // 09:00 in UTC+8

/** Cells of November 2026 for a member who checked in on the 1st and 2nd; today is the 4th, not checked in. */
async function novemberCells() {
  const clock = { t: NOV1 };
  const c = await zailai.createClient({ storage: zailai.memoryStorage(), now: () => clock.t, deviceId: () => 'd' });
  c.checkIn();
  clock.t += DAY;
  c.checkIn();
  clock.t += 2 * DAY;
  const cells = c.calendarCells();
  const status = (d) => cells.find((x) => x.date === `2026-11-0${d}`).className;
  assert.equal(status(2), 'zl-day zl-checked');
  assert.equal(status(3), 'zl-day zl-makeup-available');
  assert.equal(status(4), 'zl-day zl-today-pending');
  return cells;
}

const TODAY = new Date(2026, 10, 4);

test("Vant's calendar month: its selected today is unselected unless checked in; checked days are selected", async () => {
  const cells = await novemberCells();
  const lib = dirname(dirname(require.resolve('@vant/weapp/lib/common/component.js')));
  const id = simulate.load(join(lib, 'calendar', 'components', 'month', 'index'), { rootPath: lib });
  const render = (formatter) => {
    const month = simulate.render(id, {
      date: new Date(2026, 10, 1).getTime(),
      type: 'single',
      currentDate: TODAY.getTime(), // what default-date gives: today
      minDate: new Date(2026, 10, 1).getTime(),
      maxDate: new Date(2026, 10, 20).getTime(),
      formatter,
    });
    month.attach(document.createElement('parent-wrapper'));
    return month;
  };
  const typeOn = (month, d) => month.data.days[d - 1].type;

  const plain = render(null);
  assert.equal(typeOn(plain, 4), 'selected', "without our hook Vant selects today: the bug's cause");

  const month = render(zailai.vantFormatter(cells));
  assert.deepEqual([1, 2, 3, 4, 5].map((d) => typeOn(month, d)), ['selected', 'selected', '', '', 'disabled']);
  assert.equal(month.data.days[3].bottomInfo, '待签到');
  assert.equal(typeOn(month, 25), 'disabled', "Vant's own disabled days (after max-date) stay disabled");
  // What the member sees: the rendered grid marks exactly the two checked days.
  const selected = month.querySelectorAll('.van-calendar__day--selected');
  assert.equal(selected.length, 2);
  assert.deepEqual(selected.map((d) => d.dom.textContent.trim().split(/\s+/)[0]), ['1', '2']);
});

test("TDesign's TCalendar: its selected value is unselected unless checked in", async () => {
  const cells = await novemberCells();
  const source = require.resolve('tdesign-miniprogram/miniprogram_dist/common/shared/calendar/index.js');
  const bundled = esbuild.buildSync({ entryPoints: [source], bundle: true, format: 'cjs', write: false, logLevel: 'silent' });
  const module = { exports: {} };
  new Function('module', 'exports', bundled.outputFiles[0].text)(module, module.exports);
  const TCalendar = module.exports.default;
  const months = (format) =>
    new TCalendar({ type: 'single', value: TODAY.getTime(), minDate: new Date(2026, 10, 1), maxDate: new Date(2026, 10, 20), format }).getMonths();
  const typeOn = (ms, d) => ms[0].months[d - 1].type;

  assert.equal(typeOn(months(undefined), 4), 'selected', "without our hook TDesign selects its value: today");
  const ms = months(zailai.tdesignFormat(cells));
  assert.equal(ms[0].month, 10);
  assert.deepEqual([1, 2, 3, 4, 5].map((d) => typeOn(ms, d)), ['selected', 'selected', '', '', 'disabled']);
  assert.equal(ms[0].months[0].suffix, '已签');
  assert.equal(ms[0].months[3].suffix, '待签到');
  assert.equal(typeOn(ms, 25), 'disabled', "TDesign's own disabled days stay disabled");
});
