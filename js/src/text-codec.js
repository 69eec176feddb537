// UTF-8 TextEncoder/TextDecoder for runtimes without them (the WeChat mini-program runtime).
// esbuild injects these bindings into the mini-program bundle in place of the globals the
// wasm-bindgen glue names, so they are in place before the glue runs, and the native classes
// are used wherever they exist. Nothing global is modified.

const host = typeof globalThis !== 'undefined' ? globalThis : {};

class Utf8Encoder {
  get encoding() {
    return 'utf-8';
  }

  encode(input = '') {
    const s = String(input);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // a lone surrogate
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
}

/** Bytes a `String.fromCharCode.apply` call takes at once (engines cap argument counts). */
const CHUNK = 8192;

/**
 * Valid UTF-8 decoded by the engine's own built-ins: each byte as one code unit, then
 * `escape` (%XX each) and `decodeURIComponent` (which reads %XX as UTF-8, and throws a
 * URIError on anything that is not valid UTF-8: overlong forms, surrogates, cut sequences).
 * JavaScriptCore without JIT (iOS) runs this 4–8× faster than a loop in JS, from 50 bytes on;
 * V8 runs the loop 2–3× faster, a few µs a call (docs/performance-notes.md).
 */
function decodeBuiltIn(b, start) {
  let raw = '';
  for (let i = start; i < b.length; i += CHUNK) raw += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + CHUNK, b.length)));
  return decodeURIComponent(escape(raw));
}

class Utf8Decoder {
  constructor(label = 'utf-8', options = {}) {
    if (!/^utf-?8$/i.test(String(label))) throw new RangeError(`unsupported encoding ${label}`);
    this.fatal = Boolean(options.fatal);
    this.ignoreBOM = Boolean(options.ignoreBOM);
  }

  get encoding() {
    return 'utf-8';
  }

  decode(input) {
    if (input === undefined) return '';
    const b = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input, input.byteOffset || 0, input.byteLength);
    const start = b.length >= 3 && !this.ignoreBOM && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    try {
      return decodeBuiltIn(b, start);
    } catch (_) {
      return this._decodeLoop(b, start); // not valid UTF-8: replacement characters, or fatal
    }
  }

  _decodeLoop(b, start) {
    let s = '';
    let i = start;
    const bad = () => {
      if (this.fatal) throw new TypeError('invalid UTF-8');
      return 0xfffd;
    };
    while (i < b.length) {
      const x = b[i++];
      let c;
      if (x < 0x80) c = x;
      else if (x >= 0xc2 && x < 0xe0 && i < b.length && (b[i] & 0xc0) === 0x80) c = ((x & 31) << 6) | (b[i++] & 63);
      else if (x >= 0xe0 && x < 0xf0 && i + 1 < b.length && (b[i] & 0xc0) === 0x80 && (b[i + 1] & 0xc0) === 0x80) {
        c = ((x & 15) << 12) | ((b[i] & 63) << 6) | (b[i + 1] & 63);
        i += 2;
        if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) c = bad();
      } else if (x >= 0xf0 && x < 0xf5 && i + 2 < b.length && (b[i] & 0xc0) === 0x80 && (b[i + 1] & 0xc0) === 0x80 && (b[i + 2] & 0xc0) === 0x80) {
        c = ((x & 7) << 18) | ((b[i] & 63) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63);
        i += 3;
        if (c < 0x10000 || c > 0x10ffff) c = bad();
      } else c = bad();
      if (c >= 0x10000) {
        c -= 0x10000;
        s += String.fromCharCode(0xd800 + (c >> 10), 0xdc00 + (c & 1023));
      } else s += String.fromCharCode(c);
    }
    return s;
  }
}

export const TextEncoder = typeof host.TextEncoder === 'function' ? host.TextEncoder : Utf8Encoder;
export const TextDecoder = typeof host.TextDecoder === 'function' ? host.TextDecoder : Utf8Decoder;
export { Utf8Encoder, Utf8Decoder };
