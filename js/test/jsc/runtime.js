// The WeChat-shaped runtime in the jsc shell (JavaScriptCore, the engine of WeChat on iOS),
// for ./main.js (the shared scenarios) and benches/engines/ (figures on both engines). The jsc
// shell is not Node: readFile(path) gives text, readFile(path, 'binary') an ArrayBuffer.
// `decompressed` is where Node put the brotli-decompressed modules (`<path>.raw`): jsc has no
// brotli, WeChat decompresses .wasm.br itself.
/* global readFile */
const { makeRequire, makeWXWebAssembly, makeWx } = require('../mp/wx-core.js');

// A module body sees the runtime's globals plus wx and WXWebAssembly of its own runtime (each
// relaunch has its own), and no require but the mini-program's.
const moduleBody = (code) => new Function('module', 'exports', 'require', 'wx', 'WXWebAssembly', code);

function jscRuntime(root, decompressed) {
  // The package must not see the host's WebAssembly: WeChat has only WXWebAssembly.
  const HostWebAssembly = globalThis.WebAssembly;
  delete globalThis.WebAssembly;
  const WXWebAssembly = makeWXWebAssembly(HostWebAssembly, (path, br) => readFile(br ? `${decompressed}${path}.raw` : `${root}${path}`, 'binary'));

  /** A fresh runtime (a launch) over a wx storage backend; `require` is the page's. */
  function startRuntime(backend) {
    const hooks = makeWx({ storage: backend, defer: (fn) => setTimeout(fn, 0) });
    const { pageRequire } = makeRequire(root, {
      readText: (file) => readFile(file),
      compile: (code) => {
        const fn = moduleBody(code);
        return (module, exports, require) => fn(module, exports, require, hooks.wx, WXWebAssembly);
      },
    });
    return { ...hooks, require: pageRequire };
  }
  return { startRuntime, WXWebAssembly };
}

module.exports = { jscRuntime, moduleBody };
