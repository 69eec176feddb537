// The mini-program package on the engine iOS WeChat uses: JavaScriptCore without JIT
// (`jsc --useJIT=false`, wasm interpreted). Node lays out the code package as "构建 npm" does,
// decompresses the shipped .wasm.br for jsc (which has no brotli), makes a real member's
// storage with the server, bundles ./jsc/main.js and runs the shared scenarios
// (./mp/scenarios.js) in jsc; each scenario is one test here.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdtempSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const esbuild = require('esbuild');
const { pkg } = require('./helpers.js');
const { codePackage, decompressModules } = require('./miniprogram-runtime.js');
const { memberFixture } = require('./mp/member-fixture.js');

const SCENARIOS = ['the runtime is shaped like the mini-program one', 'an offline week with a relaunch', 'two pages, one client', 'corrupted storage on a relaunch', 'a relaunch from the local checkpoint'];

function jscPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v jsc'], { encoding: 'utf8' }).trim();
  } catch (_) {
    throw new Error('jsc is not installed: scripts/ensure-system.sh installs libjavascriptcoregtk-4.0-bin');
  }
}

async function runInJsc() {
  const jsc = jscPath();
  const work = mkdtempSync(join(tmpdir(), 'zailai-jsc-'));
  const root = codePackage(join(pkg, 'dist', 'miniprogram'));
  const decompressed = decompressModules(root, join(work, 'decompressed'));
  const fixture = join(work, 'fixture.json');
  writeFileSync(fixture, JSON.stringify(await memberFixture()));
  const bundle = join(work, 'main.js');
  await esbuild.build({ entryPoints: [join(__dirname, 'jsc', 'main.js')], outfile: bundle, bundle: true, format: 'iife', platform: 'neutral', target: 'es2017', logLevel: 'warning' });
  const run = spawnSync(jsc, ['--useJIT=false', bundle, '--', root, decompressed, fixture], { encoding: 'utf8', timeout: 300_000 });
  return { ...run, lines: (run.stdout || '').split('\n').filter(Boolean) };
}

const ran = runInJsc();

for (const name of SCENARIOS) {
  test(`JavaScriptCore without JIT: ${name}`, async (t) => {
    const { lines, status, stderr, error } = await ran;
    assert.ifError(error);
    assert.ok(lines.includes('done'), `jsc did not finish (exit ${status}): ${stderr}\n${lines.join('\n')}`);
    const line = lines.find((l) => l.startsWith(`ok ${name} `) || l.startsWith(`not ok ${name}:`));
    assert.ok(line, `no result for ${name}:\n${lines.join('\n')}`);
    assert.ok(line.startsWith('ok '), line);
    t.diagnostic(`jsc --useJIT=false: ${Number(line.slice(line.lastIndexOf(' ') + 1))} ms`);
  });
}
