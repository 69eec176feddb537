// A Node `vm` context shaped like the WeChat mini-program JS runtime, for running the
// package's mini-program dist as "构建 npm" lays it out:
// - WXWebAssembly.instantiate(path, imports) takes a path inside the code package only
//   (.wasm, or .wasm.br from base library 2.14.0) and refuses buffers and URLs;
// - wx sync storage with the real quotas (1 MB a key, 10 MB in all, JSON values, '' when
//   missing);
// - wx.request over real HTTP (text in and out, fail with errMsg when offline or unreachable),
//   wx.login, wx.onAppShow and wx.onNetworkStatusChange, driven by `show()` and `setOnline()`;
// - no WebAssembly, TextEncoder, TextDecoder, fetch or URL.
const vm = require('node:vm');
const http = require('node:http');
const { cpSync, mkdtempSync, readFileSync } = require('node:fs');
const { dirname, join, normalize } = require('node:path');
const { tmpdir } = require('node:os');
const { brotliDecompressSync } = require('node:zlib');

const KEY_LIMIT = 1024 * 1024;
const TOTAL_LIMIT = 10 * 1024 * 1024;

/** A code package folder with the dist where "构建 npm" puts it. */
function codePackage(distDir) {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-mp-'));
  cpSync(distDir, join(dir, 'miniprogram_npm', 'zailai'), { recursive: true });
  return dir;
}

/** wx sync storage with WeChat's quotas; `data` survives "restarts" of the runtime. */
function wxStorageBackend(data = new Map()) {
  const size = (k, v) => Buffer.byteLength(k) + Buffer.byteLength(JSON.stringify(v));
  const total = () => [...data].reduce((n, [k, v]) => n + size(k, v), 0);
  return {
    data,
    getStorageSync: (key) => (data.has(key) ? JSON.parse(JSON.stringify(data.get(key))) : ''),
    setStorageSync(key, value) {
      if (value === undefined || typeof value === 'function') throw { errMsg: 'setStorageSync:fail parameter error' };
      if (size(key, value) > KEY_LIMIT) throw { errMsg: 'setStorageSync:fail exceed storage item max length' };
      const old = data.has(key) ? size(key, data.get(key)) : 0;
      if (total() - old + size(key, value) > TOTAL_LIMIT) throw { errMsg: 'setStorageSync:fail exceed storage max size 10MB' };
      data.set(key, JSON.parse(JSON.stringify(value)));
    },
    removeStorageSync: (key) => void data.delete(key),
  };
}

/**
 * Starts a runtime over `root` (a code package). Returns `require` for the package as a page
 * would call it, and the context for checks.
 */
/** wx.request as the base library does it: https? URL, header object, text data with a
 * non-json dataType, success with {statusCode, header, data}, fail with {errMsg}. */
function wxRequest(network) {
  return (o) => {
    const done = (fn, arg) => setImmediate(() => fn && fn(arg));
    if (!network.online) return done(o.fail, { errMsg: 'request:fail 网络连接已断开' });
    const req = http.request(o.url, { method: o.method || 'GET', headers: o.header || {}, timeout: o.timeout || 60000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        let body = data;
        if ((o.dataType || 'json') === 'json') {
          try {
            body = JSON.parse(data);
          } catch (_) {
            // wx keeps the text when it is not JSON
          }
        }
        done(o.success, { statusCode: res.statusCode, header: res.headers, data: body });
      });
      res.on('error', (e) => done(o.fail, { errMsg: `request:fail ${e.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(o.fail, { errMsg: `request:fail ${e.message}` }));
    req.end(typeof o.data === 'string' ? o.data : JSON.stringify(o.data || ''));
  };
}

function startRuntime(root, { storage = wxStorageBackend(), sdkVersion = '3.4.0', loginCode = 'code-1' } = {}) {
  const network = { online: true };
  const toasts = [];
  const modal = { confirm: true };
  // <canvas type="2d"> nodes a test puts on the page, by selector.
  const canvases = new Map();
  const listeners = { show: new Set(), net: new Set() };
  const HostWebAssembly = WebAssembly;
  const WXWebAssembly = {
    instantiate(path, imports) {
      if (typeof path !== 'string') return Promise.reject(new Error('WXWebAssembly.instantiate: path must be a string (no ArrayBuffer, no URL)'));
      if (!path.startsWith('/') || /^\w+:/.test(path)) return Promise.reject(new Error(`WXWebAssembly.instantiate: ${path} is not a code package path`));
      const br = path.endsWith('.wasm.br');
      if (!br && !path.endsWith('.wasm')) return Promise.reject(new Error(`WXWebAssembly.instantiate: ${path} is not .wasm or .wasm.br`));
      let bytes;
      try {
        bytes = readFileSync(join(root, normalize(path)));
      } catch (e) {
        return Promise.reject(new Error(`WXWebAssembly.instantiate: no file ${path}`));
      }
      if (br) bytes = brotliDecompressSync(bytes);
      return HostWebAssembly.instantiate(bytes, imports);
    },
  };
  const wx = {
    getStorageSync: storage.getStorageSync,
    setStorageSync: storage.setStorageSync,
    removeStorageSync: storage.removeStorageSync,
    getAppBaseInfo: () => ({ SDKVersion: sdkVersion }),
    getSystemInfoSync: () => ({ SDKVersion: sdkVersion, platform: 'ios' }),
    request: wxRequest(network),
    getWindowInfo: () => ({ pixelRatio: 2, windowWidth: 375, windowHeight: 812 }),
    showToast: (o) => toasts.push(o.title),
    // Answers with `modal.confirm` (true unless a test says otherwise).
    showModal: (o) => setImmediate(() => o.success && o.success({ confirm: modal.confirm, cancel: !modal.confirm })),
    // SelectorQuery as the base library shapes it: in(component).select(sel).fields({node,
    // size}).exec(cb) with one result per select, null when nothing matches.
    createSelectorQuery() {
      const picks = [];
      const q = {
        in: () => q,
        select(selector) {
          return {
            fields(opts) {
              picks.push({ selector, opts });
              return q;
            },
          };
        },
        exec(cb) {
          setImmediate(() =>
            cb(picks.map(({ selector, opts }) => {
              const node = canvases.get(selector);
              if (!node) return null;
              return { ...(opts.node ? { node } : {}), ...(opts.size ? { width: 375, height: 640 } : {}) };
            })),
          );
        },
      };
      return q;
    },
    login: (o) => setImmediate(() => o.success({ code: loginCode, errMsg: 'login:ok' })),
    onAppShow: (fn) => listeners.show.add(fn),
    offAppShow: (fn) => listeners.show.delete(fn),
    onNetworkStatusChange: (fn) => listeners.net.add(fn),
    offNetworkStatusChange: (fn) => listeners.net.delete(fn),
  };
  /** The app comes to the foreground. */
  const show = () => listeners.show.forEach((fn) => fn({ scene: 1001 }));
  /** The network goes away or comes back. */
  const setOnline = (online) => {
    network.online = online;
    listeners.net.forEach((fn) => fn({ isConnected: online, networkType: online ? 'wifi' : 'none' }));
  };
  const context = vm.createContext({ WXWebAssembly, wx, console, setTimeout, clearTimeout, setInterval, clearInterval });
  // V8 gives every context its own WebAssembly; the mini-program runtime has none.
  vm.runInContext('delete globalThis.WebAssembly;', context);

  const cache = new Map();
  // CommonJS as the mini-program does it: relative paths inside the code package, and npm
  // packages from miniprogram_npm/ (what "构建 npm" produced). Nothing else resolves.
  function requireFrom(file) {
    if (cache.has(file)) return cache.get(file).exports;
    const module = { exports: {} };
    cache.set(file, module);
    const code = readFileSync(file, 'utf8');
    const fn = vm.runInContext(`(function (module, exports, require) {${code}\n})`, context, { filename: file });
    fn(module, module.exports, (name) => {
      if (name.startsWith('./') || name.startsWith('../')) {
        const target = join(dirname(file), name.endsWith('.js') ? name : `${name}.js`);
        if (!target.startsWith(root)) throw new Error(`require('${name}') leaves the code package`);
        return requireFrom(target);
      }
      if (name === 'zailai' && !file.includes('miniprogram_npm')) return pageRequire(name);
      throw new Error(`require('${name}') is not available in the mini-program runtime`);
    });
    return module.exports;
  }
  const pageRequire = (name) => {
    if (name !== 'zailai') throw new Error(`unknown module ${name}`);
    return requireFrom(join(root, 'miniprogram_npm', 'zailai', 'index.js'));
  };
  /** Runs the code package's app.js (App({...}) then onLaunch), as the base library does. */
  function launchApp() {
    let app = null;
    context.App = (options) => (app = options);
    context.getApp = () => app;
    requireFrom(join(root, 'app.js'));
    if (!app) throw new Error('app.js did not call App()');
    if (typeof app.onLaunch === 'function') app.onLaunch({ path: 'pages/checkin/index', scene: 1001 });
    return app;
  }
  return { require: pageRequire, launchApp, context, wx, storage, show, setOnline, listeners, canvases, toasts, modal };
}

module.exports = { codePackage, startRuntime, wxStorageBackend };
