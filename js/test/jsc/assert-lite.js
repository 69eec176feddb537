// The few node:assert/strict calls the shared scenarios use, for engines without Node.
function fail(message, detail) {
  throw new Error(message ? `${message} (${detail})` : detail);
}
const show = (v) => {
  try {
    return JSON.stringify(v);
  } catch (_) {
    return String(v);
  }
};

module.exports = {
  ok: (value, message) => value || fail(message, `expected truthy, got ${show(value)}`),
  equal: (a, b, message) => Object.is(a, b) || fail(message, `${show(a)} !== ${show(b)}`),
  deepEqual: (a, b, message) => show(a) === show(b) || fail(message, `${show(a)} differs from ${show(b)}`),
  match: (s, re, message) => re.test(s) || fail(message, `${show(s)} does not match ${re}`),
  throws(fn, predicate, message) {
    try {
      fn();
    } catch (e) {
      if (predicate(e)) return;
      fail(message, `threw the wrong error: ${e && e.message}`);
    }
    fail(message, 'did not throw');
  },
  async rejects(promise, predicate, message) {
    try {
      await promise;
    } catch (e) {
      if (predicate(e)) return;
      fail(message, `rejected with the wrong error: ${e && e.message}`);
    }
    fail(message, 'did not reject');
  },
};
