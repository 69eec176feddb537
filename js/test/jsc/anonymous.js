// Members before they log in (../mp/anonymous.js) in JavaScriptCore without JIT, against the
// real server ../anonymous.test.js started. The jsc shell has no network: wx.request asks Node
// on stdout (`>>> ` and a JSON line) and reads its answer from stdin (readline blocks, as a
// request's wait would); backdating the device's registration goes the same way. ARGS: the
// code package folder, the decompressed modules' folder, and the server ({url, admin}) as JSON.
// Prints `ok MS` or `not ok: WHY`, then `done`.
/* global print, readline, preciseTime */
const { wxStorageBackend } = require('../mp/wx-core.js');
const { jscRuntime } = require('./runtime.js');
const { anonymousFirstLogin } = require('../mp/anonymous.js');
const assert = require('./assert-lite.js');

// WeChat has clearTimeout (the registration's wait uses it); the jsc shell has setTimeout only.
// A cancelled timer still runs, as a no-op.
const hostSetTimeout = globalThis.setTimeout;
const cancelled = new Set();
let timers = 0;
globalThis.setTimeout = (fn, ms, ...args) => {
  const id = ++timers;
  hostSetTimeout(() => cancelled.delete(id) || fn(...args), ms);
  return id;
};
globalThis.clearTimeout = (id) => cancelled.add(id);

const [root, decompressed, serverJSON] = globalThis.arguments;
const { startRuntime } = jscRuntime(root, decompressed);

/** One question to Node, answered on stdin in one JSON line. jsc's readline() stops early when
 * a signal interrupts its read (the engine's own, for its collector): read on until the line
 * parses. */
function ask(message) {
  print(`>>> ${JSON.stringify(message)}`);
  let line = '';
  for (let reads = 0; reads < 10000; reads++) {
    line += readline();
    try {
      return JSON.parse(line);
    } catch (_) {
      // not the whole line yet
    }
  }
  throw new Error(`no answer from Node: ${line.slice(0, 200)}`);
}

/** wx.request through Node, calling back later as the base library does. */
const relayRequest = (network) => (o) => {
  const later = (fn, arg) => setTimeout(() => fn && fn(arg), 0);
  if (!network.online) return later(o.fail, { errMsg: 'request:fail 网络连接已断开' });
  const data = typeof o.data === 'string' ? o.data : JSON.stringify(o.data || '');
  const res = ask({ request: { url: o.url, method: o.method || 'GET', header: o.header || {}, data } });
  if (res.fail) return later(o.fail, { errMsg: `request:fail ${res.fail}` });
  return later(o.success, { statusCode: res.statusCode, header: res.header, data: res.data });
};

const env = {
  assert,
  server: JSON.parse(serverJSON),
  newBackend: (entries = {}) => wxStorageBackend(new Map(Object.entries(entries))),
  open: async (backend) => {
    const rt = startRuntime(backend);
    rt.wx.request = relayRequest(rt.network);
    return { rt, zailai: rt.require('zailai') };
  },
  backdate: (device, ms) => ask({ backdate: device, ms }),
};

(async () => {
  const t = preciseTime();
  try {
    await anonymousFirstLogin(env);
    print(`ok ${Math.round((preciseTime() - t) * 1000)}`);
  } catch (e) {
    print(`not ok: ${e && e.message} at ${(e && e.stack) || e}`.replace(/\n/g, ' | '));
  }
  print('done');
})();
