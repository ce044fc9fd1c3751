// SSH encodings of card keys and card signatures, checked against independent implementations: ssh-keygen
// converts the SPKI (PKCS#8 public PEM) to the OpenSSH blob, node:crypto plays the card's raw signer, and
// ssh-proto's verifier checks the SSH signature blobs. fast-check feeds garbage "card results".
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyAlgorithm } from '../../card/index.ts';
import { verifySignature } from '../../ssh-proto/index.ts';
import { requireExecutable } from '../support/index.ts';
import { IdentityError, plainAlgorithms, signatureFormat, sshPublicKeyBlob, sshSignatureBlob, x509v3Algorithm, x509v3PublicKeyBlob } from '../../identity/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-identity-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS: Record<string, { algorithm: KeyAlgorithm; pair: { publicKey: KeyObject; privateKey: KeyObject } }> = {
  'RSA-2048': { algorithm: 'rsa-2048', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  'P-256': { algorithm: 'p-256', pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  'P-384': { algorithm: 'p-384', pair: generateKeyPairSync('ec', { namedCurve: 'P-384' }) },
  Ed25519: { algorithm: 'ed25519', pair: generateKeyPairSync('ed25519') },
};
const spkiOf = (k: KeyObject) => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
const NODE_HASH = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;

describe('public key blobs', () => {
  it.each(['RSA-2048', 'P-256', 'P-384'])('%s: equal to ssh-keygen -i -m PKCS8', async (name) => {
    const keygen = requireExecutable('/usr/bin/ssh-keygen', 'Debian openssh-client');
    const { algorithm, pair } = KEYS[name]!;
    const pem = join(dir, `${name}.pem`);
    writeFileSync(pem, pair.publicKey.export({ type: 'spki', format: 'pem' }));
    const line = execFileSync(keygen, ['-i', '-m', 'PKCS8', '-f', pem], { encoding: 'utf8' }).trim();
    const blob = await sshPublicKeyBlob(spkiOf(pair.publicKey), algorithm);
    expect(Buffer.from(blob).toString('base64')).toBe(line.split(/\s+/)[1]);
  });

  it('Ed25519: string "ssh-ed25519", string key (RFC 8709 §4; ssh-keygen 9.2 cannot import Ed25519 PKCS8)', async () => {
    const { publicKey } = KEYS.Ed25519!.pair;
    const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const expected = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), x]);
    expect(Buffer.from(await sshPublicKeyBlob(spkiOf(publicKey), 'ed25519')).equals(expected)).toBe(true);
  });

  it('a SPKI that is not the claimed algorithm is a typed KEY_UNSUPPORTED error', async () => {
    await expect(sshPublicKeyBlob(spkiOf(KEYS['P-256']!.pair.publicKey), 'ed25519')).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
    await expect(sshPublicKeyBlob(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]), 'rsa-2048')).rejects.toBeInstanceOf(IdentityError);
  });
});

describe('signature blobs from raw card results verify with ssh-proto', () => {
  const cases = Object.entries(KEYS).flatMap(([name, k]) =>
    [...plainAlgorithms(k.algorithm), x509v3Algorithm(k.algorithm), ...(k.algorithm.startsWith('rsa-') ? ['x509v3-ssh-rsa'] : [])].map((alg) => [name, alg] as const));
  it.each(cases)('%s %s', async (name, alg) => {
    const { algorithm, pair } = KEYS[name]!;
    const data = new TextEncoder().encode(`user-auth data for ${alg}`);
    const format = signatureFormat(alg, { allowSha1: true });
    // The card's raw result: PKCS#1 v1.5, DER ECDSA-Sig-Value (PIV), or 64 bytes of Ed25519.
    const raw = new Uint8Array(nodeSign(format.hash ? NODE_HASH[format.hash] : null, data, pair.privateKey));
    const blob = sshSignatureBlob(format, algorithm, raw);
    const publicKey = await sshPublicKeyBlob(spkiOf(pair.publicKey), algorithm);
    expect(await verifySignature(format.blobName, publicKey, blob, data)).toBe(true);
    expect(await verifySignature(format.blobName, publicKey, blob, new TextEncoder().encode('other data'))).toBe(false);
  });

  it('RFC 6187 §3 names: rsa2048-sha256 inside x509v3-rsa2048-sha256, ecdsa-sha2-* unchanged', () => {
    expect(signatureFormat('x509v3-rsa2048-sha256')).toEqual({ blobName: 'rsa2048-sha256', hash: 'SHA-256', keyKind: 'rsa' });
    expect(signatureFormat('x509v3-ecdsa-sha2-nistp384')).toEqual({ blobName: 'ecdsa-sha2-nistp384', hash: 'SHA-384', keyKind: 'ecdsa' });
    expect(() => signatureFormat('x509v3-ssh-rsa')).toThrow(IdentityError);
    expect(signatureFormat('x509v3-ssh-rsa', { allowSha1: true })).toEqual({ blobName: 'ssh-rsa', hash: 'SHA-1', keyKind: 'rsa' });
    expect(() => signatureFormat('ssh-rsa', { allowSha1: true })).toThrow(/SHA-1/);
    expect(() => signatureFormat('ssh-rsa')).toThrow(/SHA-1/);
  });

  it('garbage card results give SIGNATURE_MALFORMED, never another exception', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom<KeyAlgorithm>('rsa-2048', 'p-256', 'p-384', 'ed25519'), (raw, algorithm) => {
      const format = signatureFormat(plainAlgorithms(algorithm)[0]!);
      try {
        const blob = sshSignatureBlob(format, algorithm, raw);
        expect(blob.length).toBeGreaterThan(raw.length > 0 ? 8 : 0);
      } catch (err) {
        expect(err).toBeInstanceOf(IdentityError);
        expect((err as IdentityError).code).toBe('SIGNATURE_MALFORMED');
      }
    }), { numRuns: 300 });
  });

  it('an algorithm that does not fit the key is refused', () => {
    expect(() => sshSignatureBlob(signatureFormat('ssh-ed25519'), 'p-256', new Uint8Array(64))).toThrow(/cannot make/);
  });
});

describe('RFC 6187 §2.1 public key blob', () => {
  it('string alg, uint32 n, string cert[n], uint32 m, string ocsp[m]', () => {
    const blob = Buffer.from(x509v3PublicKeyBlob('x509v3-ecdsa-sha2-nistp256', [new Uint8Array([1, 2]), new Uint8Array([3])], [new Uint8Array([9])]));
    const expected = Buffer.concat([
      Buffer.from([0, 0, 0, 26]), Buffer.from('x509v3-ecdsa-sha2-nistp256'), Buffer.from([0, 0, 0, 2]),
      Buffer.from([0, 0, 0, 2, 1, 2]), Buffer.from([0, 0, 0, 1, 3]), Buffer.from([0, 0, 0, 1]), Buffer.from([0, 0, 0, 1, 9]),
    ]);
    expect(blob.equals(expected)).toBe(true);
    expect(() => x509v3PublicKeyBlob('x509v3-rsa2048-sha256', [])).toThrow(IdentityError);
  });
});
