// The month views built from the module's numbers (`Member.monthWords`, layout in
// src/view/compact.rs): the grid (CalendarView) and the Vant cells (CalendarCell), field for
// field what the core's views give (js/test/month.test.js compares them with the native
// ones). One Uint32Array crosses instead of 42 objects of JSON text, and a kept month is
// rebuilt from it without the module (docs/performance-notes.md, "compact month views").

const HEADER = 8;
const CELL = 3;
const MILESTONE = 1 << 4;
const COUPON = 1 << 5;
const HAS_COST = 1 << 6;
const OUTSIDE = 9;
const FUTURE = 7;
/** By status code (`DayStatus` in declaration order). */
const STATUS = ['checked', 'made_up', 'frozen', 'missed', 'makeup_available', 'today_pending', 'today_done', 'future', 'before_join', 'outside_month'];
const CLASS = STATUS.map((s) => `zl-day zl-${s.replace(/_/g, '-')}`);
const KIND = ['selected', 'selected', '', '', '', '', 'selected', 'disabled', 'disabled', 'disabled'];
/** '00'…'31' and '0'…'31': the day's parts without formatting each time. */
const TWO = [];
const DAY = [];
for (let i = 0; i < 32; i++) {
  TWO.push(i < 10 ? `0${i}` : String(i));
  DAY.push(String(i));
}
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(y, m) {
  return m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : MONTH_DAYS[m];
}

/** [year, month, day] of a day number (days since 1970-01-01), the core's `civil_from_days`. */
function civil(z) {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

/** YYYY-MM-DD up to its day: what `Date`'s Display writes (`{:04}`, so year 10000 too). */
function monthPrefix(y, m) {
  return `${y < 1000 ? String(y).padStart(4, '0') : y}-${TWO[m]}-`;
}

function dateOf(z) {
  const [y, m, d] = civil(z);
  return monthPrefix(y, m) + TWO[d];
}

/** The ten texts after the cells: each a length and that many UTF-16 units. */
function texts(w, at) {
  const out = [];
  while (at < w.length) {
    const n = w[at++];
    let s = '';
    // In slices: apply's arguments are bounded on some engines.
    for (let i = 0; i < n; i += 4096) s += String.fromCharCode.apply(null, w.subarray(at + i, at + Math.min(n, i + 4096)));
    out.push(s);
    at += n;
  }
  return out;
}

/** The cells' dates and days of the month, consecutive from the first cell's. */
function dates(w) {
  const n = w[7];
  const out = { date: [], day: [] };
  let [y, m, d] = civil(w[6] | 0);
  let prefix = monthPrefix(y, m);
  let last = daysIn(y, m);
  for (let i = 0; i < n; i++) {
    out.date.push(prefix + TWO[d]);
    out.day.push(d);
    if (++d > last) {
      d = 1;
      if (++m > 12) [y, m] = [y + 1, 1];
      prefix = monthPrefix(y, m);
      last = daysIn(y, m);
    }
  }
  return out;
}

// The strings of the last array read: the client hands the same kept array to calendar() and
// calendarCells() until the state changes, and a page re-renders far more often (the texts
// alone were a third of a kept call on JSC without JIT).
let last = null;
let lastParts = null;

/** The texts and dates of `w` (strings are immutable: sharing them between views is safe). */
function parts(w) {
  if (w !== last) {
    lastParts = { texts: texts(w, HEADER + w[7] * CELL), ...dates(w) };
    last = w;
  }
  return lastParts;
}

/** The month grid (`Member.calendar`): {year, month, today, firstWeekday, streak,
 * streakLabel, makeupsLeft, weeks}. */
export function monthView(w) {
  const { texts: t, date, day } = parts(w);
  const n = w[7];
  const weeks = [];
  let week = [];
  for (let i = 0, at = HEADER; i < n; i++, at += CELL) {
    const code = w[at];
    const cell = { date: date[i], day: day[i], status: STATUS[code & 15], points: w[at + 1], milestone: (code & MILESTONE) !== 0, coupon: (code & COUPON) !== 0 };
    if (code & HAS_COST) cell.makeupCost = w[at + 2];
    week.push(cell);
    if (week.length === 7) {
      weeks.push(week);
      week = [];
    }
  }
  if (week.length) weeks.push(week);
  return { year: w[0] | 0, month: w[1], today: dateOf(w[2] | 0), firstWeekday: w[3], streak: w[4], streakLabel: t[0], makeupsLeft: w[5], weeks };
}

/** The month as Vant-shaped cells (`Member.calendarCells`): {date, type, text, topInfo,
 * bottomInfo, className}, the rules of src/view/wx.rs's `cell`. */
export function monthCells(w) {
  const { texts: t, date, day } = parts(w);
  const [before, after] = [t[8], t[9]];
  const n = w[7];
  const cells = [];
  for (let i = 0, at = HEADER; i < n; i++, at += CELL) {
    const code = w[at];
    const status = code & 15;
    const shown = status !== OUTSIDE;
    const milestone = shown && (code & MILESTONE) !== 0;
    let className = CLASS[status];
    if (milestone) className += ' zl-milestone';
    if (shown && (code & COUPON) !== 0) className += ' zl-coupon';
    let bottomInfo = '';
    if (status < FUTURE) bottomInfo = t[1 + status];
    else if (status === FUTURE && w[at + 1] > 0 && (code & MILESTONE) === 0) bottomInfo = before + w[at + 1] + after;
    cells.push({ date: date[i], type: KIND[status], text: DAY[day[i]], topInfo: milestone ? before + w[at + 1] + after : '', bottomInfo, className });
  }
  return cells;
}
