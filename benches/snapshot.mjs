// Signed snapshots as `zailai serve` writes them (docs/snapshot.md: magic, format, key id,
// payload length, JSON payload, Ed25519 signature), made with a bench key for the benchmarks.
import { generateKeyPairSync, sign } from 'node:crypto';

/** A bench signer: `keys` ([{id, public}] to trust) and `sign(payload)` → {signed, signature, base64}. */
export function benchSigner(id = 'bench') {
  const keyPair = generateKeyPairSync('ed25519');
  const publicBytes = Buffer.from(keyPair.publicKey.export({ format: 'jwk' }).x, 'base64url');
  const kid = Buffer.from(id);
  return {
    publicBytes,
    keys: [{ id, public: publicBytes.toString('base64') }],
    sign(payloadObject) {
      const payload = Buffer.from(JSON.stringify(payloadObject));
      const head = Buffer.alloc(10 + kid.length);
      head.write('ZLSN', 0);
      head[4] = 1;
      head[5] = kid.length;
      kid.copy(head, 6);
      head.writeUInt32BE(payload.length, 6 + kid.length);
      const signed = Buffer.concat([head, payload]);
      const signature = sign(null, signed, keyPair.privateKey);
      return { payload, signed, signature, base64: Buffer.concat([signed, signature]).toString('base64') };
    },
  };
}
