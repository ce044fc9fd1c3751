// A CA whose key is an id-RSASSA-PSS SubjectPublicKeyInfo (RFC 4055 §1.2), as `openssl req -newkey rsa-pss` makes
// (review 9, finding 8). Keys from node:crypto (OpenSSL); certificates assembled here, the CA signed by an ECDSA root.
import 'reflect-metadata';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject, RSAPSSKeyPairKeyObjectOptions } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { children, readTlv, whole } from '../../pki/der.ts';
import { NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const len = (n: number) => n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
const cat = (...a: Uint8Array[]) => Uint8Array.from(a.flatMap((x) => [...x]));
const tlv = (tag: number, body: Uint8Array) => Uint8Array.from([tag, ...len(body.length), ...body]);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const SHA256 = hex('300d06096086480165030402010500');
const ECDSA_SHA256 = hex('300a06082a8648ce3d040302');
/** AlgorithmIdentifier id-RSASSA-PSS with SHA-256, MGF1-SHA-256 and `salt` (RFC 4055 §3.1). */
const pssAlg = (salt: number) => tlv(0x30, cat(hex('06092a864886f70d01010a'),
  tlv(0x30, cat(tlv(0xa0, SHA256), tlv(0xa1, tlv(0x30, cat(hex('06092a864886f70d010108'), SHA256))), tlv(0xa2, Uint8Array.from([2, 1, salt]))))));

/** The TBSCertificate of `der` with fields replaced. */
function tbsWith(der: Uint8Array, f: (fields: Uint8Array[]) => void): Uint8Array<ArrayBuffer> {
  const [tbs] = children(der, readTlv(der, 0));
  const fields = children(der, tbs!).map((t) => whole(der, t));
  f(fields);
  return tlv(0x30, cat(...fields));
}

/** SHA-256, MGF1-SHA-256, salt at least 32. @types/node types saltLength as a string; Node takes the number. */
const RESTRICTED = { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256', saltLength: 32 } as unknown as RSAPSSKeyPairKeyObjectOptions;

let root: Issued;
beforeAll(async () => { root = await issue('CN=Root', { ca: true }); });

const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ type: 'spki', format: 'der' }));

/** A CA certificate (signed by the root) for `publicKey`, and a leaf it signs with RSASSA-PSS SHA-256 and `salt`. */
async function chain(spki: Uint8Array, privateKey: KeyObject, salt: number) {
  const template = await issue('CN=PSS CA', { ca: true, issuer: root });
  const caTbs = tbsWith(template.der, (f) => { f[6] = spki; });
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, root.keys.privateKey, caTbs));
  const int = (b: Uint8Array) => { let i = 0; while (i < b.length - 1 && b[i] === 0) i++; const v = b.subarray(i); return tlv(2, v[0]! & 0x80 ? cat(Uint8Array.of(0), v) : v); };
  const ca = tlv(0x30, cat(caTbs, ECDSA_SHA256, tlv(3, cat(Uint8Array.of(0), tlv(0x30, cat(int(raw.subarray(0, 32)), int(raw.subarray(32))))))));
  const leafTbs = tbsWith((await issue('CN=alice', { issuer: template })).der, (f) => { f[2] = pssAlg(salt); });
  const sig = sign('sha256', leafTbs, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt });
  const leaf = tlv(0x30, cat(leafTbs, pssAlg(salt), tlv(3, cat(Uint8Array.of(0), new Uint8Array(sig)))));
  const r = await validatePath({ leaf, intermediates: [ca], anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
  return { codes: r.errors.map((e) => e.code), detail: r.errors[0]?.detail ?? '' };
}

describe('an issuer key labelled id-RSASSA-PSS', () => {
  it('verifies, with or without PSS parameters on the key', async () => {
    const restricted = generateKeyPairSync('rsa-pss', RESTRICTED);
    expect(await chain(spkiOf(restricted.publicKey), restricted.privateKey, 32)).toEqual({ codes: [], detail: '' });
    const open = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expect(await chain(spkiOf(open.publicKey), open.privateKey, 20)).toEqual({ codes: [], detail: '' });
  });

  it('refuses a signature with a salt shorter than the key\'s parameters allow (RFC 4055 §3.1)', async () => {
    // OpenSSL will not sign outside a PSS key's restriction, so the SPKI is written here: a plain RSA key's BIT STRING
    // under id-RSASSA-PSS with SHA-256 and salt 32, and the private key signs with salt 20.
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const plain = spkiOf(rsa.publicKey);
    const [, bits] = children(plain, readTlv(plain, 0));
    const r = await chain(tlv(0x30, cat(pssAlg(32), whole(plain, bits!))), rsa.privateKey, 20);
    expect(r.codes).toEqual(['SIGNATURE_INVALID']);
    expect(r.detail).toContain('outside what the issuer\'s key allows (SHA-256, salt at least 32)');
  });
});
