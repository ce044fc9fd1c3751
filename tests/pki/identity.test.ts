// Identity in a card certificate: UPN, email, CN, PIV FASC-N and card UUID, as a login page shows and maps them.
import 'reflect-metadata';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { expect, it } from 'vitest';
import { cardIdentity, parseCertificate } from '../../pki/index.ts';
import { issue } from './test-pki.ts';

/**
 * FASC-N encoder written from SP 800-73-4 Part 1 §3.3.2 / the TIG for Physical Access (BCD 4 bits,
 * least significant bit first, then an odd parity bit; LRC over the 39 characters), independent of pki/.
 */
function encodeFascn(chars: string): Uint8Array {
  const value = (c: string) => (c === 'S' ? 0xb : c === 'F' ? 0xd : c === 'E' ? 0xf : Number(c));
  const values = [...chars].map(value);
  values.push(values.reduce((a, b) => a ^ b, 0)); // LRC
  const bits: number[] = [];
  for (const v of values) {
    const data = [0, 1, 2, 3].map((k) => (v >> k) & 1);
    const ones = data.reduce((a, b) => a + b, 0);
    bits.push(...data, ones % 2 === 0 ? 1 : 0);
  }
  const out = new Uint8Array(25);
  bits.forEach((b, i) => { out[i >> 3] = (out[i >> 3] as number) | (b << (7 - (i & 7))); });
  return out;
}

it('extracts UPN, emails, CN, FASC-N and UUID', async () => {
  const root = await issue('CN=PIV Root', { ca: true });
  const fascn = encodeFascn('S0032F0001F092446F0F1F111222333311223E');
  expect(fascn.length).toBe(25);
  const san = new asn.SubjectAlternativeName([
    new asn.GeneralName({ otherName: new asn.OtherName({ typeId: '1.3.6.1.4.1.311.20.2.3', value: AsnConvert.serialize(new asn.DirectoryString({ utf8String: 'alice@corp.example' })) }) }),
    new asn.GeneralName({ otherName: new asn.OtherName({ typeId: '2.16.840.1.101.3.6.6', value: AsnConvert.serialize(new OctetString(fascn)) }) }),
    new asn.GeneralName({ uniformResourceIdentifier: 'urn:uuid:3F2504E0-4F89-11D3-9A0C-0305E82C3301' }),
    new asn.GeneralName({ rfc822Name: 'alice@example.org' }),
  ]);
  const leaf = await issue('CN=Alice Example, O=Corp', { issuer: root, extra: [new x509.Extension('2.5.29.17', false, AsnConvert.serialize(san))] });
  const id = cardIdentity(parseCertificate(leaf.der));
  expect(id.commonName).toBe('Alice Example');
  expect(id.upn).toEqual(['alice@corp.example']);
  expect(id.emails).toEqual(['alice@example.org']);
  expect(id.uuid).toBe('3f2504e0-4f89-11d3-9a0c-0305e82c3301');
  expect(id.fascn).toMatchObject({ agencyCode: '0032', systemCode: '0001', credentialNumber: '092446', personIdentifier: '1112223333' });
  expect(id.fascn?.digits.startsWith('S0032F0001F092446F0F1F1112223333')).toBe(true);
});

it('falls back to emailAddress in the subject and the CN', async () => {
  const root = await issue('CN=Plain Root', { ca: true });
  const leaf = await issue('CN=Bob, E=bob@example.org', { issuer: root });
  const id = cardIdentity(parseCertificate(leaf.der));
  expect(id).toMatchObject({ commonName: 'Bob', upn: [], emails: ['bob@example.org'] });
  expect(id.fascn).toBeUndefined();
});
