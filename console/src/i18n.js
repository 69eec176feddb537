// Chinese first, English second: every text of the console is written as a pair at the
// place it is shown (`L('概览', 'Overview')`), so the two cannot drift apart. The choice is
// remembered in localStorage; TDesign's own texts follow through its ConfigProvider.
import { ref } from 'vue';

const KEY = 'zailai-console:locale';
const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null;

/** 'zh-CN' (the default) or 'en'. */
export const locale = ref(saved === 'en' ? 'en' : 'zh-CN');

export function setLocale(value) {
  locale.value = value === 'en' ? 'en' : 'zh-CN';
  localStorage.setItem(KEY, locale.value);
  document.documentElement.lang = locale.value;
}

/** The text of the current language. */
export function L(zh, en) {
  return locale.value === 'en' ? en : zh;
}

/** A server text `{"zh-CN", "en"}` (charts, diagnoses) or `{zh, en}` (templates). */
export function T(text) {
  if (text == null) return '';
  if (typeof text === 'string') return text;
  return locale.value === 'en' ? text.en : text['zh-CN'] ?? text.zh ?? text.en;
}
