// RSA keys under 2048 bits are refused for certificate and CRL signatures (pki/signature.ts MIN_RSA_BITS; review 9,
// finding 3). WebCrypto itself imports RSA-512 and RSA-1024 keys, so the check is ours.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { KU, OID, validatePath } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { Issued, KeyAlgorithm } from './test-pki.ts';

const rsa = (bits: number): KeyAlgorithm => ({
  generate: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams,
  sign: { name: 'RSASSA-PKCS1-v1_5' },
});
const pss = (bits: number): KeyAlgorithm => ({
  generate: { name: 'RSA-PSS', hash: 'SHA-256', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) } as RsaHashedKeyGenParams,
  sign: { name: 'RSA-PSS', saltLength: 20 } as RsaPssParams, // fits RSA-512 (at most 30 bytes with SHA-256)
});

describe('minimum RSA key size', () => {
  for (const [name, alg] of [['PKCS#1 v1.5', rsa], ['PSS', pss]] as const) {
    for (const bits of [512, 1024]) {
      it(`refuses a certificate signed by an RSA-${bits} CA (${name}) as SIGNATURE_ALGORITHM_WEAK`, async () => {
        const root = await issue('CN=Root', { ca: true });
        const ca = await issue(`CN=RSA-${bits} CA`, { ca: true, issuer: root, keyAlgorithm: alg(bits) });
        const leaf = await issue('CN=alice', { issuer: ca, signAlgorithm: alg(bits).sign });
        const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
        expect(r.errors).toEqual([{ code: 'SIGNATURE_ALGORITHM_WEAK', certIndex: 0, detail: expect.stringContaining(`${bits}-bit RSA key`) as string }]);
      });
    }
    it(`accepts an RSA-2048 CA (${name})`, async () => {
      const root = await issue('CN=Root', { ca: true });
      const ca = await issue('CN=RSA-2048 CA', { ca: true, issuer: root, keyAlgorithm: alg(2048) });
      const leaf = await issue('CN=alice', { issuer: ca, signAlgorithm: alg(2048).sign });
      expect((await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' } })).errors).toEqual([]);
    });
  }

  it('does not use a CRL signed with an RSA-1024 key (the CA\'s separate CRL-signing key, RFC 5280 §6.3.3 (f))', async () => {
    const root = await issue('CN=Root', { ca: true });
    const ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
    const leaf = await issue('CN=alice', { issuer: ca });
    const rootCrl = (await crl(root)).der;
    const run = async (bits: number) => {
      const signer: Issued = await issue('CN=Issuing CA', { issuer: root, keyAlgorithm: rsa(bits), keyUsage: KU.cRLSign });
      const c = await x509.X509CrlGenerator.create({
        issuer: signer.cert.subject, thisUpdate: new Date(NOW.getTime() - DAY_MS), nextUpdate: new Date(NOW.getTime() + DAY_MS),
        entries: [], signingAlgorithm: rsa(bits).sign, signingKey: signer.keys.privateKey,
      });
      return validatePath({ leaf: leaf.der, intermediates: [ca.der, signer.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl, new Uint8Array(c.rawData)] } });
    };
    expect((await run(2048)).errors).toEqual([]);
    const weak = await run(1024);
    expect(weak.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
  });

  it('does not use an OCSP response signed by an RSA-1024 delegated responder', async () => {
    const root = await issue('CN=Root', { ca: true });
    const ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
    const leaf = await issue('CN=alice', { issuer: ca });
    const nocheck = new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00]));
    const run = async (bits: number) => {
      const responder = await issue(`CN=RSA-${bits} Responder`, { issuer: ca, keyAlgorithm: rsa(bits), eku: [OID.kpOcspSigning], extra: [nocheck] });
      return validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
        revocation: { mode: 'require', crls: [(await crl(root)).der], ocspResponses: [await ocspResponse(leaf, ca, { status: 'good', responder })] } });
    };
    expect((await run(2048)).errors).toEqual([]);
    const weak = await run(1024);
    expect(weak.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(weak.errors[0]?.detail).toContain('1024-bit RSA key');
  });
});
