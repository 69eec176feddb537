// Errors raised by the JS layer itself, shaped like the core's: an Error with a stable `code`.
export function zailaiError(code, message, extra = {}) {
  const e = new Error(`${code}: ${message}`);
  e.name = 'ZailaiError';
  e.code = code;
  return Object.assign(e, extra);
}
