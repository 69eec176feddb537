// Entry for WeChat mini-programs ("构建 npm" copies this folder into miniprogram_npm/zailai/).
// Loads the module with WXWebAssembly from a path inside the code package.
import * as glue from 'zailai-glue';
import { bindingsOf } from './bindings.js';
import { makeClientFactory } from './client.js';
import { zailaiError } from './errors.js';
import { drawOnCanvas } from './canvas.js';
import { getClient, makeStartApp } from './app.js';
import { wxStorage } from './storage.js';

export { ZailaiError, isZailaiError } from './errors.js';
export { memoryStorage, wxStorage } from './storage.js';
export { wxTransport } from './transport.js';
export { vantFormatter, tdesignFormat } from './adapters.js';
export { svgDataUri } from './svg.js';
export { drawCommands, drawOnCanvas, POSTER_SIZE } from './canvas.js';

/* global WXWebAssembly, wx */
const WASM_FILE = __ZAILAI_WASM_FILE__;
let loading = null;

function baseLibraryAtLeast(version) {
  try {
    const info = typeof wx.getAppBaseInfo === 'function' ? wx.getAppBaseInfo() : wx.getSystemInfoSync();
    const have = String(info.SDKVersion || '0').split('.').map(Number);
    const want = version.split('.').map(Number);
    for (let i = 0; i < want.length; i++) if ((have[i] || 0) !== want[i]) return (have[i] || 0) > want[i];
    return true;
  } catch (_) {
    return true; // unknown: try, and let instantiate say no
  }
}

async function instantiate(options) {
  if (typeof WXWebAssembly === 'undefined') throw zailaiError('WASM_UNAVAILABLE', 'WXWebAssembly is not available in this runtime (base library >= 2.13.0 needed)');
  if (/\.br$/.test(WASM_FILE) && typeof wx !== 'undefined' && !baseLibraryAtLeast('2.14.0')) {
    throw zailaiError('WASM_UNAVAILABLE', 'this base library cannot load .wasm.br: rebuild the package with ZAILAI_MP_WASM=raw');
  }
  const path = options.wasmPath || `/miniprogram_npm/zailai/${WASM_FILE}`;
  const { instance } = await WXWebAssembly.instantiate(path, { './zailai_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  return bindingsOf(glue);
}

/** Loads the module once; `wasmPath` overrides where the code package keeps it. */
export function load(options = {}) {
  if (!loading) {
    loading = instantiate(options).catch((e) => {
      loading = null;
      throw e && e.code ? e : zailaiError('WASM_UNAVAILABLE', `cannot load ${WASM_FILE}: ${(e && (e.errMsg || e.message)) || e}`);
    });
  }
  return loading;
}

/** The development version (DevTools, 开发版): warnings go to the console by default. */
function developVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion === 'develop';
  } catch (_) {
    return false;
  }
}

export const createClient = makeClientFactory(load, { debug: developVersion() });

/** One client for the whole app, recording use by itself (./app.js); components use it. */
export const startApp = makeStartApp(createClient, { wxStorage, syncOnShow });
export { getClient };

/** Credentials for POST /v1/session from `wx.login` (the server exchanges the code). */
export function wxLoginCredentials(wxApi = wx) {
  return () =>
    new Promise((resolve, reject) => {
      wxApi.login({
        success: (res) => (res.code ? resolve({ code: res.code }) : reject(zailaiError('UNAUTHORIZED', `wx.login gave no code: ${res.errMsg}`))),
        fail: (err) => reject(zailaiError('NETWORK', `wx.login failed: ${err && err.errMsg}`)),
      });
    });
}

/**
 * Syncs when the mini-program comes to the foreground and when the network returns, as the
 * sync issue asks. Failures reach the client's 'error' listeners. Returns a function that
 * stops it.
 */
export function syncOnShow(client, wxApi = wx) {
  const run = () => client.sync().catch((e) => client._emit('error', e));
  const onNetwork = (res) => res && res.isConnected && run();
  wxApi.onAppShow(run);
  wxApi.onNetworkStatusChange(onNetwork);
  return () => {
    if (wxApi.offAppShow) wxApi.offAppShow(run);
    if (wxApi.offNetworkStatusChange) wxApi.offNetworkStatusChange(onNetwork);
  };
}

/**
 * Draws the client's share poster on `<canvas type="2d" id="…">` of `page` (or component):
 * finds the node with SelectorQuery fields({node, size}) and scales by the pixel ratio.
 * Resolves to the canvas node (for wx.canvasToTempFilePath).
 */
export function drawPoster(page, selector, client, options = {}, wxApi = wx) {
  return new Promise((resolve, reject) => {
    wxApi
      .createSelectorQuery()
      .in(page)
      .select(selector)
      .fields({ node: true, size: true })
      .exec((res) => {
        const hit = res && res[0];
        if (!hit || !hit.node) return reject(zailaiError('BAD_ARGUMENT', `no <canvas type="2d"> matches ${selector}`));
        const info = typeof wxApi.getWindowInfo === 'function' ? wxApi.getWindowInfo() : wxApi.getSystemInfoSync();
        try {
          drawOnCanvas(hit.node, client.posterCommands(options), { pixelRatio: info.pixelRatio || 1 });
          resolve(hit.node);
        } catch (e) {
          reject(e);
        }
      });
  });
}
