// A CRL or OCSP response that has lapsed (nextUpdate passed) says nothing of the status now, but a final revocation
// on it (any reason but certificateHold, RFC 5280 §5.3.1) still happened. Before, such a CRL was only "out of date":
// under `prefer` (the page's and the CLI's default) a card its CA had revoked for key compromise was accepted with a
// warning whenever the CA's CRL publishing had lapsed, and under `require` the reason given was the wrong one.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { RevocationOptions, ValidationResult } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { CrlOptions, Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Lapsed Root', { ca: true });
  ca = await issue('CN=Lapsed CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

const lapsedWindow = { thisUpdate: new Date(NOW.getTime() - 10 * DAY_MS), nextUpdate: new Date(NOW.getTime() - 3 * DAY_MS) };
const revokedOn = new Date('2026-02-09T12:00:00Z');

function run(leaf: Issued, revocation: RevocationOptions): Promise<ValidationResult> {
  return validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation });
}

async function lapsedCrl(signer: Issued, leaf: Issued, reason: x509.X509CrlReason, o: Partial<CrlOptions> = {}): Promise<Uint8Array> {
  return (await crl(signer, { ...lapsedWindow, revoked: [{ serial: leaf.cert.serialNumber, date: revokedOn, reason }], ...o })).der;
}

describe('a lapsed CRL', () => {
  it('still revokes a card it lists for key compromise, under prefer and under require', async () => {
    const leaf = await issue('CN=stolen card', { issuer: ca });
    const lapsed = await lapsedCrl(ca, leaf, x509.X509CrlReason.keyCompromise);
    for (const mode of ['prefer', 'require'] as const) {
      const r = await run(leaf, { mode, crls: [rootCrl, lapsed] });
      expect(r.valid).toBe(false);
      expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "stolen card" was revoked on 2026-02-09 by Lapsed CA (key compromise).' }]);
    }
  });

  it('is only out of date for a card on hold, which may have been released since', async () => {
    const leaf = await issue('CN=held card', { issuer: ca });
    const r = await run(leaf, { mode: 'prefer', crls: [rootCrl, await lapsedCrl(ca, leaf, x509.X509CrlReason.certificateHold)] });
    expect(r.valid).toBe(true);
    expect(r.warnings).toEqual([{ code: 'REVOCATION_UNKNOWN', certIndex: 0, detail: 'The revocation status of "held card" is unknown: the CRL from "CN=Lapsed CA" is out of date.' }]);
  });

  it('counts only when its signature verifies', async () => {
    const leaf = await issue('CN=framed card', { issuer: ca });
    const forger = await issue('CN=Lapsed CA', { ca: true }); // the CA's name, another key
    const r = await run(leaf, { mode: 'prefer', crls: [rootCrl, await lapsedCrl(forger, leaf, x509.X509CrlReason.keyCompromise)] });
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
  });

  it('does not count a CRL issued after the validation time', async () => {
    const leaf = await issue('CN=later card', { issuer: ca });
    const later = (await crl(ca, { thisUpdate: new Date(NOW.getTime() + DAY_MS), nextUpdate: new Date(NOW.getTime() + 8 * DAY_MS), revoked: [{ serial: leaf.cert.serialNumber, date: new Date(NOW.getTime() + DAY_MS) }] })).der;
    const r = await run(leaf, { mode: 'prefer', crls: [rootCrl, later] });
    expect(r.valid).toBe(true);
    expect(r.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
  });
});

describe('a lapsed OCSP response', () => {
  it('still revokes, and a lapsed "good" is still unknown', async () => {
    const leaf = await issue('CN=ocsp card', { issuer: ca });
    const revoked = await ocspResponse(leaf, ca, { status: 'revoked', revokedAt: revokedOn, ...lapsedWindow });
    const r = await run(leaf, { mode: 'prefer', crls: [rootCrl], ocspResponses: [revoked] });
    expect(r.errors).toEqual([{ code: 'REVOKED', certIndex: 0, detail: 'The certificate "ocsp card" was revoked on 2026-02-09 by Lapsed CA.' }]);
    const good = await ocspResponse(leaf, ca, { status: 'good', ...lapsedWindow });
    const g = await run(leaf, { mode: 'prefer', crls: [rootCrl], ocspResponses: [good] });
    expect(g.valid).toBe(true);
    expect(g.warnings.map((w) => w.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(g.warnings[0]?.detail).toContain('is out of date');
  });
});
