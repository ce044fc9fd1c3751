// RFC 5280 §7.1 name comparison and the prefix rule of §4.2.1.10.
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { fromAsn, isNamePrefix, namesEqual, prepareString } from './name.ts';

type Value = { printableString?: string; utf8String?: string; bmpString?: string };

function dn(...rdns: [string, Value][][]) {
  const name = new asn.Name(rdns.map((rdn) => new asn.RelativeDistinguishedName(rdn.map(([type, v]) => new asn.AttributeTypeAndValue({ type, value: new asn.AttributeValue(v) })))));
  // Through DER and back, as a certificate would carry it.
  return fromAsn(AsnConvert.parse(AsnConvert.serialize(name), asn.Name));
}

const C = '2.5.4.6';
const O = '2.5.4.10';
const CN = '2.5.4.3';

describe('§7.1 comparison', () => {
  it('ignores case, and leading, trailing and repeated inner spaces', () => {
    expect(prepareString('  Test   CA  ')).toBe('test ca');
    expect(namesEqual(dn([[CN, { printableString: 'Good  CA ' }]]), dn([[CN, { printableString: 'good ca' }]]))).toBe(true);
  });

  it('matches PrintableString against UTF8String of the same text', () => {
    expect(namesEqual(dn([[O, { printableString: 'Example' }]]), dn([[O, { utf8String: 'EXAMPLE' }]]))).toBe(true);
    expect(namesEqual(dn([[O, { bmpString: 'Exämple' }]]), dn([[O, { utf8String: 'exämple' }]]))).toBe(true);
  });

  it('distinguishes different values, types, order and RDN grouping', () => {
    const a = dn([[C, { printableString: 'US' }]], [[O, { printableString: 'X' }]]);
    expect(namesEqual(a, dn([[C, { printableString: 'US' }]], [[O, { printableString: 'Y' }]]))).toBe(false);
    expect(namesEqual(a, dn([[O, { printableString: 'X' }]], [[C, { printableString: 'US' }]]))).toBe(false);
    expect(namesEqual(a, dn([[C, { printableString: 'US' }], [O, { printableString: 'X' }]]))).toBe(false);
    expect(namesEqual(a, dn([[C, { printableString: 'US' }]], [[CN, { printableString: 'X' }]]))).toBe(false);
  });

  it('compares a multi-valued RDN as a set', () => {
    expect(namesEqual(
      dn([[C, { printableString: 'US' }], [O, { printableString: 'X' }]]),
      dn([[O, { printableString: 'x' }], [C, { printableString: 'us' }]]),
    )).toBe(true);
  });

  it('treats a DN as within a directoryName subtree only by whole leading RDNs', () => {
    const base = dn([[C, { printableString: 'US' }]], [[O, { printableString: 'Test' }]]);
    expect(isNamePrefix(base, dn([[C, { printableString: 'us' }]], [[O, { printableString: 'test' }]], [[CN, { printableString: 'a' }]]))).toBe(true);
    expect(isNamePrefix(base, dn([[C, { printableString: 'US' }]], [[O, { printableString: 'Testing' }]]))).toBe(false);
    expect(isNamePrefix(base, dn([[C, { printableString: 'US' }]]))).toBe(false);
  });

  it('shows names most significant first', () => {
    expect(dn([[C, { printableString: 'US' }]], [[CN, { utf8String: 'Example Issuing CA 1' }]]).text).toBe('C=US, CN=Example Issuing CA 1');
  });
});
