// EMSA-PKCS1-v1_5 (RFC 8017 §9.2) against node:crypto: the encoded message OpenSSL signs, recovered with raw RSA,
// equals ours for every DigestInfo, SHA-1 included (§9.2 note 1, for RFC 6187 x509v3-ssh-rsa when policy allows).
import { constants, createHash, generateKeyPairSync, publicDecrypt, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CardInputError } from './errors.ts';
import type { HashName } from './key-algorithm.ts';
import { digestInfo, emsaPkcs1v15 } from './pkcs1.ts';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const NODE: Record<HashName, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

describe('EMSA-PKCS1-v1_5 DigestInfo', () => {
  it.each(Object.keys(NODE) as HashName[])('%s: the message OpenSSL signs', (hash) => {
    const data = Buffer.from(`data for ${hash}`);
    const em = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, sign(NODE[hash], data, privateKey));
    const digest = createHash(NODE[hash]).update(data).digest();
    expect(Buffer.from(emsaPkcs1v15(hash, new Uint8Array(digest), 256))).toEqual(em);
  });

  it('a digest of the wrong length is refused', () => {
    expect(() => digestInfo('SHA-1', new Uint8Array(32))).toThrow(CardInputError);
  });
});
