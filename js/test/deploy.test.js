// docs/deploy.md's systemd unit, as written there, passes `systemd-analyze verify` with no
// warning (a misspelt key or a bad value is only a warning to systemd, so warnings fail here).
// The binary path is pointed at this build, since verify checks that ExecStart can run.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');
const { cli } = require('./server-helpers.js');

function unitFromDocs() {
  const doc = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const block = /`\/etc\/systemd\/system\/zailai\.service`[\s\S]*?```ini\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/deploy.md has the unit in an ini block after its path');
  return block[1];
}

function verify(unit) {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-unit-'));
  const path = join(dir, 'zailai.service');
  writeFileSync(path, unit);
  return spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
}

test("docs/deploy.md's systemd unit verifies without a warning", () => {
  const unit = unitFromDocs();
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/zailai serve /m);
  const ours = verify(unit.replace('/usr/local/bin/zailai', cli));
  assert.equal(ours.error, undefined, 'systemd-analyze runs (scripts/ensure-system.sh installs it)');
  assert.equal(ours.status, 0, ours.stderr);
  assert.equal(ours.stderr.trim(), '', 'no warning');
  // Every flag it passes is one `zailai serve` has.
  const help = spawnSync(cli, ['serve', '--help'], { encoding: 'utf8' }).stdout;
  const flags = /^ExecStart=.*$/m.exec(unit)[0].match(/--[a-z-]+/g);
  assert.ok(flags.length >= 5);
  for (const flag of flags) assert.ok(help.includes(`${flag} `), `zailai serve has no ${flag}`);
  // The check can fail: a misspelt key is caught.
  const typo = verify(unit.replace('/usr/local/bin/zailai', cli).replace('Restart=always', 'Restart=sometimes'));
  assert.match(typo.stderr, /restart specifier/);
});
