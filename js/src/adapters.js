// Adapters from zailai's calendar cells (Vant-shaped: {date, type, text, topInfo, bottomInfo,
// className}) to the calendar components front-end developers already use. Each returns the
// component's per-day hook: Vant Weapp's van-calendar `formatter` and TDesign's t-calendar
// `format` both receive a day whose `date` is a local Date and return it changed.

function ymd(date) {
  const pad = (n) => (n < 10 ? `0${n}` : String(n));
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function index(cells) {
  const byDate = new Map();
  for (const c of cells) byDate.set(c.date, c);
  return byDate;
}

/**
 * The day's type from our cell: only a day the member checked in or made up (today too, once done) is
 * `selected`. The component's own selection (its `default-date` or `value`, today unless set)
 * would otherwise make an unchecked today look checked in. A day the component disables
 * (outside its min/max dates) stays disabled.
 */
function typeOf(cell, day) {
  if (cell.type === 'selected' || cell.type === 'disabled') return cell.type;
  return day.type === 'disabled' ? 'disabled' : '';
}

/** `formatter` for van-calendar: type, infos and class names from the cells. */
export function vantFormatter(cells) {
  const byDate = index(cells);
  return (day) => {
    const c = byDate.get(ymd(day.date));
    if (!c) return day;
    day.type = typeOf(c, day);
    day.topInfo = c.topInfo;
    day.bottomInfo = c.bottomInfo;
    day.className = c.className;
    return day;
  };
}

/** `format` for t-calendar: type and class names; topInfo becomes `prefix`, bottomInfo `suffix`. */
export function tdesignFormat(cells) {
  const byDate = index(cells);
  return (day) => {
    const c = byDate.get(ymd(day.date));
    if (!c) return day;
    day.type = typeOf(c, day);
    day.prefix = c.topInfo;
    day.suffix = c.bottomInfo;
    day.className = c.className;
    return day;
  };
}
