// The browser ES module entry in headless Chromium: fetch + WebAssembly, localStorage,
// a restart, views. The page reports into the DOM, which Chromium dumps.
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { execFile } = require('node:child_process');
const { mkdtempSync, readFileSync } = require('node:fs');
const { extname, join, normalize } = require('node:path');
const { tmpdir } = require('node:os');
const { pkg } = require('./helpers.js');

const PAGE = `<!doctype html><meta charset="utf-8"><body><pre id="out">pending</pre>
<script type="module">
import { createClient, localStorageAdapter } from '/dist/web/index.js';
const out = document.getElementById('out');
try {
  localStorage.clear();
  let t = Date.UTC(2026, 10, 1, 1, 0);
  const opts = { storage: localStorageAdapter(), now: () => t, user: 'web' };
  const a = await createClient(opts);
  a.checkIn();
  let refused = '';
  try { a.checkIn(); } catch (e) { refused = e.code; }
  t += 86400000;
  const b = await createClient(opts); // a reload: state comes back from localStorage
  const streak = b.checkIn()[0].streak;
  out.textContent = 'RESULT ' + JSON.stringify({ refused, streak, balance: b.pointsSummary().balance,
    keys: Object.keys(localStorage).sort(), label: b.calendar().streakLabel });
} catch (e) {
  out.textContent = 'RESULT ' + JSON.stringify({ error: String(e && e.stack || e) });
}
</script>`;

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

function serve() {
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    try {
      const body = readFileSync(join(pkg, normalize(path)));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream' });
      res.end(body);
    } catch (_) {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('the web entry loads in headless Chromium, persists in localStorage and survives a reload', async () => {
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'zailai-chromium-'));
  const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', `--user-data-dir=${profile}`,
    '--virtual-time-budget=15000', '--dump-dom', url];
  const dom = await new Promise((resolve, reject) => {
    execFile('chromium', args, { timeout: 60_000, maxBuffer: 4 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  }).finally(() => server.close());
  const m = /RESULT (\{.*\})/.exec(dom.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  assert.ok(m, `no result in the page: ${dom.slice(0, 500)}`);
  const result = JSON.parse(m[1]);
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.refused, 'ALREADY_CHECKED_IN');
  assert.equal(result.streak, 2);
  assert.equal(result.balance, 10);
  assert.equal(result.label, '连续签到 2 天');
  // The pending log's pointer, its base and the part actions appended to (js/src/pending-log.js).
  assert.deepEqual(result.keys, ['zailai:web:meta', 'zailai:web:pending', 'zailai:web:pending@1', 'zailai:web:pending@1.0']);
});
