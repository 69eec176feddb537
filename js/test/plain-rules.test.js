// The plain-JS rules the benchmarks compare the engine with (benches/plain-rules.mjs) must keep
// meaning what the engine means, or the comparison is not honest: random op sequences through
// both, op by op (balance, streak, refusal codes).
const test = require('node:test');
const assert = require('node:assert/strict');
const { join } = require('node:path');
const { encodeRules, pkg, root } = require('./helpers.js');

test('the benchmark\'s plain-JS rules agree with the engine on random op sequences', async () => {
  const { checkAgainstEngine, plainRulesConfig } = await import(join(root, 'benches', 'plain-rules.mjs'));
  const bindings = require(pkg).loadSync();
  const rules = new bindings.Rules(encodeRules(plainRulesConfig(require(join(root, 'presets', 'seed.json')))));
  let a = 2026;
  const rnd = () => ((a = (a * 1103515245 + 12345) % 2147483648), a / 2147483648);
  const compared = checkAgainstEngine(bindings, rules, rnd, 60);
  assert.ok(compared > 3000, `compared ${compared} ops`);
});
