// What happened, as TDesign messages: an error names the server's code and message (and the
// path of the problem) so an operator can report it as it is.
import { MessagePlugin } from 'tdesign-vue-next';
import { L } from './i18n.js';

export function fail(error) {
  const code = error?.code || 'ERROR';
  const where = error?.path ? ` (${error.path})` : '';
  MessagePlugin.error({ content: `${code}: ${error?.message || error}${where}`, duration: 6000, className: 'zl-error' });
}

export function done(text) {
  MessagePlugin.success({ content: text || L('已完成', 'Done'), duration: 3000 });
}

/** Runs `fn`, showing its error; returns its value or undefined. */
export async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    fail(e);
    return undefined;
  }
}
