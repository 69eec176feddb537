// Storage adapters: a small synchronous key/value interface (getItem, setItem, removeItem)
// over wx storage, localStorage or memory, and `store`, the object they write to. setItem
// throws an Error with code STORAGE_FULL when the store refuses a write.
import { zailaiError } from './errors.js';

/** In-memory storage; `quotaBytes` (changeable with setQuota) simulates a full store. */
export function memoryStorage({ quotaBytes = Infinity } = {}) {
  const map = new Map();
  let quota = quotaBytes;
  const used = () => [...map.values()].reduce((n, v) => n + v.length, 0);
  return {
    getItem: (key) => (map.has(key) ? map.get(key) : null),
    setItem(key, value) {
      const before = map.has(key) ? map.get(key).length : 0;
      if (used() - before + value.length > quota) throw zailaiError('STORAGE_FULL', `memory store quota of ${quota} bytes reached`);
      map.set(key, value);
    },
    removeItem: (key) => void map.delete(key),
    keys: () => [...map.keys()],
    setQuota: (bytes) => void (quota = bytes),
  };
}

/** Browser localStorage. */
export function localStorageAdapter(ls = globalThis.localStorage) {
  return {
    store: ls, // what createClient keys its one client per (store, user) on
    getItem: (key) => ls.getItem(key),
    setItem(key, value) {
      try {
        ls.setItem(key, value);
      } catch (e) {
        throw zailaiError('STORAGE_FULL', `localStorage refused ${key}: ${e && e.message}`);
      }
    },
    removeItem: (key) => ls.removeItem(key),
  };
}

/** Code units per wx storage chunk: at most 3 UTF-8 bytes each, so a chunk stays well under
 * the 1 MB per-key limit. */
export const WX_CHUNK_UNITS = 256 * 1024;

/**
 * WeChat sync storage (1 MB per key, 10 MB in all; a missing key reads as ''). Values longer
 * than one chunk are split over `key#0`, `key#1`, … with `key` holding the chunk count.
 */
export function wxStorage(wxApi = globalThis.wx) {
  const read = (key) => {
    const v = wxApi.getStorageSync(key);
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const write = (key, value) => {
    try {
      wxApi.setStorageSync(key, value);
    } catch (e) {
      throw zailaiError('STORAGE_FULL', `wx storage refused ${key}: ${(e && (e.errMsg || e.message)) || e}`);
    }
  };
  // The chunk count of each key this adapter read or wrote: a write (an action writes one key)
  // reads storage only for a key it has not seen, to find chunks of a longer value to remove.
  const chunks = new Map();
  const chunkCount = (key) => {
    const known = chunks.get(key);
    if (known !== undefined) return known;
    const head = read(key);
    const m = head && /^zailai-chunks:(\d+)$/.exec(head);
    return m ? Number(m[1]) : 0;
  };
  return {
    store: wxApi, // what createClient keys its one client per (store, user) on
    getItem(key) {
      const head = read(key); // one native read for an unsplit value: the pending log's parts are many
      const m = head && /^zailai-chunks:(\d+)$/.exec(head);
      chunks.set(key, m ? Number(m[1]) : 0);
      if (!m) return head;
      const n = Number(m[1]);
      let out = '';
      for (let i = 0; i < n; i++) {
        const part = read(`${key}#${i}`);
        if (part === null) return null; // a lost chunk: the caller treats the value as corrupted
        out += part;
      }
      return out;
    },
    setItem(key, value) {
      const known = chunks.get(key);
      const old = known === undefined ? chunkCount(key) : known;
      if (value.length <= WX_CHUNK_UNITS) {
        write(key, value); // if it throws, the old value and its chunks stay
        for (let i = 0; i < old; i++) wxApi.removeStorageSync(`${key}#${i}`);
        if (known !== 0) chunks.set(key, 0);
        return;
      }
      chunks.delete(key); // unknown until every chunk is written
      const n = Math.ceil(value.length / WX_CHUNK_UNITS);
      for (let i = 0; i < n; i++) write(`${key}#${i}`, value.slice(i * WX_CHUNK_UNITS, (i + 1) * WX_CHUNK_UNITS));
      write(key, `zailai-chunks:${n}`);
      for (let i = n; i < old; i++) wxApi.removeStorageSync(`${key}#${i}`);
      chunks.set(key, n);
    },
    removeItem(key) {
      const n = chunkCount(key);
      chunks.delete(key);
      for (let i = 0; i < n; i++) wxApi.removeStorageSync(`${key}#${i}`);
      wxApi.removeStorageSync(key);
      chunks.set(key, 0);
    },
  };
}
