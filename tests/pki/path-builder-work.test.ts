// Path building in a large hostile pool (an RFC 6187 server sends whatever certificates it likes): 30 same-named CAs
// all certifying each other (870 certificates) took 16 s of the page's one thread to reach the work limit, because
// each of the 2 000 steps looked through the whole pool and rebuilt each candidate's key string. The work is counted
// here by reading the certificates' subject names, not timed: a step may now look only at the issuer's candidates.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { parseCertificate, validatePath } from '../../pki/index.ts';
import type { Certificate } from '../../pki/index.ts';
import { DAY_MS, NOW, issue } from './test-pki.ts';

const EC = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN = { name: 'ECDSA', hash: 'SHA-256' };

/** `cert`, counting each read of its subject name in `reads`. */
function counted(cert: Certificate, reads: { n: number }): Certificate {
  const { subject } = cert;
  const copy = { ...cert };
  Object.defineProperty(copy, 'subject', { get: () => { reads.n++; return subject; }, enumerable: true });
  return copy;
}

describe('path building in a pool of same-named cross-certificates', () => {
  it('looks at each pool certificate a bounded number of times, and stops at the work limit', async () => {
    const keys = await Promise.all(Array.from({ length: 12 }, () => globalThis.crypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<CryptoKeyPair>));
    const window = { notBefore: new Date(NOW.getTime() - DAY_MS), notAfter: new Date(NOW.getTime() + DAY_MS) };
    const reads = { n: 0 };
    const pool: Certificate[] = [];
    let serial = 1;
    for (const a of keys) {
      for (const b of keys) {
        if (a === b) continue;
        const c = await x509.X509CertificateGenerator.create({
          serialNumber: (serial++).toString(16).padStart(4, '0'), subject: 'CN=Hydra', issuer: 'CN=Hydra', ...window,
          publicKey: b.publicKey, signingKey: a.privateKey, signingAlgorithm: SIGN, extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
        });
        pool.push(counted(parseCertificate(new Uint8Array(c.rawData)), reads));
      }
    }
    const [k0, k1] = keys as [CryptoKeyPair, CryptoKeyPair];
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: 'ffff', subject: 'CN=victim', issuer: 'CN=Hydra', ...window, publicKey: k1.publicKey, signingKey: k0.privateKey, signingAlgorithm: SIGN,
    });
    const root = await issue('CN=Unrelated Root', { ca: true });
    const r = await validatePath({ leaf: new Uint8Array(leaf.rawData), intermediates: pool, anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
    expect(r.errors.map((e) => e.code)).toEqual(['PATH_WORK_LIMIT']);
    // 132 certificates, 2 000 steps: before, over 250 000 reads (every certificate at every step).
    expect(reads.n).toBeLessThanOrEqual(3 * pool.length);
  }, 120_000);
});
