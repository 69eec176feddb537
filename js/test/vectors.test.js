// The golden scenarios of the core (tests/vectors/) through the wasm package must give the
// native engine's results byte for byte: each op's events (or error code) and the final state.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { encodeRules, pkg, root } = require('./helpers.js');
const { loadSync, mergeConfig } = require(pkg); // the vectors' config_patch is a JSON Merge Patch

const cli = process.env.ZAILAI_BIN || join(root, 'target', 'debug', 'zailai');
const seed = JSON.parse(readFileSync(join(root, 'presets', 'seed.json'), 'utf8'));
const vectorsDir = join(root, 'tests', 'vectors');
const vectors = readdirSync(vectorsDir).filter((f) => f.endsWith('.json')).sort();

/** Object keys in camelCase, order kept (what the wasm build's serializers do). */
function camelKeys(value) {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase()), camelKeys(v)]));
}

test('there are golden vectors to run', () => {
  assert.ok(vectors.length >= 5, vectors.join(','));
});

for (const file of vectors) {
  test(`vector ${file}: wasm equals native byte for byte`, () => {
    const v = JSON.parse(readFileSync(join(vectorsDir, file), 'utf8'));
    const config = JSON.stringify(mergeConfig(seed, v.config_patch));
    const dir = mkdtempSync(join(tmpdir(), 'zailai-vec-'));
    writeFileSync(join(dir, 'rules.json'), config);
    writeFileSync(join(dir, 'ops.jsonl'), v.ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
    const native = execFileSync(cli, ['simulate', '--config', join(dir, 'rules.json'), '--ops', join(dir, 'ops.jsonl'),
      '--user', v.user, '--joined-at', String(v.joined_at), '--format', 'lines'], { encoding: 'utf8' });

    const { Rules, Member } = loadSync();
    const rules = new Rules(encodeRules(config));
    const member = Member.join(rules, v.user, v.joined_at);
    const lines = v.ops.map((op) => {
      try {
        return `ok ${member.applyJSON(rules, JSON.stringify(op))}`;
      } catch (e) {
        return `err ${e.code}`;
      }
    });
    lines.push(`state ${member.stateJSON()}`);
    // The same events, named as each side names them: the wasm module in the JS API's camelCase.
    const asJs = native.replace(/^ok (.*)$/gm, (_, json) => `ok ${JSON.stringify(camelKeys(JSON.parse(json)))}`);
    assert.equal(lines.join('\n') + '\n', asJs);
    if (native.includes('_days"')) assert.notEqual(asJs, native, 'the renaming is exercised');
    // The vector's own expectations agree on which ops are refused.
    v.expect.forEach((exp, i) => assert.equal(lines[i].startsWith('err'), 'error' in exp, `${file} op ${i}`));
  });
}
