// The engine-neutral part of the WeChat-shaped runtime: what Node's harness
// (../miniprogram-runtime.js, a vm context) and JavaScriptCore's (../jsc/, `jsc --useJIT=false`,
// the engine iOS WeChat uses) share. Nothing here touches Node or the jsc shell; each engine
// passes in how it reads files, compiles code and defers callbacks.

const KEY_LIMIT = 1024 * 1024;
const TOTAL_LIMIT = 10 * 1024 * 1024;

/** UTF-8 length of a string, as wx storage counts its quota. */
function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** wx sync storage with WeChat's quotas; `data` survives "restarts" of the runtime. */
function wxStorageBackend(data = new Map()) {
  const size = (k, v) => utf8Length(k) + utf8Length(JSON.stringify(v));
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
 * WXWebAssembly as the base library has it: instantiate(path, imports) takes a path inside the
 * code package only (.wasm, or .wasm.br from base library 2.14.0) and refuses buffers and URLs.
 * `readModule(path, brotli)` gives the module's bytes or throws.
 */
function makeWXWebAssembly(HostWebAssembly, readModule) {
  return {
    instantiate(path, imports) {
      if (typeof path !== 'string') return Promise.reject(new Error('WXWebAssembly.instantiate: path must be a string (no ArrayBuffer, no URL)'));
      if (!path.startsWith('/') || /^\w+:/.test(path)) return Promise.reject(new Error(`WXWebAssembly.instantiate: ${path} is not a code package path`));
      const br = path.endsWith('.wasm.br');
      if (!br && !path.endsWith('.wasm')) return Promise.reject(new Error(`WXWebAssembly.instantiate: ${path} is not .wasm or .wasm.br`));
      let bytes;
      try {
        bytes = readModule(path, br);
      } catch (e) {
        return Promise.reject(new Error(`WXWebAssembly.instantiate: no file ${path}`));
      }
      return HostWebAssembly.instantiate(bytes, imports);
    },
  };
}

/**
 * The `wx` object without network (each engine adds request and login), and the hooks a test
 * drives: `show()` (app to the foreground), `setOnline()`, the canvases a page holds, toasts.
 * `defer(fn)` runs fn after the current job, as the base library calls back.
 */
function makeWx({ storage, sdkVersion = '3.4.0', defer }) {
  const network = { online: true };
  const toasts = [];
  const navigations = []; // the urls of switchTab and navigateTo, and 'share-menu'
  const modal = { confirm: true };
  // <canvas type="2d"> nodes a test puts on the page, by selector.
  const canvases = new Map();
  const listeners = { show: new Set(), hide: new Set(), net: new Set() };
  const wx = {
    getStorageSync: storage.getStorageSync,
    setStorageSync: storage.setStorageSync,
    removeStorageSync: storage.removeStorageSync,
    getAppBaseInfo: () => ({ SDKVersion: sdkVersion, language: 'zh_CN' }),
    getSystemInfoSync: () => ({ SDKVersion: sdkVersion, platform: 'ios' }),
    getWindowInfo: () => ({ pixelRatio: 2, windowWidth: 375, windowHeight: 812 }),
    showToast: (o) => toasts.push(o.title),
    switchTab: (o) => navigations.push(o.url),
    navigateTo: (o) => navigations.push(o.url),
    showShareMenu: () => navigations.push('share-menu'),
    // Answers with `modal.confirm` (true unless a test says otherwise).
    showModal: (o) => defer(() => o.success && o.success({ confirm: modal.confirm, cancel: !modal.confirm })),
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
          defer(() =>
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
    getNetworkType: (o) => defer(() => o.success && o.success({ networkType: network.online ? 'wifi' : 'none', errMsg: 'getNetworkType:ok' })),
    onAppShow: (fn) => listeners.show.add(fn),
    onAppHide: (fn) => listeners.hide.add(fn),
    offAppHide: (fn) => listeners.hide.delete(fn),
    offAppShow: (fn) => listeners.show.delete(fn),
    onNetworkStatusChange: (fn) => listeners.net.add(fn),
    offNetworkStatusChange: (fn) => listeners.net.delete(fn),
  };
  /** The app comes to the foreground, or goes to the background. */
  const show = () => listeners.show.forEach((fn) => fn({ scene: 1001 }));
  const hide = () => listeners.hide.forEach((fn) => fn());
  /** The network goes away or comes back. */
  const setOnline = (online) => {
    network.online = online;
    listeners.net.forEach((fn) => fn({ isConnected: online, networkType: online ? 'wifi' : 'none' }));
  };
  return { wx, network, show, hide, setOnline, listeners, canvases, toasts, modal, navigations };
}

/**
 * CommonJS as the mini-program does it: relative paths inside the code package `root`, and npm
 * packages from miniprogram_npm/ (what "构建 npm" produced). Nothing else resolves.
 * `readText(file)` reads a file; `compile(code, file)` turns a module body into a function of
 * (module, exports, require) inside the runtime's globals.
 */
function makeRequire(root, { readText, compile }) {
  const cache = new Map();
  const dirname = (file) => file.slice(0, file.lastIndexOf('/'));
  const resolve = (from, name) => {
    const parts = `${dirname(from)}/${name.endsWith('.js') ? name : `${name}.js`}`.split('/');
    const out = [];
    for (const p of parts) {
      if (p === '..') out.pop();
      else if (p !== '.' && p !== '') out.push(p);
    }
    return `/${out.join('/')}`;
  };
  function requireFrom(file) {
    if (cache.has(file)) return cache.get(file).exports;
    const module = { exports: {} };
    cache.set(file, module);
    const fn = compile(readText(file), file);
    fn(module, module.exports, (name) => {
      if (name.startsWith('./') || name.startsWith('../')) {
        const target = resolve(file, name);
        if (!target.startsWith(`${root}/`)) throw new Error(`require('${name}') leaves the code package`);
        return requireFrom(target);
      }
      if (name === 'zailai' && !file.includes('miniprogram_npm')) return pageRequire(name);
      throw new Error(`require('${name}') is not available in the mini-program runtime`);
    });
    return module.exports;
  }
  function pageRequire(name) {
    if (name !== 'zailai') throw new Error(`unknown module ${name}`);
    return requireFrom(`${root}/miniprogram_npm/zailai/index.js`);
  }
  /** Runs a module again (a page or component loaded once more); what it requires stays. */
  function runFresh(file) {
    cache.delete(file);
    return requireFrom(file);
  }
  return { pageRequire, requireFrom, runFresh };
}

module.exports = { KEY_LIMIT, TOTAL_LIMIT, utf8Length, wxStorageBackend, makeWXWebAssembly, makeWx, makeRequire };
