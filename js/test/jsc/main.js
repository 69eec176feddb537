// The mini-program scenarios (../mp/scenarios.js) in JavaScriptCore, the engine WeChat on iOS
// runs mini-programs in, started by ../jsc.test.js as `jsc --useJIT=false bundle.js -- ARGS`
// (wasm interpreted, as on an iPhone). The jsc shell is not Node: print, readFile, preciseTime.
// ARGS: the code package folder, the folder where Node put the brotli-decompressed modules
// (jsc has no brotli), and a JSON fixture file. Prints `ok NAME MS` or `not ok NAME: WHY` a
// scenario, then `done`.
/* global print, readFile, preciseTime */
const { wxStorageBackend } = require('../mp/wx-core.js');
const { jscRuntime, moduleBody } = require('./runtime.js');
const { offlineWeek, twoPages, corruptedStorage, localCheckpoint } = require('../mp/scenarios.js');
const assert = require('./assert-lite.js');

const [root, decompressed, fixturePath] = globalThis.arguments;
const { startRuntime, WXWebAssembly } = jscRuntime(root, decompressed);

const env = {
  assert,
  newBackend: (entries = {}) => wxStorageBackend(new Map(Object.entries(entries))),
  open: async (backend) => {
    const rt = startRuntime(backend);
    return { rt, zailai: rt.require('zailai') };
  },
};

async function shape() {
  const names = ['WebAssembly', 'TextEncoder', 'TextDecoder', 'console', 'process', 'fetch', 'WXWebAssembly'];
  const probe = moduleBody(`return [${names.map((n) => `typeof ${n}`)}];`);
  assert.deepEqual(probe({ exports: {} }, {}, undefined, {}, WXWebAssembly), ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'object']);
  await assert.rejects(WXWebAssembly.instantiate(new ArrayBuffer(8), {}), (e) => /path must be a string/.test(e.message));
  await assert.rejects(WXWebAssembly.instantiate('https://example.com/x.wasm', {}), (e) => /not a code package path/.test(e.message));
}

const fixture = JSON.parse(readFile(fixturePath));
const scenarios = [
  ['the runtime is shaped like the mini-program one', shape],
  ['an offline week with a relaunch', () => offlineWeek(env)],
  ['two pages, one client', () => twoPages(env)],
  ['corrupted storage on a relaunch', () => corruptedStorage(env, fixture)],
  ['a relaunch from the local checkpoint', () => localCheckpoint(env)],
];

(async () => {
  for (const [name, run] of scenarios) {
    const t = preciseTime();
    try {
      await run();
      print(`ok ${name} ${Math.round((preciseTime() - t) * 1000)}`);
    } catch (e) {
      print(`not ok ${name}: ${e && e.message} at ${(e && e.stack) || e}`.replace(/\n/g, ' | '));
    }
  }
  print('done');
})();
