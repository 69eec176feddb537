// Starting the real `zailai serve` binary on 127.0.0.1 and talking to it, for the JS tests.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const { createPublicKey, verify } = require('node:crypto');
const { mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');

const cli = process.env.ZAILAI_BIN || join(root, 'target', 'debug', 'zailai');
/** Starts `zailai serve` on a free loopback port (or `addr`); `dataDir` to restart over the
 * same data. A dev server (`--dev`) makes its own admin and merchant tokens and prints them:
 * they come back as `admin` and `merchant`. */
function startServer(args, { dataDir = mkdtempSync(join(tmpdir(), 'zailai-serve-')), env = {}, addr = '127.0.0.1:0' } = {}) {
  const child = spawn(cli, ['serve', '--addr', addr, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const tokens = /dev admin token: +(\S+)\n +dev merchant token: +(\S+)\n/.exec(out);
      const done = () => resolve({ url: m[1], child, dataDir, stderr: () => err, stdout: () => out, admin: tokens?.[1], merchant: tokens?.[2] });
      // A build from before dev tokens prints none (scripts/attacker-before-after.sh runs one).
      if (m && (tokens || !args.includes('--dev'))) done();
      else if (m) setTimeout(done, 1000);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

/** A local stand-in for WeChat's code2session: the code `code-NAME` logs in openid `NAME`.
 * With it, a production server (no --dev) can run in a test. */
async function fakeWeChat() {
  const server = require('node:http').createServer((req, res) => {
    const code = new URL(req.url, 'http://x').searchParams.get('js_code') || '';
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(code.startsWith('code-') ? { openid: code.slice(5), session_key: 'k' } : { errcode: 40029, errmsg: 'invalid code' }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  // What `startServer` needs to log in through it (the secrets as a deployment passes them).
  const args = ['--wechat-appid', 'wx-test', '--wechat-api', url];
  const env = { ZAILAI_WECHAT_SECRET: 'app-secret', ZAILAI_LOTTERY_SECRET: '5a'.repeat(32) };
  return { args, env, close: () => server.close() };
}

/** Waits (up to 2 s) until the server's stderr holds `count` lines that `match`, and returns
 * them: a line written before a response may reach us after it, through another pipe. */
async function stderrLines(stderr, match, count) {
  const lines = () => stderr().split('\n').filter(match);
  for (let waited = 0; lines().length < count && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return lines();
}

async function call(base, path, { method = 'GET', token, body, headers: extra } = {}) {
  const headers = { 'content-type': 'application/json', ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** Verifies snapshot bytes' Ed25519 signature with node:crypto and returns the payload. */
function openSnapshot(b64, keys) {
  const bytes = Buffer.from(b64, 'base64');
  assert.equal(bytes.subarray(0, 4).toString(), 'ZLSN');
  const idLen = bytes[5];
  const id = bytes.subarray(6, 6 + idLen).toString();
  const len = bytes.readUInt32BE(6 + idLen);
  const signedEnd = 10 + idLen + len;
  assert.equal(bytes.length, signedEnd + 64);
  const key = keys.find((k) => k.id === id);
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.public, 'base64').toString('base64url') }, format: 'jwk' });
  assert.ok(verify(null, bytes.subarray(0, signedEnd), publicKey, bytes.subarray(signedEnd)), 'signature verifies');
  assert.equal(bytes[4], 5, 'snapshot format 5: a binary payload (state v4)');
  // Node's crypto checked the signature; the CLI reads the binary payload for the test.
  const shown = JSON.parse(require('node:child_process').execFileSync(cli, ['snapshot', 'show'], { input: b64, encoding: 'utf8' }));
  assert.equal(shown.key_id, id);
  return shown.payload;
}

/** Registers a device as a first launch does (`POST /v1/device`): {device, secret,
 * registeredAt}, or null from a build before registrations (its 404), which takes pushes from
 * any device id. */
async function registerDevice(url) {
  const res = await call(url, '/v1/device', { method: 'POST', body: {} });
  if (res.status === 404) return null;
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return { device: res.json.device, secret: res.json.secret, registeredAt: res.json.registered_at };
}

/** Moves a device's registration `ms` into the past in the server's SQLite database (the
 * sqlite3 shell; scripts/ensure-system.sh installs it): an end-to-end test cannot move the
 * server's clock, and an offline week needs a device first seen a week ago. */
function backdateDevice(dataDir, device, ms) {
  assert.match(device, /^[0-9a-z]+$/);
  const sql = `UPDATE devices SET registered_at = registered_at - ${Math.round(ms)} WHERE device = '${device}';`;
  const run = require('node:child_process').spawnSync('sqlite3', ['-cmd', '.timeout 10000', join(dataDir, 'zailai.db'), sql], { encoding: 'utf8' });
  assert.equal(run.status, 0, `sqlite3: ${run.error || run.stderr}`);
}

/**
 * `POST /v1/sync` the way a registered device pushes: `push(token, name, ops, extra)` sends
 * `ops` (their `device` fields the test's `name`) from the device registered for (token, name)
 * on first use, with its secret. `extra` adds body fields (`invited_by`, `base_version`) and
 * `registeredBefore` (ms: the registration is backdated that far on first use; needs
 * `dataDir`; a default for every device as an option of `pusher`). Names over 64 bytes go as
 * they are (the server refuses them before any device).
 */
function pusher(url, { formats = [5], dataDir, registeredBefore: before } = {}) {
  const devices = new Map();
  const push = async (token, name, ops, { registeredBefore = before, ...extra } = {}) => {
    const key = `${token}\n${name}`;
    if (!devices.has(key)) {
      const reg = Buffer.byteLength(name) <= 64 ? await registerDevice(url) : null;
      if (reg && registeredBefore) backdateDevice(dataDir, reg.device, registeredBefore);
      devices.set(key, reg);
    }
    const reg = devices.get(key);
    const device = reg ? reg.device : name;
    const body = { protocol: 1, device, base_version: 0, snapshot_formats: formats, ops: ops.map((o) => (o.device === name ? { ...o, device } : o)), ...extra };
    return call(url, '/v1/sync', { method: 'POST', token, body, headers: reg ? { 'x-device-secret': reg.secret } : {} });
  };
  /** The id the server gave the device a test calls `name` (after its first push). */
  push.id = (token, name) => (devices.get(`${token}\n${name}`) || { device: name }).device;
  return push;
}

/** A free loopback port (for a server that must be started on a known one). */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A load balancer: each request goes to the next upstream in turn; a dead one is skipped
 * (connection refused), as a proxy with health checks would. */
function balancer(ports) {
  let next = 0;
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    for (let tries = 0; tries < ports.length; tries++) {
      const port = ports[next++ % ports.length];
      try {
        const up = await fetch(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers: { ...req.headers, host: `127.0.0.1:${port}` }, body });
        const out = Buffer.from(await up.arrayBuffer());
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') || 'application/json' });
        return res.end(out);
      } catch (_) {
        // this one is down (or died mid-request): the next one
      }
    }
    res.writeHead(502).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

module.exports = { freePort, balancer, cli, startServer, fakeWeChat, stderrLines, call, openSnapshot, registerDevice, backdateDevice, pusher };
