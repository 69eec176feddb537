// Starting the real `zailai serve` binary on 127.0.0.1 and talking to it, for the JS tests.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { createPublicKey, verify } = require('node:crypto');
const { mkdtempSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { root } = require('./helpers.js');

const cli = process.env.ZAILAI_BIN || join(root, 'target', 'debug', 'zailai');
/** The admin token the test servers run with (the server refuses one under 16 characters). */
const ADMIN = 'test-admin-token-0123456789';

/** Starts `zailai serve` on a free loopback port (or `addr`); `dataDir` to restart over the
 * same data. */
function startServer(args, { dataDir = mkdtempSync(join(tmpdir(), 'zailai-serve-')), env = {}, addr = '127.0.0.1:0' } = {}) {
  const child = spawn(cli, ['serve', '--addr', addr, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], child, dataDir, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

async function call(base, path, { method = 'GET', token, body } = {}) {
  const headers = { 'content-type': 'application/json' };
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
  assert.equal(bytes[4], 3, 'snapshot format 3: a binary payload (state v2)');
  // Node's crypto checked the signature; the CLI reads the binary payload for the test.
  const shown = JSON.parse(require('node:child_process').execFileSync(cli, ['snapshot', 'show'], { input: b64, encoding: 'utf8' }));
  assert.equal(shown.key_id, id);
  return shown.payload;
}

module.exports = { ADMIN, cli, startServer, call, openSnapshot };
