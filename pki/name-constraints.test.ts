// Name constraints by form (RFC 5280 §4.2.1.10): the forms PKITS does not reach (iPAddress, URI ports and userinfo, mailbox forms).
import { describe, expect, it } from 'vitest';
import type { Certificate } from './certificate.ts';
import type { GeneralName } from './general-name.ts';
import { ipFromText } from './general-name.ts';
import { NameConstraintState } from './name-constraints.ts';
import { fromAsn } from './name.ts';
import * as asn from '@peculiar/asn1-x509';

/** Only the fields name constraints read. */
function certWith(san: GeneralName[]): Certificate {
  return { subject: fromAsn(new asn.Name()), ext: { subjectAltName: san, ocspUrls: [], ocspNoCheck: false } } as unknown as Certificate;
}

function allowed(constraints: { permitted?: GeneralName[]; excluded?: GeneralName[] }, name: GeneralName): boolean {
  const s = new NameConstraintState();
  s.add(constraints);
  return s.check(certWith([name])) === undefined;
}

const ip = (t: string): GeneralName => ({ kind: 'ip', bytes: ipFromText(t) });

describe('iPAddress', () => {
  it('matches an address against address/mask, v4 and v6', () => {
    expect(allowed({ permitted: [ip('10.1.0.0/16')] }, ip('10.1.2.3'))).toBe(true);
    expect(allowed({ permitted: [ip('10.1.0.0/16')] }, ip('10.2.0.1'))).toBe(false);
    expect(allowed({ excluded: [ip('192.168.0.0/24')] }, ip('192.168.0.77'))).toBe(false);
    expect(allowed({ permitted: [ip('2001:db8::/32')] }, ip('2001:db8:1::5'))).toBe(true);
    expect(allowed({ permitted: [ip('2001:db8::/32')] }, ip('2001:db9::5'))).toBe(false);
    // A v6 address is not within a v4 subtree.
    expect(allowed({ permitted: [ip('10.0.0.0/8')] }, ip('::a00:1'))).toBe(false);
  });
});

describe('uniformResourceIdentifier', () => {
  const base: GeneralName = { kind: 'uri', value: '.example.com' };
  it('constrains the host, ignoring userinfo and port', () => {
    expect(allowed({ permitted: [base] }, { kind: 'uri', value: 'https://user@www.example.com:8443/x' })).toBe(true);
    expect(allowed({ permitted: [base] }, { kind: 'uri', value: 'https://example.com/' })).toBe(false);
    expect(allowed({ permitted: [{ kind: 'uri', value: 'example.com' }] }, { kind: 'uri', value: 'https://EXAMPLE.com/' })).toBe(true);
    expect(allowed({ permitted: [base] }, { kind: 'uri', value: 'urn:uuid:1234' })).toBe(false);
  });
});

describe('rfc822Name', () => {
  it('has mailbox, host and domain forms', () => {
    expect(allowed({ permitted: [{ kind: 'rfc822', value: 'alice@example.com' }] }, { kind: 'rfc822', value: 'alice@EXAMPLE.com' })).toBe(true);
    expect(allowed({ permitted: [{ kind: 'rfc822', value: 'alice@example.com' }] }, { kind: 'rfc822', value: 'bob@example.com' })).toBe(false);
    expect(allowed({ permitted: [{ kind: 'rfc822', value: 'example.com' }] }, { kind: 'rfc822', value: 'bob@example.com' })).toBe(true);
    expect(allowed({ permitted: [{ kind: 'rfc822', value: 'example.com' }] }, { kind: 'rfc822', value: 'bob@mail.example.com' })).toBe(false);
    expect(allowed({ permitted: [{ kind: 'rfc822', value: '.example.com' }] }, { kind: 'rfc822', value: 'bob@mail.example.com' })).toBe(true);
  });

  it('leaves other name forms alone', () => {
    expect(allowed({ permitted: [{ kind: 'rfc822', value: 'example.com' }] }, { kind: 'dns', value: 'other.org' })).toBe(true);
  });

  it('refuses a name of a form it cannot compare when that form is excluded', () => {
    const other: GeneralName = { kind: 'other', typeId: '1.2.3', value: new Uint8Array([4, 0]) };
    expect(allowed({ excluded: [other] }, other)).toBe(false);
  });
});
