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
const { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join, normalize } = require('node:path');
const { tmpdir } = require('node:os');
const { brotliDecompressSync } = require('node:zlib');
const { makeRequire, makeWXWebAssembly, makeWx, wxStorageBackend } = require('./mp/wx-core.js');

/** A code package folder with the dist where "构建 npm" puts it. */
function codePackage(distDir) {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-mp-'));
  cpSync(distDir, join(dir, 'miniprogram_npm', 'zailai'), { recursive: true });
  return dir;
}

/**
 * For engines without brotli (the jsc shell): writes each .wasm.br of the code package `root`
 * decompressed to `<dir><path>.raw`, where ./jsc/runtime.js reads it. Returns `dir`.
 */
function decompressModules(root, dir = mkdtempSync(join(tmpdir(), 'zailai-raw-'))) {
  const br = join('miniprogram_npm', 'zailai', 'zailai.wasm.br');
  mkdirSync(join(dir, 'miniprogram_npm', 'zailai'), { recursive: true });
  writeFileSync(join(dir, `${br}.raw`), brotliDecompressSync(readFileSync(join(root, br))));
  return dir;
}

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

/**
 * Starts a runtime over `root` (a code package). Returns `require` for the package as a page
 * would call it, and the context for checks.
 */
function startRuntime(root, { storage = wxStorageBackend(), sdkVersion = '3.4.0', loginCode = 'code-1' } = {}) {
  const defer = (fn) => setImmediate(fn);
  const hooks = makeWx({ storage, sdkVersion, defer });
  const { wx, network } = hooks;
  wx.request = wxRequest(network);
  wx.login = (o) => defer(() => o.success({ code: loginCode, errMsg: 'login:ok' }));
  const WXWebAssembly = makeWXWebAssembly(WebAssembly, (path, br) => {
    const bytes = readFileSync(join(root, normalize(path)));
    return br ? brotliDecompressSync(bytes) : bytes;
  });
  const context = vm.createContext({ WXWebAssembly, wx, console, setTimeout, clearTimeout, setInterval, clearInterval });
  // V8 gives every context its own WebAssembly; the mini-program runtime has none.
  vm.runInContext('delete globalThis.WebAssembly;', context);
  const { pageRequire, requireFrom, runFresh } = makeRequire(root, {
    readText: (file) => readFileSync(file, 'utf8'),
    compile: (code, file) => vm.runInContext(`(function (module, exports, require) {${code}\n})`, context, { filename: file }),
  });
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
  /**
   * Runs pages and components inside this runtime as miniprogram-simulate loads them (it
   * renders; the code runs here, beside app.js and the package, as in WeChat): its Component
   * and Behavior constructors become the runtime's, and it runs each file through here.
   */
  function hostSimulate(simulateUtils) {
    context.Component = global.Component;
    context.Behavior = global.Behavior;
    simulateUtils.runJs = (file) => runFresh(file.endsWith('.js') ? file : `${file}.js`);
  }
  return { ...hooks, require: pageRequire, launchApp, hostSimulate, context, storage };
}

module.exports = { codePackage, decompressModules, startRuntime, wxStorageBackend };
