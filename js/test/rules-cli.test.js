// Rules written from JS (issue 26, deliverable 4): the packed package installed in a clean
// directory where only Node is on PATH, the seed rules edited, `npx zailai-rules encode`, the
// rules pinned in a client that syncs with the real server started on the same file: the same
// bytes and hash as `zailai rules encode`. Then the errors: every problem at once, with its
// path, in Chinese and English, a non-zero exit.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, realpathSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg } = require('./helpers.js');
const { cli, startServer, call } = require('./server-helpers.js');

/** A directory with the packed package installed by npm, and a PATH of node, npm and npx only
 * (and sh, through which npm runs a package's command). */
function cleanProject() {
  const dir = mkdtempSync(join(tmpdir(), 'zailai-rules-app-'));
  const bin = join(dir, '.bin-only-node');
  mkdirSync(bin);
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(npmCli, join(bin, 'npm'));
  symlinkSync(join(dirname(npmCli), 'npx-cli.js'), join(bin, 'npx'));
  symlinkSync('/bin/sh', join(bin, 'sh'));
  const env = { PATH: bin, HOME: dir, npm_config_cache: join(dir, '.npm'), npm_config_update_notifier: 'false', LANG: '' };
  const packed = JSON.parse(execFileSync('npm', ['pack', pkg, '--pack-destination', dir, '--json'], { encoding: 'utf8', env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` } }))[0];
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rules-app', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], { cwd: dir, env, stdio: 'pipe' });
  const run = (cmd, args, extra = {}) => spawnSync(cmd, args, { cwd: dir, env: { ...env, ...extra.env }, encoding: 'utf8', input: extra.input });
  return {
    dir,
    env,
    run,
    npx: (args, extra) => run('npx', ['--no', 'zailai-rules', ...args], extra),
    // The same command without npx's own start-up (about 0.4 s a call).
    bin: (args, extra) => run(join(dir, 'node_modules', '.bin', 'zailai-rules'), args, extra),
  };
}

let project;
const theProject = () => (project ||= cleanProject());
test.after(() => project && rmSync(project.dir, { recursive: true, force: true }));

test('a JS-only project encodes edited seed rules as `zailai rules encode` does, and a client pinned to them syncs with the server', async (t) => {
  const p = theProject();
  const tools = p.run('/bin/sh', ['-c', 'for t in node npm npx cargo rustc zailai wasm-bindgen; do command -v $t >/dev/null && echo $t; done']);
  assert.equal(tools.stdout, 'node\nnpm\nnpx\n', 'no Rust tool on this PATH');
  // Edit a copy of the seed rules the package ships.
  const seed = JSON.parse(readFileSync(join(p.dir, 'node_modules', 'zailai', 'seed.json'), 'utf8'));
  seed.tiers.levels[0].benefits.checkin_points = 23;
  seed.points.earning.share.points = 41;
  const file = join(p.dir, 'rules.json');
  writeFileSync(file, JSON.stringify(seed, null, 2));

  const encoded = p.npx(['encode', 'rules.json']);
  assert.equal(encoded.status, 0, encoded.stderr);
  const native = execFileSync(cli, ['rules', 'encode', '--config', file], { encoding: 'utf8' });
  assert.equal(encoded.stdout, native, 'the same bytes as the Rust CLI, printed the same way');
  const checked = p.npx(['check', 'rules.json', '--lang', 'en']);
  assert.equal(checked.status, 0, checked.stderr);
  const hash = /hash ([0-9a-f]{64})/.exec(checked.stdout)[1];

  const server = await startServer(['--dev', '--config', file]);
  t.after(() => server.child.kill());
  const config = (await call(server.url, '/v1/config')).json;
  assert.equal(config.config_hash, hash, 'the server hashes the rules as the package does');
  assert.equal(config.rules, native.trim(), 'and sends the same bytes');

  // The app: Node and the installed package only, the rules pinned.
  writeFileSync(join(p.dir, 'app.js'), `
    const zailai = require('zailai');
    const fs = require('node:fs');
    const rules = fs.readFileSync('rules.b64', 'utf8').trim();
    const api = zailai.encodeRules(fs.readFileSync('rules.json', 'utf8'));
    (async () => {
      const c = await zailai.createClient({ config: rules, storage: zailai.memoryStorage(), user: 'pinned',
        server: { url: process.argv[2], transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'pinned' }) } });
      const warnings = [];
      c.on('warning', (w) => warnings.push(w.code));
      c.checkIn();
      c.track('share');
      const before = c.summary().balance;
      const result = await c.sync();
      console.log(JSON.stringify({ api, before, after: c.summary().balance, rejected: result.rejected, pending: c.pendingOps().length, warnings }));
      c.close();
    })().catch((e) => { console.error(e); process.exit(1); });`);
  writeFileSync(join(p.dir, 'rules.b64'), encoded.stdout);
  const app = p.run('node', ['app.js', server.url]);
  assert.equal(app.status, 0, app.stderr);
  const out = JSON.parse(app.stdout);
  assert.equal(out.api.rules, native.trim(), 'encodeRules in the Node entry: the same bytes');
  assert.equal(out.api.hash, hash);
  assert.equal(out.before, 23 + 41, 'the edited rules priced the actions on the phone');
  assert.equal(out.after, out.before, 'and the server agrees');
  assert.deepEqual(out.rejected, []);
  assert.equal(out.pending, 0);
  assert.deepEqual(out.warnings.filter((w) => w === 'RULES_DIFFER'), []);
  const member = (await call(server.url, '/v1/admin/members/pinned', { token: server.admin })).json;
  assert.equal(member.summary.balance, 23 + 41);
});

test('show and diff: binary rules back as a rule file, two rule sets compared by path', () => {
  const p = theProject();
  const seedFile = join(p.dir, 'node_modules', 'zailai', 'seed.json');
  const seed = JSON.parse(readFileSync(seedFile, 'utf8'));
  const edited = structuredClone(seed);
  edited.points.daily_cap = 150;
  edited.tasks.push({ ...edited.tasks[0], id: 'extra_task' });
  writeFileSync(join(p.dir, 'edited.json'), JSON.stringify(edited));
  const b64 = p.bin(['encode', 'edited.json']).stdout;

  const shown = p.bin(['show'], { input: b64 });
  assert.equal(shown.status, 0, shown.stderr);
  const again = p.bin(['encode', '-'], { input: shown.stdout });
  assert.equal(again.stdout, b64, 'show then encode gives the same bytes');

  const diff = p.bin(['diff', seedFile, 'edited.json', '--lang', 'en']);
  assert.equal(diff.status, 1, 'differences: exit 1, as diff(1)');
  const lines = diff.stdout.trim().split('\n');
  assert.equal(lines[0], '2 differences:');
  assert.equal(lines[1], '~ points.daily_cap: 100 → 150');
  assert.match(lines[2], new RegExp(`^\\+ tasks\\[${seed.tasks.length}\\]: \\{.*"id":"extra_task",`));
  // Binary rules against the rule file they came from: no difference.
  writeFileSync(join(p.dir, 'edited.b64'), b64);
  const same = p.bin(['diff', 'edited.json', 'edited.b64', '--lang', 'en']);
  assert.equal(same.status, 0, same.stderr);
  assert.equal(same.stdout, 'the rules are the same\n');
  const json = JSON.parse(p.bin(['diff', seedFile, 'edited.json', '--json']).stdout);
  assert.deepEqual(json[0], { path: 'points.daily_cap', before: 100, after: 150 });
});

test('a rule file with several problems: all of them with their paths, in Chinese and English, exit 1', () => {
  const p = theProject();
  const seed = JSON.parse(readFileSync(join(p.dir, 'node_modules', 'zailai', 'seed.json'), 'utf8'));
  const rules = structuredClone(seed);
  rules.points.expiry_months = 0;
  rules.tiers.levels[1].id = 'bad id!';
  rules.tasks[0].action = 'swim';
  writeFileSync(join(p.dir, 'broken.json'), JSON.stringify(rules));
  const expected = ['points.expiry_months', 'tasks[0].action', 'tiers.levels[1].id', 'tiers.paid[0].tier'];
  const paths = (stderr) => stderr.trim().split('\n').slice(1).map((l) => l.trim().split(': ')[0]).sort();

  const en = p.npx(['check', 'broken.json', '--lang', 'en']);
  assert.equal(en.status, 1);
  assert.equal(en.stdout, '');
  assert.match(en.stderr, /^broken\.json: 4 problems in the rules:\n/);
  assert.deepEqual(paths(en.stderr), expected);
  assert.match(en.stderr, /\n {2}points\.expiry_months: must be between 1 and 120, got 0\n/);
  assert.match(en.stderr, /\n {2}tasks\[0\]\.action: `swim` is neither an earning rule's action/);

  const zh = p.bin(['check', 'broken.json', '--lang', 'zh']);
  assert.equal(zh.status, 1);
  assert.match(zh.stderr, /^broken\.json：规则有 4 个问题：\n/);
  assert.deepEqual(paths(zh.stderr), expected);
  assert.match(zh.stderr, /\n {2}points\.expiry_months: 必须在 1 到 120 之间，当前为 0\n/);
  assert.match(zh.stderr, /\n {2}tiers\.paid\[0\]\.tier: 没有 id 为 `silver` 的等级\n/);

  // No --lang: LANG decides, Chinese when it is not English.
  assert.match(p.bin(['check', 'broken.json'], { env: { LANG: 'en_US.UTF-8' } }).stderr, /4 problems in the rules/);
  assert.match(p.bin(['check', 'broken.json'], { env: { LANG: 'C.UTF-8' } }).stderr, /规则有 4 个问题/);

  // encode refuses the same file the same way and prints nothing on stdout.
  const enc = p.bin(['encode', 'broken.json', '--lang', 'en']);
  assert.equal(enc.status, 1);
  assert.equal(enc.stdout, '');
  assert.deepEqual(paths(enc.stderr), expected);

  // Shape problems (a wrong type, an unknown field, a missing one) are all listed too.
  const shapes = structuredClone(seed);
  shapes.points.daily_cap = 'lots';
  shapes.surprise = 1;
  delete shapes.newbie_days;
  writeFileSync(join(p.dir, 'shapes.json'), JSON.stringify(shapes));
  const s = p.bin(['check', 'shapes.json', '--json', '--lang', 'zh']);
  assert.equal(s.status, 1);
  const r = JSON.parse(s.stdout);
  assert.equal(r.code, 'CONFIG_INVALID');
  // A missing field is reported at its record (here the document), as the Rust CLI does.
  assert.deepEqual(r.problems.map((x) => [x.path, x.message]).sort(), [
    ['', '缺少字段 `newbie_days`'],
    ['points.daily_cap', '类型错误：是字符串，应为整数'],
    ['surprise', '未知字段 `surprise`'],
  ]);
  const text = p.bin(['check', 'shapes.json', '--lang', 'zh']).stderr;
  assert.match(text, /\n {2}（整个文件）: 缺少字段 `newbie_days`\n/);

  // A diff of rules with problems: which file, every problem, exit 2 (1 means "they differ").
  const badDiff = p.bin(['diff', 'shapes.json', 'broken.json', '--lang', 'en']);
  assert.equal(badDiff.status, 2);
  assert.match(badDiff.stderr, /^shapes\.json: 3 problems in the rules:\n/);
  assert.equal(badDiff.stdout, '');

  // Usage and file errors: exit 2.
  assert.equal(p.bin([]).status, 2);
  assert.equal(p.bin(['check', 'missing.json']).status, 2);
  assert.equal(p.bin(['frobnicate']).status, 2);
  assert.equal(p.bin(['check', 'broken.json', '--lang', 'fr']).status, 2);
  const badShow = p.bin(['show', '--lang', 'en'], { input: 'not base64!' });
  assert.equal(badShow.status, 1);
  assert.match(badShow.stderr, /not base64/);
});

test('the Node entry: checkRules, encodeRules, decodeRules, diffRules with paths and both languages', () => {
  const zailai = require(pkg);
  const seedText = readFileSync(join(pkg, 'seed.json'), 'utf8');
  const ok = zailai.checkRules(seedText);
  assert.equal(ok.ok, true);
  assert.match(ok.hash, /^[0-9a-f]{64}$/);
  const encoded = zailai.encodeRules(JSON.parse(seedText));
  assert.equal(encoded.hash, ok.hash, 'an object or its text: the same rules');
  assert.equal(encoded.rules, execFileSync(cli, ['rules', 'encode', '--config', join(pkg, 'seed.json')], { encoding: 'utf8' }).trim());
  const decoded = zailai.decodeRules(encoded.rules);
  assert.equal(decoded.hash, ok.hash);
  assert.deepEqual(zailai.diffRules(decoded.config, seedText), []);
  // The pinned rules a client takes.
  const broken = JSON.parse(seedText);
  broken.points.checkout.cents = 0;
  broken.first_weekday = 9;
  assert.throws(() => zailai.encodeRules(broken, { lang: 'en' }), (e) => {
    assert.ok(zailai.isZailaiError(e));
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.equal(e.path, 'first_weekday');
    assert.deepEqual(e.issues.map((i) => i.path), ['first_weekday', 'points.checkout.cents']);
    assert.equal(e.message, '2 problems in the rules:\n  first_weekday: must be between 0 and 6, got 9\n  points.checkout.cents: must be between 1 and 1000000, got 0');
    return true;
  });
  assert.throws(() => zailai.encodeRules(broken), (e) => e.message.startsWith('规则有 2 个问题：\n  first_weekday: 必须在 0 到 6 之间，当前为 9'));
  const checked = zailai.checkRules(broken, { lang: 'en' });
  assert.equal(checked.ok, false);
  assert.equal(checked.problems.length, 2);
  assert.throws(() => zailai.checkRules(seedText, { lang: 'fr' }), { code: 'BAD_ARGUMENT' });
  assert.throws(() => zailai.checkRules(42), { code: 'BAD_ARGUMENT' });
  assert.equal(zailai.ruleMessage('must be at least 1'), '至少为 1');
  assert.equal(zailai.ruleMessage('must be at least 1', 'en'), 'must be at least 1');
});
