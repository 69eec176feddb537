// The pending log in storage, written in O(1) per action (issue 29; docs/sync.md, "The pending
// log in storage"). Rewriting the whole log at every action cost a heavy member 77 KB written
// per tap. Now:
// - `pending@G` holds the whole log as of its last rewrite (a rebase, a rebuild, a migration,
//   a compaction), and `pending@G.0`, `pending@G.1`, … the lines actions appended since, at
//   most PART_LINES a part: an action rewrites the last part only.
// - `pending` names the generation G in use (`zailai-log:G`). It is written after the new
//   generation's base and before the old one is removed, so a crash at any point leaves a
//   whole log that `pending` names. Stores of earlier builds hold the whole log under
//   `pending` itself (`zailai-ops/…`): read as it is, and rewritten in this layout at the
//   first write.

/** Lines a part holds at most: an action rewrites the last part, a few hundred characters. */
export const PART_LINES = 16;
/** Parts kept before the log is written whole again (see `append`). */
export const MAX_PARTS = 64;
const POINTER = /^zailai-log:(\d+)$/;

const lines = (text) => {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

export class PendingLog {
  /** `storage`: {read(key) → text or null, write(key, text), remove(key)}, keys unprefixed. */
  constructor(storage) {
    this._s = storage;
    this.gen = 0; // the generation stored (0: the layout of earlier builds, or nothing)
    this._saved = 0; // the generation `pending` names
    this._base = null; // a base to write, or null
    this._baseLength = 0;
    this._parts = 0; // parts of this generation
    this._partsLength = 0; // their characters
    this._part = null; // the last part's text
    this._partLines = 0;
    this._partUnsaved = false;
    this._partKey = null; // the last part's key, built once a part
  }

  /** The whole stored log, or null when there is none. */
  load() {
    const head = this._s.read('pending');
    const m = head === null ? null : POINTER.exec(head);
    if (!m) return head; // nothing, or the whole log as earlier builds stored it
    const gen = Number(m[1]);
    const base = this._s.read(`pending@${gen}`);
    if (base === null) return null;
    this.gen = this._saved = gen;
    this._baseLength = base.length;
    let text = base;
    for (let i = 0; ; i++) {
      const part = this._s.read(`pending@${gen}.${i}`);
      if (part === null) break;
      text += part;
      this._partsLength += part.length;
      this._parts = i + 1;
      this._part = part;
    }
    this._partLines = this._part === null ? 0 : lines(this._part);
    return text;
  }

  /** Characters of the whole log (the local checkpoint counts what it covers in these). */
  get length() {
    return this._baseLength + this._partsLength;
  }

  /** Whether appends can go on this log: false before its first rewrite in this layout. */
  get appendable() {
    return this.gen > 0;
  }

  /** The whole log (`text`) under a new generation; written by `save`. */
  rewrite(text) {
    this.gen = this._saved + 1;
    this._base = text;
    this._baseLength = text.length;
    this._parts = 0;
    this._partsLength = 0;
    this._part = null;
    this._partLines = 0;
    this._partUnsaved = false;
    this._partKey = null;
  }

  /**
   * Lines an action appended (`\nLINE`…), to the last part or a new one. Returns false when
   * the log should be written whole instead: at MAX_PARTS parts, or once the parts outgrow
   * the base. The base at least doubles at each such rewrite, so a character is rewritten
   * a bounded number of times on average (O(1) an action), and an open reads at most
   * MAX_PARTS + 2 keys.
   */
  append(text) {
    const n = lines(text);
    if (this._part !== null && this._partLines + n <= PART_LINES) {
      this._part += text;
      this._partLines += n;
    } else {
      if (this._parts >= MAX_PARTS || (this._parts >= 4 && this._partsLength > this._baseLength)) return false;
      this._parts++;
      this._part = text;
      this._partLines = n;
      this._partKey = null;
    }
    this._partsLength += text.length;
    this._partUnsaved = true;
    return true;
  }

  /** Writes what is not stored yet, then names the generation and removes the previous one.
   * Throws what the storage throws; what failed is written again at the next call. */
  save() {
    if (this._base !== null) {
      // Parts left under this generation (an earlier build rewrote `pending` whole over a
      // pointer, and the count started again) must not be read as this log's.
      if (this._saved !== this.gen) this._remove(this.gen);
      this._s.write(`pending@${this.gen}`, this._base);
      this._base = null;
    }
    if (this._partUnsaved) {
      if (this._partKey === null) this._partKey = `pending@${this.gen}.${this._parts - 1}`;
      this._s.write(this._partKey, this._part);
      this._partUnsaved = false;
    }
    if (this._saved === this.gen) return;
    this._s.write('pending', `zailai-log:${this.gen}`);
    const old = this._saved;
    this._saved = this.gen;
    if (old > 0) this._remove(old);
  }

  /** A generation's keys (parts until the first missing one). */
  _remove(gen) {
    this._s.remove(`pending@${gen}`);
    for (let i = 0; this._s.read(`pending@${gen}.${i}`) !== null; i++) this._s.remove(`pending@${gen}.${i}`);
  }
}
