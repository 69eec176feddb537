// Members before they log in (docs/sync.md): the shared scenario (./mp/anonymous.js) against a
// real `zailai serve --dev`, on both engines WeChat uses: V8 (Android) in the mini-program
// runtime harness, and JavaScriptCore without JIT (iOS), whose wx.request Node relays to the
// server (./jsc/anonymous.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { execFileSync, spawn } = require('node:child_process');
const { copyFileSync, mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const esbuild = require('esbuild');
const { pkg } = require('./helpers.js');
const { codePackage, decompressModules, startRuntime, wxStorageBackend } = require('./miniprogram-runtime.js');
const { startServer, backdateDevice } = require('./server-helpers.js');
const { anonymousFirstLogin } = require('./mp/anonymous.js');

const root = codePackage(join(pkg, 'dist', 'miniprogram'));

async function devServer(t) {
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  return { server, backdate: (device, ms) => backdateDevice(server.dataDir, device, ms) };
}

test('V8: a member acts from the first launch with no id; the first login adopts three offline days, each op once', async (t) => {
  const { server, backdate } = await devServer(t);
  await anonymousFirstLogin({
    assert,
    server: { url: server.url, admin: server.admin },
    backdate,
    newBackend: () => wxStorageBackend(),
    open: async (backend) => {
      const rt = startRuntime(root, { storage: backend });
      return { rt, zailai: rt.require('zailai') };
    },
  });
});

/** One HTTP request for the jsc side: {statusCode, header, data (text)} or {fail}. */
function relay({ url, method, header, data }) {
  return new Promise((resolve) => {
    // A connection each (agent: false): a kept-alive one the server closed would fail the request.
    const req = http.request(url, { method, headers: header, timeout: 30_000, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ statusCode: res.statusCode, header: res.headers, data: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ fail: e.message }));
    req.end(data);
  });
}

test('JavaScriptCore without JIT: the same, wx.request relayed to the real server', async (t) => {
  const jsc = execFileSync('sh', ['-c', 'command -v jsc'], { encoding: 'utf8' }).trim();
  const { server, backdate } = await devServer(t);
  const work = mkdtempSync(join(tmpdir(), 'zailai-jsc-anon-'));
  const decompressed = decompressModules(root, join(work, 'decompressed'));
  const bundle = join(work, 'anonymous.js');
  await esbuild.build({ entryPoints: [join(__dirname, 'jsc', 'anonymous.js')], outfile: bundle, bundle: true, format: 'iife', platform: 'neutral', target: 'es2017', logLevel: 'warning' });
  const child = spawn(jsc, ['--useJIT=false', bundle, '--', root, decompressed, JSON.stringify({ url: server.url, admin: server.admin })]);
  t.after(() => child.kill());
  const lines = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // jsc waits on stdin after each question: one at a time, in order.
  let queue = Promise.resolve();
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    for (let i; (i = buffer.indexOf('\n')) >= 0; ) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (!line.startsWith('>>> ')) {
        lines.push(line);
        continue;
      }
      const q = JSON.parse(line.slice(4));
      queue = queue.then(async () => {
        const answer = q.request ? await relay(q.request) : (backdate(q.backdate, q.ms), { ok: true });
        // jsc's readline() reads bytes as Latin-1: the line goes as ASCII, others escaped.
        const ascii = JSON.stringify(answer).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        child.stdin.write(`${ascii}\n`);
      }).catch((e) => lines.push(`relay failed: ${e.stack}`));
    }
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  assert.ok(lines.includes('done'), `jsc did not finish (exit ${status}): ${stderr}\n${lines.join('\n')}`);
  const result = lines.find((l) => l.startsWith('ok ') || l.startsWith('not ok'));
  assert.ok(result && result.startsWith('ok '), result || lines.join('\n'));
  t.diagnostic(`jsc --useJIT=false: ${result.slice(3)} ms`);
});

test('an adopted device the server no longer knows (its database reset) registers again and stays its member', async (t) => {
  const zailai = require(pkg);
  const first = await startServer(['--dev']);
  t.after(() => first.child.kill());
  // The same server after its database was lost: its signing key (a file beside it) kept.
  const dataDir = mkdtempSync(join(tmpdir(), 'zailai-reset-'));
  copyFileSync(join(first.dataDir, 'dev.secret.json'), join(dataDir, 'dev.secret.json'));
  const reset = await startServer(['--dev'], { dataDir });
  t.after(() => reset.child.kill());
  const storage = zailai.memoryStorage();
  const c = await zailai.createClient({
    storage,
    server: { url: first.url, transport: zailai.fetchTransport(), credentials: async () => ({ dev_user: 'kept' }), retry: { retries: 0, baseMs: 10, maxMs: 20 } },
  });
  t.after(() => c.close());
  c.checkIn();
  await c.sync();
  assert.equal(c.user, 'kept');
  const lost = c.deviceId;

  c._remote.url = reset.url; // the same address, an empty database
  await assert.rejects(c.sync(), (e) => e.code === 'DEVICE_NOT_REGISTERED');
  for (let i = 0; i < 200 && (!c._registration || c.deviceId === lost); i++) await new Promise((r) => setTimeout(r, 10));
  assert.notEqual(c.deviceId, lost, 'registered again');
  assert.equal(c.user, 'kept');
  assert.equal(JSON.parse(storage.getItem('zailai:local:device')).user, 'kept', 'the member is kept with the new registration');
  c.track('share');
  const result = await c.sync();
  assert.deepEqual(result.rejected, []);
  assert.deepEqual(c.pendingOps(), []);
  const member = await (await fetch(`${reset.url}/v1/admin/members/kept`, { headers: { authorization: `Bearer ${reset.admin}` } })).json();
  assert.deepEqual(member.processed, { [c.deviceId]: 1 });
});

test("the first login's push is applied and its reply lost: the retry adopts nothing twice", async (t) => {
  const zailai = require(pkg);
  const server = await startServer(['--dev']);
  t.after(() => server.child.kill());
  const real = zailai.fetchTransport();
  let lost = 0;
  // The server commits the push; the answer never reaches the phone (once).
  const transport = {
    async request(req) {
      const res = await real.request(req);
      if (req.method === 'POST' && req.url.endsWith('/v1/sync') && lost++ === 0) throw Object.assign(new Error('reply lost'), { code: 'NETWORK' });
      return res;
    },
  };
  const c = await zailai.createClient({
    storage: zailai.memoryStorage(),
    server: { url: server.url, transport, credentials: async () => ({ dev_user: 'retried' }), retry: { retries: 1, baseMs: 10, maxMs: 20 } },
  });
  t.after(() => c.close());
  c.checkIn();
  c.track('share');
  c.track('query');
  const result = await c.sync();
  assert.equal(lost, 2, 'pushed twice');
  assert.deepEqual(result.acked, [1, 2, 3]);
  assert.deepEqual(result.rejected, []);
  assert.equal(c.user, 'retried');
  assert.deepEqual(c.pendingOps(), []);
  const member = await (await fetch(`${server.url}/v1/admin/members/retried`, { headers: { authorization: `Bearer ${server.admin}` } })).json();
  assert.equal(member.ops, 3, 'each op once in the log');
  assert.deepEqual(member.processed, { [c.deviceId]: 3 });
  assert.equal(member.summary.balance, c.summary().balance);
});
