// Entry for Node (CommonJS): reads the module next to this file.
import * as glue from 'zailai-glue';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeClientFactory } from './client.js';
import { bindingsOf } from './bindings.js';

export { ZailaiError, isZailaiError } from './errors.js';
export { mergeConfig } from './config.js';
export { memoryStorage, localStorageAdapter, wxStorage } from './storage.js';
export { fetchTransport, wxTransport } from './transport.js';
export { vantFormatter, tdesignFormat } from './adapters.js';
export { svgDataUri } from './svg.js';
export { drawCommands, drawOnCanvas, POSTER_SIZE } from './canvas.js';

let bindings = null;

/** Loads the module synchronously (Node only). */
export function loadSync() {
  if (!bindings) {
    const bytes = readFileSync(join(__dirname, 'zailai.wasm'));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { './zailai_bg.js': glue });
    glue.__wbg_set_wasm(instance.exports);
    bindings = {
      ...bindingsOf(glue),
      /** Bytes of the module's linear memory now (it only grows): for diagnostics and benchmarks. */
      wasmMemoryBytes: () => instance.exports.memory.buffer.byteLength,
    };
  }
  return bindings;
}

export async function load() {
  return loadSync();
}

export const createClient = makeClientFactory(load);
export { checkRules, encodeRules, decodeRules, diffRules, ruleMessage } from './rules.js';
