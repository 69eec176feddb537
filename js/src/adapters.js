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

/** `formatter` for van-calendar: marks, infos and class names from the cells. */
export function vantFormatter(cells) {
  const byDate = index(cells);
  return (day) => {
    const c = byDate.get(ymd(day.date));
    if (!c) return day;
    if (c.type) day.type = c.type;
    day.topInfo = c.topInfo;
    day.bottomInfo = c.bottomInfo;
    day.className = c.className;
    return day;
  };
}

/** `format` for t-calendar: topInfo becomes `prefix`, bottomInfo `suffix`. */
export function tdesignFormat(cells) {
  const byDate = index(cells);
  return (day) => {
    const c = byDate.get(ymd(day.date));
    if (!c) return day;
    if (c.type) day.type = c.type;
    day.prefix = c.topInfo;
    day.suffix = c.bottomInfo;
    day.className = c.className;
    return day;
  };
}
