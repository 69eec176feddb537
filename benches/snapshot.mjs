// Signed snapshots as `zailai serve` writes them (docs/snapshot.md: magic, format 5, key id,
// payload length, binary payload, Ed25519 signature), made with a bench key for the benchmarks.
// The CLI encodes the payload (`zailai snapshot encode`); Node signs it.
import { generateKeyPairSync, sign } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The payload object in the binary form, by the CLI (built when missing). */
function encodePayload(payloadObject) {
  execFileSync('cargo', ['build', '-q', '-p', 'zailai-server', '--bin', 'zailai'], { cwd: root, stdio: 'inherit' });
  const out = execFileSync(join(root, 'target', 'debug', 'zailai'), ['snapshot', 'encode'], { input: JSON.stringify(payloadObject), encoding: 'utf8' });
  return Buffer.from(out.trim(), 'base64');
}

/** A rule file (object) in the binary form clients take (`zailai rules encode`), base64. */
export function encodeRules(config) {
  execFileSync('cargo', ['build', '-q', '-p', 'zailai-server', '--bin', 'zailai'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'zailai-bench-rules-'));
  try {
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(config));
    return execFileSync(join(root, 'target', 'debug', 'zailai'), ['rules', 'encode', '--config', join(dir, 'rules.json')], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bench signer: `keys` ([{id, public}] to trust) and `sign(payload)` → {signed, signature, base64}. */
export function benchSigner(id = 'bench') {
  const keyPair = generateKeyPairSync('ed25519');
  const publicBytes = Buffer.from(keyPair.publicKey.export({ format: 'jwk' }).x, 'base64url');
  const kid = Buffer.from(id);
  return {
    publicBytes,
    keys: [{ id, public: publicBytes.toString('base64') }],
    sign(payloadObject) {
      const payload = encodePayload(payloadObject);
      const head = Buffer.alloc(10 + kid.length);
      head.write('ZLSN', 0);
      head[4] = 5; // the snapshot format (docs/snapshot.md; the state binary inside is v4)
      head[5] = kid.length;
      kid.copy(head, 6);
      head.writeUInt32BE(payload.length, 6 + kid.length);
      const signed = Buffer.concat([head, payload]);
      const signature = sign(null, signed, keyPair.privateKey);
      return { payload, signed, signature, base64: Buffer.concat([signed, signature]).toString('base64') };
    },
  };
}
