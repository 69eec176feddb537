// Entry for browsers (ES module): fetches the module next to this file.
import * as glue from 'zailai-glue';
import { bindingsOf } from './bindings.js';
import { makeClientFactory } from './client.js';

export { ZailaiError, isZailaiError } from './errors.js';
export { mergeConfig } from './config.js';
export { memoryStorage, localStorageAdapter } from './storage.js';
export { fetchTransport } from './transport.js';
export { vantFormatter, tdesignFormat } from './adapters.js';
export { svgDataUri } from './svg.js';
export { drawCommands, drawOnCanvas, POSTER_SIZE } from './canvas.js';

let loading = null;

async function instantiate(url) {
  const imports = { './zailai_bg.js': glue };
  const response = fetch(url);
  let result;
  if (typeof WebAssembly.instantiateStreaming === 'function') {
    try {
      result = await WebAssembly.instantiateStreaming(response, imports);
    } catch (_) {
      // A server without the application/wasm type: fall back to bytes.
      result = await WebAssembly.instantiate(await (await fetch(url)).arrayBuffer(), imports);
    }
  } else {
    result = await WebAssembly.instantiate(await (await response).arrayBuffer(), imports);
  }
  glue.__wbg_set_wasm(result.instance.exports);
  return bindingsOf(glue);
}

/** Loads the module once; `wasmUrl` overrides where it is served from. */
export function load(options = {}) {
  if (!loading) {
    loading = instantiate(options.wasmUrl || new URL('./zailai.wasm', import.meta.url)).catch((e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}

export const createClient = makeClientFactory(load);
