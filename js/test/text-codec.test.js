// The UTF-8 codec the mini-program bundle carries for runtimes without TextDecoder (WeChat's):
// the fast decoder on the engine's built-ins must give what the native decoder gives for valid
// UTF-8, and fall back to replacement characters (or throw, when fatal) for anything else.
const test = require('node:test');
const assert = require('node:assert/strict');
const { join } = require('node:path');
const esbuild = require('esbuild');

/** js/src/text-codec.js (an ES module) as the bundle carries it. */
function codec() {
  const { outputFiles } = esbuild.buildSync({ entryPoints: [join(__dirname, '..', 'src', 'text-codec.js')], bundle: true, format: 'cjs', write: false, logLevel: 'silent' });
  const module = { exports: {} };
  new Function('module', 'exports', outputFiles[0].text)(module, module.exports);
  return module.exports;
}
const { Utf8Decoder, Utf8Encoder } = codec();
const native = new TextDecoder('utf-8', { fatal: true });

test('every sequence of up to three bytes (leads, continuations, overlongs, surrogates, outsiders) decodes as the native decoder does when valid, and with replacements or a throw when not', () => {
  const bytes = [0x00, 0x24, 0x25, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  const ours = new Utf8Decoder('utf-8', { ignoreBOM: true });
  const fatal = new Utf8Decoder('utf-8', { fatal: true, ignoreBOM: true });
  let valid = 0;
  let invalid = 0;
  const check = (seq) => {
    const b = new Uint8Array(seq);
    let expected = null;
    try {
      expected = native.decode(b);
    } catch (_) {
      // not valid UTF-8
    }
    if (expected !== null) {
      valid++;
      assert.equal(ours.decode(b), expected, seq.join(','));
      assert.equal(fatal.decode(b), expected, seq.join(','));
    } else {
      invalid++;
      assert.match(ours.decode(b), /\ufffd/, seq.join(','));
      assert.throws(() => fatal.decode(b), TypeError, seq.join(','));
    }
  };
  for (const a of bytes) {
    check([a]);
    for (const b of bytes) {
      check([a, b]);
      for (const c of bytes) check([a, b, c]);
    }
  }
  // Four-byte forms: the last one, one past it, an overlong one, a cut one.
  for (const seq of [[0xf0, 0x9f, 0x98, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x9f, 0x98]]) check(seq);
  assert.deepEqual([valid, invalid], [397, 12327], "valid and invalid sequences tried");
});

test('long texts (over one built-in chunk), views into larger buffers, ArrayBuffers and the BOM', () => {
  const text = '签到{"day":"2026-11-01","points":5} 😀 ¢ '.repeat(900); // about 40 KB
  const encoded = new Utf8Encoder().encode(text);
  assert.deepEqual(encoded, new TextEncoder().encode(text));
  assert.ok(encoded.length > 3 * 8192);
  assert.equal(new Utf8Decoder().decode(encoded), text);
  // A view (as the wasm glue hands out: a subarray of the module's memory).
  const memory = new Uint8Array(encoded.length + 10);
  memory.set(encoded, 7);
  assert.equal(new Utf8Decoder().decode(memory.subarray(7, 7 + encoded.length)), text);
  assert.equal(new Utf8Decoder().decode(encoded.buffer), text);
  // A bad byte deep in a long text: the rest still decodes, around one replacement.
  const bad = Uint8Array.from(encoded);
  bad[20000] = 0xff;
  const decoded = new Utf8Decoder().decode(bad);
  assert.equal(decoded.split('\ufffd').length - 1, 1 + (text.split('\ufffd').length - 1));
  assert.equal(decoded.length, new TextDecoder().decode(bad).length);
  // The BOM: dropped unless ignoreBOM, as the native decoder does.
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, 0x41]);
  assert.equal(new Utf8Decoder().decode(withBom), 'A');
  assert.equal(new Utf8Decoder('utf-8', { ignoreBOM: true }).decode(withBom), '\ufeffA');
  assert.equal(new Utf8Decoder().decode(), '');
  assert.equal(new Utf8Decoder().decode(new Uint8Array(0)), '');
});
