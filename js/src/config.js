// Rule files as a developer extends them: the seed preset (seed.json at the package root) with
// a patch over it. JSON Merge Patch (RFC 7386): objects merge key by key, `null` deletes a key,
// anything else (numbers, strings, arrays: a list of tasks is replaced whole) replaces.

/** `base` with `patch` over it, as a new object; neither argument is changed. */
export function mergeConfig(base, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out = base && typeof base === 'object' && !Array.isArray(base) ? clone(base) : {};
  for (const key of Object.keys(patch)) {
    if (patch[key] === null) delete out[key];
    else out[key] = mergeConfig(out[key], patch[key]);
  }
  return out;
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

// ---- rule versions as the client holds them --------------------------------------------------
// The server publishes rules as numbered versions, each in effect from an instant
// (docs/rules-lifecycle.md). GET /v1/config offers the version in effect at the server's now
// and the next scheduled one; the client keeps them, and an earlier one while pending ops dated
// under it remain, as `[{number, from, hash, rules}]` ordered by `from` (ms; null when the
// server did not say: the first version then covers every earlier instant). The wasm `Rules`
// holds the same list, so each op and each view takes the version in effect at its own time.

/** The versions a GET /v1/config reply offers: its current one, then the next if it has one
 * this client can read. */
export function offeredVersions(reply) {
  const v = reply.version && typeof reply.version === 'object' ? reply.version : null;
  const from = v && Number.isFinite(v.effective_from) ? v.effective_from : null;
  const offered = [{ number: v ? v.number : null, from, hash: reply.config_hash, rules: reply.rules }];
  const n = reply.next;
  if (n && typeof n.rules === 'string' && typeof n.hash === 'string' && Number.isFinite(n.effective_from) && (from === null || n.effective_from > from)) {
    offered.push({ number: n.number, from: n.effective_from, hash: n.hash, rules: n.rules });
  }
  return offered;
}

const start = (v) => (v.from === null ? -Infinity : v.from);

/** What the client holds after a reply: the server's word from its current version on, and
 * the versions held from before it (pending ops may be dated under them). */
export function mergeVersions(held, offered) {
  const earlier = (held || []).filter((v) => start(v) < start(offered[0]));
  // A version held just before with the same rules adds nothing.
  while (earlier.length && earlier[earlier.length - 1].hash === offered[0].hash) earlier.pop();
  return [...earlier, ...offered];
}

export function sameVersions(a, b) {
  return Boolean(a && b) && a.length === b.length && a.every((v, i) => v.hash === b[i].hash && v.from === b[i].from);
}

/** The index of the version in effect at `t`: the last one from before or at `t`, else the first. */
export function versionIndexAt(versions, t) {
  let i = 0;
  while (i + 1 < versions.length && start(versions[i + 1]) <= t) i++;
  return i;
}

/** The wasm rules of a version list: the first, then each later one scheduled at its `from`.
 * `checkedBefore`: the list is this client's stored copy, checked when it arrived, so the
 * rules are read without being checked again (2 ms a launch on an iPhone). */
export function buildRules(Rules, versions, checkedBefore = false) {
  const rules = new Rules(versions[0].rules, checkedBefore);
  try {
    for (const v of versions.slice(1)) rules.schedule(v.rules, v.from, checkedBefore);
  } catch (e) {
    rules.free();
    throw e;
  }
  return rules;
}

/** The versions stored under `rules` (`{versions}`; `{hash, rules}` of builds before
 * versions is one version), or null when there are none this build can use. */
export function storedVersions(saved) {
  if (!saved || typeof saved !== 'object') return null;
  if (typeof saved.hash === 'string' && typeof saved.rules === 'string') return [{ number: null, from: null, hash: saved.hash, rules: saved.rules }];
  const list = saved.versions;
  const ok = (v, i) => v && typeof v.hash === 'string' && typeof v.rules === 'string' && (v.from === null ? i === 0 : Number.isFinite(v.from) && (i === 0 || start(list[i - 1]) < v.from));
  return Array.isArray(list) && list.length > 0 && list.every(ok) ? list : null;
}
