// Shared by the JS tests: where the built package is, and small wasm-reading helpers.
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const pkg = join(root, 'pkg');
const cli = process.env.ZAILAI_BIN || join(root, 'target', 'debug', 'zailai');

/** A rule file (object or JSON text) in the binary form clients take, through the CLI as an
 * app developer encodes one (`zailai rules encode`). Throws the CLI's message when invalid. */
function encodeRules(config) {
  const { execFileSync } = require('node:child_process');
  const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
  const dir = mkdtempSync(join(require('node:os').tmpdir(), 'zailai-rules-'));
  try {
    writeFileSync(join(dir, 'rules.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return execFileSync(cli, ['rules', 'encode', '--config', join(dir, 'rules.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Section ids and export kinds of a wasm binary, read from its bytes. */
function readExports(bytes) {
  let i = 8;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[i++];
      result |= (b & 0x7f) << shift;
      if (!(b & 0x80)) return result >>> 0;
      shift += 7;
    }
  };
  const exports = [];
  while (i < bytes.length) {
    const id = bytes[i++];
    const size = u32();
    const end = i + size;
    if (id === 7) {
      const count = u32();
      for (let k = 0; k < count; k++) {
        const len = u32();
        const name = Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
        i += len;
        const kind = ['func', 'table', 'memory', 'global'][bytes[i++]];
        u32();
        exports.push({ name, kind });
      }
    }
    i = end;
  }
  return exports;
}

module.exports = { root, pkg, cli, encodeRules, readExports };
