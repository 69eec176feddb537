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
