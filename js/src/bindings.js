// What the three entries hand out of the wasm-bindgen glue, and the one binding written in JS
// rather than in the module: `Member.apply` is `applyJSON` with the host's JSON on either side,
// as it was inside the module (1.6 KB of module for no speed: docs/package.md).
import { zailaiError } from './errors.js';

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

export function bindingsOf(glue) {
  glue.Member.prototype.apply = apply;
  return { Rules: glue.Rules, Member: glue.Member, Snapshot: glue.Snapshot, progressSVG: glue.progressSVG };
}
