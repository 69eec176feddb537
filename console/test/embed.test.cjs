// `zailai serve` answers /console/ from the files embedded at build time (server/build.rs):
// gzip when asked, hashed assets cached for good and index.html revalidated, the single-page
// app's fallback, a strict Content-Security-Policy, and the first page within its budget.
const test = require('node:test');
const http = require('node:http');
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { gunzipSync } = require('node:zlib');
const { assert, root, server } = require('./helpers.cjs');

const dist = join(root, 'console', 'dist');

/** A raw GET (no automatic decompression): status, headers, body bytes. */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('the console is embedded: gzip, cache headers, SPA fallback, CSP, redirect', async (t) => {
  const s = await server(t);
  const index = readFileSync(join(dist, 'index.html'));
  const script = readdirSync(join(dist, 'assets')).find((f) => /^index-.*\.js$/.test(f));
  assert.ok(script, 'a built entry script');

  const redirect = await get(`${s.url}/console`);
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.location, '/console/');

  const page = await get(`${s.url}/console/`, { 'accept-encoding': 'gzip, br' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-encoding'], 'gzip');
  assert.deepEqual(gunzipSync(page.body), index, 'the embedded index.html is this build\'s');
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.equal(page.headers.vary, 'accept-encoding');
  const csp = page.headers['content-security-policy'];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/, 'no inline or foreign script');
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);

  const plain = await get(`${s.url}/console/`, { 'accept-encoding': 'gzip;q=0' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.deepEqual(plain.body, index);

  const asset = await get(`${s.url}/console/assets/${script}`, { 'accept-encoding': 'gzip' });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(asset.headers['content-type'], /^text\/javascript/);
  assert.deepEqual(gunzipSync(asset.body), readFileSync(join(dist, 'assets', script)));

  // A page of the app reloaded at its own path: index.html; a file of no build: 404 JSON.
  const deep = await get(`${s.url}/console/members/u1`);
  assert.equal(deep.status, 200);
  assert.deepEqual(deep.body, index);
  const missing = await get(`${s.url}/console/assets/index-00000000.js`);
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).error.code, 'NOT_FOUND');
  // The build's manifest is not served (hidden files are not embedded).
  const manifest = await get(`${s.url}/console/.vite/manifest.json`);
  assert.deepEqual(manifest.body, index);

  // The shipped packages' licences travel with them (MIT, BSD; ECharts' Apache NOTICE too).
  const notices = await get(`${s.url}/console/THIRD-PARTY-NOTICES.txt`);
  assert.equal(notices.status, 200);
  assert.match(notices.headers['content-type'], /^text\/plain/);
  const text = notices.body.toString('utf8');
  for (const name of ['vue', 'vue-router', 'tdesign-vue-next', 'echarts', 'zrender']) {
    assert.match(text, new RegExp(`^${name} \\d+\\.\\d+\\.\\d+ \\(`, 'm'), name);
  }
  assert.match(text, /Apache ECharts\nCopyright/);
  assert.match(text, /Permission is hereby granted, free of charge/);

  // The API keeps its own policy and cache headers.
  const health = await get(`${s.url}/healthz`);
  assert.equal(health.headers['content-security-policy'], "frame-ancestors 'none'");
  assert.equal(health.headers['cache-control'], 'no-store');
});

test('the first page (login → 概览) loads at most 500 KB gzip, measured from the build', async () => {
  const { firstPage, BUDGET } = await import('../scripts/size.mjs');
  const { rows, total } = firstPage(dist);
  assert.equal(BUDGET, 500 * 1024);
  assert.ok(rows.some((r) => r.file === 'index.html'));
  assert.ok(rows.some((r) => /^assets\/Overview-.*\.js$/.test(r.file)), 'the overview chunk is counted');
  assert.ok(rows.some((r) => /\.css$/.test(r.file)), 'stylesheets are counted');
  assert.ok(total > 100 * 1024, `a plausible total (${total})`);
  assert.ok(total <= BUDGET, `first page ${(total / 1024).toFixed(1)} KB gzip > 500 KB`);
});
