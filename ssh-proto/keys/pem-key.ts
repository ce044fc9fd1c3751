// Unencrypted PEM private keys, as `ssh-keygen -m PEM` / `-m PKCS8` and OpenSSL write them:
//   "RSA PRIVATE KEY" RFC 8017 §A.1.2 RSAPrivateKey, "EC PRIVATE KEY" RFC 5915 §3 ECPrivateKey,
//   "PRIVATE KEY" RFC 5208 §5 PrivateKeyInfo wrapping either, or an Ed25519 seed (RFC 8410 §7).
// Encrypted PEM (legacy Proc-Type or PKCS#8 EncryptedPrivateKeyInfo) is refused with a conversion hint.
import { ed25519PublicFromSeed } from '../crypto/index.ts';
import { fromBase64 } from './base64.ts';
import { KeyError } from './errors.ts';
import { ECDSA_PARAMS, type EcdsaKeyType } from './public-key.ts';
import { ecdsaSoftwareKey, ed25519SoftwareKey, rsaSoftwareKey, type SoftwareKey } from './software-key.ts';

interface Der { tag: number; value: Uint8Array }

/** Minimal DER reader: definite lengths only, every read bounds-checked. */
class DerReader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  get done(): boolean { return this.at >= this.b.length; }
  next(): Der {
    const tag = this.byte();
    let len = this.byte();
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw bad();
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.byte();
    }
    if (this.at + len > this.b.length) throw bad();
    const value = this.b.subarray(this.at, this.at + len);
    this.at += len;
    return { tag, value };
  }
  expect(tag: number): Uint8Array {
    const d = this.next();
    if (d.tag !== tag) throw bad();
    return d.value;
  }
  private byte(): number {
    const x = this.b[this.at++];
    if (x === undefined) throw bad();
    return x;
  }
}

const bad = () => new KeyError('KEY_MALFORMED', 'The PEM private key is not valid DER.');
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;

/** An INTEGER's magnitude without the sign byte. */
function uint(v: Uint8Array): Uint8Array {
  return v.length > 1 && v[0] === 0 ? v.subarray(1) : v;
}

const oidHex = (v: Uint8Array) => Array.from(v, (x) => x.toString(16).padStart(2, '0')).join('');
const OID_RSA = '2a864886f70d010101'; // 1.2.840.113549.1.1.1
const OID_EC = '2a8648ce3d0201'; // 1.2.840.10045.2.1
const OID_ED25519 = '2b6570'; // 1.3.101.112
const CURVES: Record<string, EcdsaKeyType> = {
  '2a8648ce3d030107': 'ecdsa-sha2-nistp256', // 1.2.840.10045.3.1.7
  '2b81040022': 'ecdsa-sha2-nistp384', // 1.3.132.0.34
  '2b81040023': 'ecdsa-sha2-nistp521', // 1.3.132.0.35
};

async function rsaFromPkcs1(der: Uint8Array, comment: string): Promise<SoftwareKey> {
  const r = new DerReader(new DerReader(der).expect(SEQUENCE));
  if (oidHex(r.expect(INTEGER)) !== '00') throw new KeyError('KEY_UNSUPPORTED', 'Multi-prime RSA keys are not supported.');
  const [n, e, d, p, q] = [0, 1, 2, 3, 4].map(() => uint(r.expect(INTEGER))) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  r.expect(INTEGER); // d mod (p-1)
  r.expect(INTEGER); // d mod (q-1)
  const iqmp = uint(r.expect(INTEGER));
  const bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0] ?? 0));
  return rsaSoftwareKey({ type: 'ssh-rsa', n: n.slice(), e: e.slice(), bits }, { d, p, q, iqmp }, comment);
}

async function ecFromSec1(der: Uint8Array, curveOid: string | undefined, comment: string): Promise<SoftwareKey> {
  const r = new DerReader(new DerReader(der).expect(SEQUENCE));
  if (oidHex(r.expect(INTEGER)) !== '01') throw bad();
  const d = r.expect(OCTET_STRING);
  let curve = curveOid;
  let point: Uint8Array | undefined;
  while (!r.done) {
    const f = r.next();
    if (f.tag === 0xa0) curve = oidHex(new DerReader(f.value).expect(OID));
    if (f.tag === 0xa1) point = new DerReader(f.value).expect(0x03).subarray(1); // BIT STRING: skip the unused-bits byte
  }
  const type = curve === undefined ? undefined : CURVES[curve];
  if (!type) throw new KeyError('KEY_UNSUPPORTED', 'Only EC keys on P-256, P-384 and P-521 are supported.');
  if (!point) throw new KeyError('KEY_UNSUPPORTED', 'The EC private key lacks its public point; convert it with "ssh-keygen -p -f KEY".');
  const p = ECDSA_PARAMS[type];
  if (point.length !== 1 + 2 * p.fieldBytes || point[0] !== 4) throw bad();
  return ecdsaSoftwareKey({ type, curveName: p.curveName, curve: p.curve, point: point.slice() }, d, comment);
}

async function fromPkcs8(der: Uint8Array, comment: string): Promise<SoftwareKey> {
  const r = new DerReader(new DerReader(der).expect(SEQUENCE));
  r.expect(INTEGER);
  const alg = new DerReader(r.expect(SEQUENCE));
  const oid = oidHex(alg.expect(OID));
  const inner = r.expect(OCTET_STRING);
  if (oid === OID_RSA) return rsaFromPkcs1(inner, comment);
  if (oid === OID_EC) return ecFromSec1(inner, oidHex(alg.expect(OID)), comment);
  if (oid === OID_ED25519) {
    const seed = new DerReader(inner).expect(OCTET_STRING);
    if (seed.length !== 32) throw bad();
    const pub = await ed25519PublicFromSeed(seed);
    const sk = new Uint8Array(64);
    sk.set(seed);
    sk.set(pub, 32);
    return ed25519SoftwareKey({ type: 'ssh-ed25519', key: pub }, sk, comment);
  }
  throw new KeyError('KEY_UNSUPPORTED', 'This PKCS#8 key type is not supported (RSA, EC P-256/384/521 and Ed25519 are).');
}

/** Parses an unencrypted PEM private key; undefined when `text` holds no PEM private key block. */
export async function parsePemPrivateKey(text: string, comment = ''): Promise<SoftwareKey | undefined> {
  const m = /-----BEGIN (RSA |EC |ENCRYPTED |)PRIVATE KEY-----([\s\S]*?)-----END \1PRIVATE KEY-----/.exec(text);
  if (!m) return undefined;
  const kind = m[1]!;
  const body = m[2]!;
  if (kind === 'ENCRYPTED ' || /Proc-Type:\s*4,ENCRYPTED/.test(body)) {
    throw new KeyError('KEY_UNSUPPORTED', 'Encrypted PEM keys are not supported; convert with "ssh-keygen -p -f KEY" (it writes the OpenSSH format).');
  }
  const der = fromBase64(body.replace(/\s+/g, ''), 'PEM private key');
  try {
    if (kind === 'RSA ') return await rsaFromPkcs1(der, comment);
    if (kind === 'EC ') return await ecFromSec1(der, undefined, comment);
    return await fromPkcs8(der, comment);
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw new KeyError('KEY_MALFORMED', 'The PEM private key is malformed.', { cause });
  }
}
