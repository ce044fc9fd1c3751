// RFC 6187 x509v3-* keys: certificates made with @peculiar/x509, signatures made by node:crypto (an independent
// signer), verified through verifySignature as the transport does for the exchange hash.
import 'reflect-metadata';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SshWriter } from '../wire/index.ts';
import { KeyError } from './errors.ts';
import { encodeSignatureBlob } from './signature.ts';
import { verifySignature } from './verify.ts';
import { certificatePublicKey } from './certificate-public-key.ts';
import { parseX509v3Key, x509v3SigningKey } from './x509v3-key.ts';

x509.cryptoProvider.set(globalThis.crypto);

interface Made { der: Uint8Array; pkcs8: Buffer }

async function certFor(generate: Algorithm | EcKeyGenParams | RsaHashedKeyGenParams): Promise<Made> {
  const keys = await crypto.subtle.generateKey(generate, true, ['sign', 'verify']) as CryptoKeyPair;
  const signingAlgorithm = generate.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : generate;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=host.example', notBefore: new Date('2026-01-01'), notAfter: new Date('2027-01-01'), keys, signingAlgorithm,
  });
  return { der: new Uint8Array(cert.rawData), pkcs8: Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

const rsa = (bits: number): RsaHashedKeyGenParams => ({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) });

function blob(algorithm: string, certs: readonly Uint8Array[], ocsp: readonly Uint8Array[] = []): Uint8Array {
  const w = new SshWriter().string(algorithm).uint32(certs.length);
  for (const c of certs) w.string(c);
  w.uint32(ocsp.length);
  for (const o of ocsp) w.string(o);
  return w.toBytes();
}

/** The SSH signature blob node:crypto makes for `name` (RFC 6187 §3; ECDSA as RFC 5656 §3.1.2 mpints). */
function sshSignature(name: string, made: Made, data: Uint8Array): Uint8Array {
  const key = createPrivateKey({ key: made.pkcs8, format: 'der', type: 'pkcs8' });
  if (name.startsWith('ecdsa-')) {
    const hash = { 'ecdsa-sha2-nistp256': 'sha256', 'ecdsa-sha2-nistp384': 'sha384', 'ecdsa-sha2-nistp521': 'sha512' }[name]!;
    const raw = nodeSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
    const half = raw.length / 2;
    return encodeSignatureBlob(name, new SshWriter().mpintBytes(raw.subarray(0, half)).mpintBytes(raw.subarray(half)).toBytes());
  }
  if (name === 'ssh-ed25519') return encodeSignatureBlob(name, nodeSign(null, data, key));
  return encodeSignatureBlob(name, nodeSign(name === 'ssh-rsa' ? 'sha1' : 'sha256', data, key));
}

const H = new TextEncoder().encode('exchange hash H');

describe('x509v3-* signatures (RFC 6187 §3) by the leaf certificate key', () => {
  const cases = [
    ['x509v3-ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256', { name: 'ECDSA', namedCurve: 'P-256' }],
    ['x509v3-ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384', { name: 'ECDSA', namedCurve: 'P-384' }],
    ['x509v3-ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521', { name: 'ECDSA', namedCurve: 'P-521' }],
    ['x509v3-ssh-ed25519', 'ssh-ed25519', { name: 'Ed25519' }],
    ['x509v3-rsa2048-sha256', 'rsa2048-sha256', rsa(2048)],
    ['x509v3-ssh-rsa', 'ssh-rsa', rsa(2048)],
  ] as const;

  it.each(cases)('%s verifies a "%s" signature and refuses a wrong one', { timeout: 20_000 }, async (algorithm, sigName, generate) => {
    const made = await certFor(generate);
    const key = blob(algorithm, [made.der], [new Uint8Array([0x30, 0])]);
    const sig = sshSignature(sigName, made, H);
    await expect(verifySignature(algorithm, key, sig, H)).resolves.toBe(true);
    await expect(verifySignature(algorithm, key, sig, new TextEncoder().encode('another H'))).resolves.toBe(false);
    // The plain algorithm's name inside the blob is required exactly (no x509v3- prefix, no other hash).
    await expect(verifySignature(algorithm, key, encodeSignatureBlob(algorithm, new Uint8Array(8)), H)).resolves.toBe(false);
  });

  it('x509v3-rsa2048-sha256 refuses rsa-sha2-256 and ssh-rsa signature names, and keys under 2048 bits', { timeout: 20_000 }, async () => {
    const made = await certFor(rsa(2048));
    const key = blob('x509v3-rsa2048-sha256', [made.der]);
    const sig = sshSignature('rsa2048-sha256', made, H);
    const renamed = (name: string) => encodeSignatureBlob(name, sig.subarray(4 + 14 + 4));
    await expect(verifySignature('x509v3-rsa2048-sha256', key, renamed('rsa-sha2-256'), H)).resolves.toBe(false);
    await expect(verifySignature('x509v3-rsa2048-sha256', key, renamed('ssh-rsa'), H)).resolves.toBe(false);
    const small = await certFor(rsa(1024));
    const err = await verifySignature('x509v3-rsa2048-sha256', blob('x509v3-rsa2048-sha256', [small.der]), sshSignature('rsa2048-sha256', small, H), H)
      .then(() => undefined, (e: unknown) => e) as KeyError;
    expect(err).toBeInstanceOf(KeyError);
    expect(err.code).toBe('KEY_UNSUPPORTED');
  });

  it('the blob must name the negotiated algorithm and certify a key of its type', { timeout: 20_000 }, async () => {
    const p256 = await certFor({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);
    const sig = sshSignature('ecdsa-sha2-nistp256', p256, H);
    await expect(verifySignature('x509v3-ecdsa-sha2-nistp384', blob('x509v3-ecdsa-sha2-nistp384', [p256.der]), sig, H))
      .rejects.toMatchObject({ code: 'SIGNATURE_ALGORITHM_MISMATCH' });
    await expect(verifySignature('x509v3-ecdsa-sha2-nistp384', blob('x509v3-ecdsa-sha2-nistp256', [p256.der]), sig, H))
      .rejects.toMatchObject({ code: 'SIGNATURE_ALGORITHM_MISMATCH' });
    await expect(verifySignature('x509v3-ecdsa-sha2-nistp256', blob('x509v3-ecdsa-sha2-nistp256', []), sig, H))
      .rejects.toMatchObject({ code: 'KEY_MALFORMED' });
    expect((await x509v3SigningKey(blob('x509v3-ecdsa-sha2-nistp256', [p256.der]))).key.type).toBe('ecdsa-sha2-nistp256');
  });

  it('parses the §2.1 layout: chain leaf first, OCSP responses after', () => {
    const parsed = parseX509v3Key(blob('x509v3-ssh-ed25519', [new Uint8Array([1]), new Uint8Array([2, 3])], [new Uint8Array([4])]));
    expect(parsed).toEqual({ algorithm: 'x509v3-ssh-ed25519', certificates: [new Uint8Array([1]), new Uint8Array([2, 3])], ocspResponses: [new Uint8Array([4])] });
  });

  it('hostile blobs and certificates give KeyError, never another exception', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      for (const f of [async () => parseX509v3Key(bytes), async () => certificatePublicKey(bytes), () => x509v3SigningKey(blob('x509v3-ssh-ed25519', [bytes]))]) {
        try { await f(); } catch (err) { expect(err).toBeInstanceOf(KeyError); }
      }
    }), { numRuns: 500 });
  });
});
