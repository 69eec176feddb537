// Errors of the package: an Error named ZailaiError with a stable `code`. The wasm module makes
// its own (js_sys::Error, same name and fields), so `instanceof` asks isZailaiError rather
// than the prototype chain: one test for every error, whichever layer raised it.

/** Whether `e` is an error of this package. */
export function isZailaiError(e) {
  return e instanceof Error && e.name === 'ZailaiError' && typeof e.code === 'string';
}

export class ZailaiError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ZailaiError';
    this.code = code;
  }
  static [Symbol.hasInstance](e) {
    return isZailaiError(e);
  }
}

/** A ZailaiError with `code`, the message (which does not repeat the code) and extra fields. */
export function zailaiError(code, message, extra = {}) {
  return Object.assign(new ZailaiError(code, message), extra);
}
