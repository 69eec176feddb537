// What the three entries hand out of the wasm-bindgen glue, and the bindings written in JS
// rather than in the module: `Member.apply` is `applyJSON` with the host's JSON on either side,
// as it was inside the module (1.6 KB of module for no speed: docs/package.md);
// `Member.calendar` and `Member.calendarCells` are built from `monthWords` (js/src/month.js).
import { zailaiError } from './errors.js';
import { monthCells, monthView } from './month.js';

/** Applies an op (object or JSON text) without recording it; returns its events as objects, or
 * throws the rule's coded Error and leaves the member unchanged. */
function apply(rules, op) {
  let text = op;
  if (typeof op !== 'string') {
    if (!op || typeof op !== 'object') throw zailaiError('BAD_ARGUMENT', 'op must be an object or a JSON string');
    try {
      text = JSON.stringify(op);
    } catch (_) {
      throw zailaiError('BAD_ARGUMENT', 'op cannot be written as JSON');
    }
  }
  return JSON.parse(this.applyJSON(rules, text));
}

/** The month grid (CalendarView without todayStatus). */
function calendar(rules, year, month, now, locale) {
  return monthView(this.monthWords(rules, year, month, now, locale));
}

/** The month as Vant-shaped cells. */
function calendarCells(rules, year, month, now, locale) {
  return monthCells(this.monthWords(rules, year, month, now, locale));
}

export function bindingsOf(glue) {
  Object.assign(glue.Member.prototype, { apply, calendar, calendarCells });
  return { Rules: glue.Rules, Member: glue.Member, Snapshot: glue.Snapshot, progressSVG: glue.progressSVG };
}
