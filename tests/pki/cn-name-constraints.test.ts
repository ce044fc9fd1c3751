// Name constraints on a subject CN that identity/host-name.ts would read as the host name (review 9, finding 2):
// without a subjectAltName, such a CN is checked as a dNSName / iPAddress (pki/common-name-host.ts).
import 'reflect-metadata';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { CARD_POLICY, HOST_POLICY, OID, commonNameHostNames, parseCertificate, validatePath } from '../../pki/index.ts';
import { NOW, issue } from './test-pki.ts';
import type { CertOptions, Issued } from './test-pki.ts';

let root: Issued;
let dnsCa: Issued;
let ipCa: Issued;

beforeAll(async () => {
  root = await issue('CN=Root', { ca: true });
  // A partner CA the root allows to name hosts in example.com only, and never bastion.example.com.
  dnsCa = await issue('CN=Constrained Host CA', { ca: true, issuer: root, permittedDns: ['example.com'], excludedDns: ['bastion.example.com'] });
  const nc = new asn.NameConstraints({ permittedSubtrees: new asn.GeneralSubtrees([new asn.GeneralSubtree({ base: new asn.GeneralName({ iPAddress: '10.0.0.0/8' }) })]) });
  ipCa = await issue('CN=Constrained Address CA', { ca: true, issuer: root, extra: [new x509.Extension('2.5.29.30', true, AsnConvert.serialize(nc))] });
});

async function check(ca: Issued, subject: string, more: CertOptions = {}, leaf = HOST_POLICY) {
  const cert = await issue(subject, { issuer: ca, eku: [OID.kpSecureShellServer, OID.kpClientAuth], ...more });
  const r = await validatePath({ leaf: cert.der, intermediates: [ca.der], anchors: [root.der], time: NOW, policy: { leaf }, revocation: { mode: 'off' } });
  return { valid: r.valid, codes: r.errors.map((e) => e.code), detail: r.errors[0]?.detail ?? '' };
}

describe('a subject CN read as a host name obeys the dNSName and iPAddress constraints', () => {
  it('refuses a SAN-less certificate whose CN is a host outside the permitted subtree', async () => {
    const r = await check(dnsCa, 'CN=prod.victim.org');
    expect(r.codes).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
    expect(r.detail).toContain('DNS name prod.victim.org');
  });

  it('refuses a CN inside an excluded subtree, in any letter case', async () => {
    expect((await check(dnsCa, 'CN=bastion.example.com')).codes).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
    expect((await check(dnsCa, 'CN=BASTION.Example.COM.')).codes).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
  });

  it('accepts a CN inside the permitted subtree', async () => {
    expect(await check(dnsCa, 'CN=ssh.example.com')).toMatchObject({ valid: true, codes: [] });
  });

  it('checks an address literal in the CN against iPAddress constraints', async () => {
    expect((await check(ipCa, 'CN=192.0.2.7')).codes).toEqual(['NAME_CONSTRAINTS_VIOLATION']);
    expect((await check(ipCa, 'CN=10.1.2.3')).valid).toBe(true);
  });

  it('leaves CNs that are not host names alone (person names, one label), and the CN when a SAN is present', async () => {
    expect((await check(dnsCa, 'CN=Alice Smith', {}, CARD_POLICY)).valid).toBe(true);
    expect((await check(dnsCa, 'CN=alice', {}, CARD_POLICY)).valid).toBe(true);
    // With a SAN, identity/ never reads the CN as a host name (RFC 6125 §6.4.4), so it is not a dNSName here either.
    expect((await check(dnsCa, 'CN=prod.victim.org', { san: [{ type: 'email', value: 'alice@example.com' }] }, CARD_POLICY)).valid).toBe(true);
  });

  it('commonNameHostNames reads host names and addresses only', async () => {
    const names = async (subject: string) => commonNameHostNames(parseCertificate((await issue(subject)).der));
    expect(await names('CN=h.example')).toEqual([{ kind: 'dns', value: 'h.example' }]);
    expect(await names('CN=192.0.2.1')).toEqual([{ kind: 'ip', bytes: Uint8Array.from([192, 0, 2, 1]) }]);
    expect((await names('CN=2001:db8::1'))[0]).toMatchObject({ kind: 'ip' });
    for (const s of ['CN=alice', 'CN=Alice Smith', 'CN=*.example.com', 'CN=host.example:22', 'CN=-bad.example']) expect(await names(s), s).toEqual([]);
  });
});
