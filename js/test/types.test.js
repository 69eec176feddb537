// The package's TypeScript types: a strict compile of a usage file must succeed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

test('types/index.d.ts typechecks a real usage under --strict, with no any leaking', () => {
  const tsc = join(__dirname, '..', 'node_modules', '.bin', 'tsc');
  const result = spawnSync(tsc, ['-p', join(__dirname, 'types', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
