// The report range the pages share: a preset of the last 7, 30 or 90 days, or custom dates.
import { reactive } from 'vue';
import { lastDays } from './format.js';

export const range = reactive({ preset: 30, dates: lastDays(30) });

export function preset(value) {
  if (typeof value === 'number') range.dates = lastDays(value);
}
