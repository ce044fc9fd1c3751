/**
 * An id-RSASSA-PSS SubjectPublicKeyInfo (RFC 4055 §1.2, as `openssl -newkey rsa-pss` makes) re-labelled as
 * rsaEncryption: WebCrypto's importKey('spki') accepts RSA keys only under rsaEncryption (WebCrypto §22.4, "RSA-PSS"
 * import). The RSAPublicKey BIT STRING is kept byte for byte; the PSS restrictions of the key are checked by the caller.
 */
import { children, readTlv, whole } from './der.ts';

/** AlgorithmIdentifier { rsaEncryption, NULL } (RFC 3279 §2.3.1). */
const RSA_ENCRYPTION = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);

function derLength(n: number): number[] {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return n < 0x80 ? [n] : [0x80 | out.length, ...out];
}

/** The same key under rsaEncryption; throws on a SubjectPublicKeyInfo that is not SEQUENCE { AlgorithmIdentifier, BIT STRING }. */
export function rsaEncryptionSpki(spki: Uint8Array): Uint8Array {
  const top = readTlv(spki, 0);
  const [alg, key, extra] = children(spki, top);
  if (top.tag !== 0x30 || !alg || alg.tag !== 0x30 || !key || key.tag !== 0x03 || extra) throw new RangeError('not a SubjectPublicKeyInfo');
  const bits = whole(spki, key);
  const body = new Uint8Array(RSA_ENCRYPTION.length + bits.length);
  body.set(RSA_ENCRYPTION);
  body.set(bits, RSA_ENCRYPTION.length);
  return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
}
