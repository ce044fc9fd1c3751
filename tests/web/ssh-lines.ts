// OpenSSH authorized_keys lines for card keys, built with node:crypto (an encoder independent of identity/'s).
import { createPublicKey } from 'node:crypto';

/** "ecdsa-sha2-nistp256 AAAA..." for a P-256 SubjectPublicKeyInfo (RFC 5656 §3.1). */
export function sshP256Line(spki: Uint8Array): string {
  const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
  const str = (b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return `ecdsa-sha2-nistp256 ${Buffer.concat([str(Buffer.from('ecdsa-sha2-nistp256')), str(Buffer.from('nistp256')), str(point)]).toString('base64')}`;
}
