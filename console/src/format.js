// Numbers as operators read them: thousands separated, shares as percentages, money in yuan.
import { locale } from './i18n.js';

const tag = () => (locale.value === 'en' ? 'en-US' : 'zh-CN');

export function num(n) {
  return n == null ? '—' : Number(n).toLocaleString(tag());
}

/** A share 0–1 as a percentage with one decimal. */
export function pct(rate) {
  return rate == null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

/** A `{count, of, rate}` share: the percentage and its counts. */
export function share(s) {
  return s == null ? '—' : `${pct(s.rate)} (${num(s.count ?? s.retained)}/${num(s.of)})`;
}

export function yuan(cents) {
  return cents == null ? '—' : `¥${(cents / 100).toLocaleString(tag(), { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Epoch ms as local date and time (YYYY-MM-DD HH:mm). */
export function when(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** YYYY-MM-DD of a Date, local. */
export function day(d) {
  const p = (x) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The range of the last `n` days, today included. */
export function lastDays(n, now = new Date()) {
  const to = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - (n - 1));
  return [day(from), day(to)];
}
