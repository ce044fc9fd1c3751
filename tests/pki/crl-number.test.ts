// CRL numbers and delta CRL base numbers compare as numbers, from 4 octets up too (RFC 5280 §5.2.3, §5.2.4;
// review 9, finding 6: asn1-schema gives such INTEGERs as decimal text, which compared as text).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { parseCrl, validatePath } from '../../pki/index.ts';
import { DAY_MS, NOW, crl, issue } from './test-pki.ts';

const integer = (n: bigint) => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const b = Buffer.from(hex, 'hex');
  return Uint8Array.from([0x02, b.length, ...b]);
};
const crlNumber = (n: bigint) => new x509.Extension('2.5.29.20', false, integer(n));
const deltaIndicator = (n: bigint) => new x509.Extension('2.5.29.27', true, integer(n));

describe('CRL numbers', () => {
  it('are read as bigint, up to 20 octets', async () => {
    const ca = await issue('CN=CA', { ca: true });
    const big = 2n ** 159n - 1n;
    expect(parseCrl((await crl(ca, { extra: [crlNumber(big)] })).der).crlNumber).toBe(big);
    expect(parseCrl((await crl(ca, { extra: [crlNumber(99_999_990n)] })).der).crlNumber).toBe(99_999_990n);
  });

  for (const [base, delta] of [[1000n, 1001n], [99_999_990n, 99_999_999n], [99_999_990n, 100_000_000n], [9_000_000n, 10_000_000n]] as const) {
    it(`a delta CRL #${delta} on base #${base} that revokes the certificate is used`, async () => {
      const root = await issue('CN=Root', { ca: true });
      const ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
      const leaf = await issue('CN=mallory', { issuer: ca });
      const revoked = [{ serial: leaf.cert.serialNumber, date: new Date(NOW.getTime() - DAY_MS), reason: x509.X509CrlReason.keyCompromise }];
      const crls = [(await crl(root)).der, (await crl(ca, { extra: [crlNumber(base)] })).der, (await crl(ca, { revoked, extra: [crlNumber(delta), deltaIndicator(base)] })).der];
      const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls } });
      expect(r.errors.map((e) => e.code)).toEqual(['REVOKED']);
    });
  }

  it('a delta older than its base (by number) is not used', async () => {
    const root = await issue('CN=Root', { ca: true });
    const ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
    const leaf = await issue('CN=mallory', { issuer: ca });
    const revoked = [{ serial: leaf.cert.serialNumber, date: new Date(NOW.getTime() - DAY_MS) }];
    // Base #100000000; a delta #99999999 on base #10000000 (as text, "99999999" > "100000000").
    const crls = [(await crl(root)).der, (await crl(ca, { extra: [crlNumber(100_000_000n)] })).der,
      (await crl(ca, { revoked, extra: [crlNumber(99_999_999n), deltaIndicator(10_000_000n)] })).der];
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls } });
    expect(r.errors).toEqual([]);
  });
});
