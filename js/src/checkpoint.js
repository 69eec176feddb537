// The local checkpoint (docs/sync.md, "The local checkpoint"): the member's state after the
// pending ops, stored under `checkpoint`, so that an open replays only the ops recorded after
// it (a member who never synced replays a year of ops otherwise: 130 ms on an iPhone). It
// only saves time: never signed, never sent, and ignored unless it was written by this build,
// for this member, base and rules, from the start of the pending log as stored (the wasm
// checks the log's text, js here the rest). Anything else replays every op, as without one,
// and reports nothing: the member loses nothing and sees nothing.

/** The layout of the stored record. */
const FORMAT = 1;
/**
 * Characters of the pending log (about 40 an op) an open may replay before the client writes
 * a checkpoint: about 200 ops, some 13 ms on JavaScriptCore without JIT at most.
 */
export const CHECKPOINT_AFTER = 8192;
/** The module this bundle was built with (js/build/build.mjs): the engine that replayed. */
// eslint-disable-next-line no-undef
const BUILD = typeof __ZAILAI_BUILD__ === 'string' ? __ZAILAI_BUILD__ : 'dev';

/** FNV-1a of a text's code units, hex: to tell pinned rules apart (not for trust). */
function textHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/** What the checkpoint's state depends on besides the pending ops: the engine, the member,
 * the base and the rules each op was applied under. */
function contextOf(c) {
  let rules = 'seed';
  if (c._rulesPinned) {
    if (!c._pinnedHash && !c._pinnedTextHash) c._pinnedTextHash = textHash(c._pinnedText);
    rules = `pinned ${c._pinnedHash || c._pinnedTextHash}`;
  }
  else if (c._versions) rules = c._versions.map((v) => `${v.number}:${v.from}:${v.hash}`).join(',');
  // The last 64 bytes of a snapshot are its signature: its base64 names it.
  const base = c._snapshot ? `${c._snapshot.head.serverVersion}:${c._snapshot.text.slice(-88)}` : 'join';
  return `${BUILD} ${c.user} ${c._joinedAt} ${base} ${rules}`;
}

/** The stored checkpoint for this context, `{covered, refused, state}`, or null. */
export function loadCheckpoint(c) {
  const raw = c._read('checkpoint');
  c._checkpointStored = raw !== null;
  if (raw === null) return null;
  try {
    const record = JSON.parse(raw);
    const ok = record && record.v === FORMAT && record.context === contextOf(c) && typeof record.state === 'string' && Number.isSafeInteger(record.covered) && Array.isArray(record.refused);
    return ok ? record : null;
  } catch (_) {
    return null;
  }
}

/** The stored checkpoint no longer matches (a rebase, a rebuild, a reopen): removed, and the
 * log counted as uncovered. */
export function dropCheckpoint(c) {
  c._checkpointed = 0;
  if (!c._checkpointStored) return;
  try {
    c._storage.removeItem(c._prefix + 'checkpoint');
    c._checkpointStored = false;
  } catch (_) {
    // Left in place: the next open ignores it (its context or its log no longer match).
  }
}

/** Writes a checkpoint after the current work (the page's paint, the action's setData) once
 * the stored log holds CHECKPOINT_AFTER characters it does not cover. */
export function maybeCheckpoint(c) {
  if (c._checkpointTimer || c._closed || c._log.length - c._checkpointed < CHECKPOINT_AFTER) return;
  c._checkpointTimer = setTimeout(() => {
    c._checkpointTimer = null;
    // It must cover the log as stored: not while a write is owed or a sync rewrites it.
    if (c._closed || c._dirty || c._syncing) return;
    const covered = c._log.length;
    try {
      c._write('checkpoint', JSON.stringify({ v: FORMAT, context: contextOf(c), covered, refused: c._replayRefused, state: c._member.checkpoint() }));
      c._checkpointStored = true;
      c._checkpointed = covered;
    } catch (_) {
      // A full store: the next opens replay more ops; nothing is lost.
    }
  }, 0);
}
