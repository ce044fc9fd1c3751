// Candidate issuers that crowd out the right one. The leaves here have no authorityKeyIdentifier, so path building
// cannot rank the right CA first (RFC 4158 §3.5.12), and tries the candidates in the order given.
// Before: 32 copies of one wrong certificate used up maxPaths (32), the right CA was never tried, and the verdict
// was the wrong path's SIGNATURE_INVALID, with nothing saying the search had been cut.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { DAY_MS, NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let right: Issued;
let leafDer: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Crowd Root', { ca: true });
  right = await issue('CN=Crowd CA', { ca: true, issuer: root });
  const keys = (await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '0badbeef', subject: 'CN=no key id', issuer: 'CN=Crowd CA',
    notBefore: new Date(NOW.getTime() - DAY_MS), notAfter: new Date(NOW.getTime() + DAY_MS),
    publicKey: keys.publicKey, signingKey: right.keys.privateKey, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  leafDer = new Uint8Array(leaf.rawData);
});

describe('many candidate issuers for one certificate', () => {
  it('counts a certificate given many times once, and finds the right CA after 40 copies of a wrong one', async () => {
    const wrong = await issue('CN=Crowd CA', { ca: true, issuer: root });
    const r = await validatePath({
      leaf: leafDer, intermediates: [...Array.from({ length: 40 }, () => wrong.der), right.der], anchors: [root.der, root.der], time: NOW, revocation: { mode: 'off' },
    });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });

  it('says the search was cut when 40 different wrong CAs use up the candidate paths', async () => {
    const wrong = await Promise.all(Array.from({ length: 40 }, () => issue('CN=Crowd CA', { ca: true, issuer: root })));
    const r = await validatePath({
      leaf: leafDer, intermediates: [...wrong.map((c) => c.der), right.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' },
    });
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID', 'PATH_WORK_LIMIT']);
    expect(r.errors[1]?.detail).toBe('Path building for "no key id" stopped at its work limit (32 candidate paths, 2000 steps); other paths were not tried.');
    // With room for every candidate, the right CA is found.
    const roomy = await validatePath({
      leaf: leafDer, intermediates: [...wrong.map((c) => c.der), right.der], anchors: [root.der], time: NOW, revocation: { mode: 'off' }, policy: { limits: { maxPaths: 64 } },
    });
    expect(roomy.valid).toBe(true);
  }, 60_000);
});
