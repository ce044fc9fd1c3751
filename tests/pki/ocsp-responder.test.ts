// Delegated OCSP responder certificates (RFC 6960 §4.2.2.2, §4.2.2.2.1; review 9, finding 4): id-kp-OCSPSigning,
// issued by the CA, keyUsage digitalSignature when present, no unknown critical extension, and, unless marked
// id-pkix-ocsp-nocheck, not revoked on the CRL at hand (unknown refuses it under require).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { OID, validatePath } from '../../pki/index.ts';
import type { RevocationMode } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { CertOptions, Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;
const NOCHECK = new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00]));

beforeAll(async () => {
  root = await issue('CN=Root', { ca: true });
  ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

async function run(leaf: Issued, responder: Issued, crls: Uint8Array[], mode: RevocationMode = 'require') {
  const r = await validatePath({
    leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
    revocation: { mode, crls: [rootCrl, ...crls], ocspResponses: [await ocspResponse(leaf, ca, { status: 'good', responder })] },
  });
  return { valid: r.valid, codes: r.errors.map((e) => e.code), detail: r.errors[0]?.detail ?? '', warnings: r.warnings.map((w) => w.code) };
}

const responder = (name: string, more: CertOptions = {}) => issue(`CN=${name}`, { issuer: ca, eku: [OID.kpOcspSigning], ...more });

describe('a delegated OCSP responder', () => {
  it('revoked on the CA\'s CRL at hand cannot vouch for a certificate that CRL also revokes', async () => {
    const leaf = await issue('CN=alice', { issuer: ca });
    const stolen = await responder('OCSP Responder');
    const caCrl = (await crl(ca, { revoked: [
      { serial: stolen.cert.serialNumber, date: new Date(NOW.getTime() - 10 * DAY_MS), reason: x509.X509CrlReason.keyCompromise },
      { serial: leaf.cert.serialNumber, date: new Date(NOW.getTime() - 5 * DAY_MS) },
    ] })).der;
    for (const mode of ['require', 'prefer'] as const) {
      const r = await run(leaf, stolen, [caCrl], mode);
      expect(r.codes, mode).toEqual(['REVOKED']);
    }
  });

  it('with an unknown critical extension, or a keyUsage without digitalSignature, is not used', async () => {
    const leaf = await issue('CN=bob', { issuer: ca });
    const critical = await responder('Critical Responder', { extra: [new x509.Extension('1.3.6.1.4.1.99999.8', true, new Uint8Array([0x05, 0x00]))] });
    let r = await run(leaf, critical, []);
    expect(r.codes).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.detail).toContain('"Critical Responder" has an unknown critical extension (1.3.6.1.4.1.99999.8)');
    const encipher = await responder('Encipherment Responder', { keyUsage: x509.KeyUsageFlags.keyEncipherment });
    r = await run(leaf, encipher, []);
    expect(r.codes).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.detail).toContain('does not allow digital signatures');
  });

  it('without id-pkix-ocsp-nocheck and no CRL for it: refused under require, accepted under prefer', async () => {
    const leaf = await issue('CN=carol', { issuer: ca });
    const plain = await responder('Plain Responder');
    const r = await run(leaf, plain, []);
    expect(r.codes).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.detail).toContain('has no id-pkix-ocsp-nocheck and its own status is unknown');
    expect(await run(leaf, plain, [], 'prefer')).toMatchObject({ valid: true, codes: [], warnings: [] });
    // With the CA's CRL at hand (not revoking it), or marked nocheck, it answers under require.
    expect((await run(leaf, plain, [(await crl(ca)).der])).valid).toBe(true);
    expect((await run(leaf, await responder('Nocheck Responder', { extra: [NOCHECK] }), [])).valid).toBe(true);
  });

  it('must be issued by the CA itself and carry id-kp-OCSPSigning', async () => {
    const leaf = await issue('CN=dave', { issuer: ca });
    const byRoot = await issue('CN=Root Responder', { issuer: root, eku: [OID.kpOcspSigning], extra: [NOCHECK] });
    expect((await run(leaf, byRoot, [])).detail).toContain('is not issued by "Issuing CA"');
    const noEku = await responder('No EKU Responder', { eku: [OID.kpClientAuth], extra: [NOCHECK] });
    expect((await run(leaf, noEku, [])).detail).toContain('not authorized for OCSP signing');
  });
});
