// Host-name binding of X.509 host certificates: subjectAltName dNSName / iPAddress (RFC 5280 §4.2.1.6), the subject
// CN only when there is no subjectAltName (as AsyncSSH reads host principals), and only a CN that pki checks against
// name constraints (pki/common-name-host.ts). Certificates made with @peculiar/x509.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateError, certificateHostNames, certificateNamesHost, x509HostKeyVerifier, x509v3PublicKeyBlob } from '../../identity/index.ts';
import { OID, parseCertificate } from '../../pki/index.ts';
import { NOW, issue } from '../pki/test-pki.ts';

describe('certificateNamesHost', () => {
  it('matches subjectAltName DNS names (case-insensitive, trailing dot) and IPv4/IPv6 addresses, not the CN', async () => {
    const cert = parseCertificate((await issue('CN=cn-only.example', {
      san: [{ type: 'dns', value: 'ssh.example.org' }, { type: 'ip', value: '192.0.2.7' }, { type: 'ip', value: '2001:db8::1' }],
    })).der);
    for (const host of ['ssh.example.org', 'SSH.Example.ORG', 'ssh.example.org.', '192.0.2.7', '2001:db8::1', '2001:0db8:0:0:0:0:0:1', '[2001:db8::1]']) {
      expect(certificateNamesHost(cert, host), host).toBe(true);
    }
    for (const host of ['cn-only.example', 'example.org', 'x.ssh.example.org', '192.0.2.8', '2001:db8::2', '192.0.2.7.example', '']) {
      expect(certificateNamesHost(cert, host), host).toBe(false);
    }
    expect(certificateHostNames(cert)).toEqual(['ssh.example.org', '192.0.2.7', 'IPv6 20010db8000000000000000000000001']);
  });

  it('without subjectAltName, the subject CN names the host', async () => {
    const cert = parseCertificate((await issue('CN=legacy.example')).der);
    expect(certificateNamesHost(cert, 'legacy.example')).toBe(true);
    expect(certificateNamesHost(cert, 'other.example')).toBe(false);
    expect(certificateHostNames(cert)).toEqual(['legacy.example']);
  });

  it('a wildcard DNS name is not expanded', async () => {
    const cert = parseCertificate((await issue('CN=w', { san: [{ type: 'dns', value: '*.example.org' }] })).der);
    expect(certificateNamesHost(cert, 'a.example.org')).toBe(false);
  });

  it('any host string gives an answer, never an exception', async () => {
    const cert = parseCertificate((await issue('CN=h', { san: [{ type: 'ip', value: '::1' }, { type: 'dns', value: 'h' }] })).der);
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (host) => { expect(typeof certificateNamesHost(cert, host)).toBe('boolean'); }), { numRuns: 500 });
    expect(certificateNamesHost(cert, '::1')).toBe(true);
    expect(certificateNamesHost(cert, '0:0:0:0:0:0:0:1')).toBe(true);
    expect(certificateNamesHost(cert, '1::1::1')).toBe(false);
  });

  it('a CN that pki would not check as a host name is not one (one label, spaces, wildcard)', async () => {
    for (const cn of ['bastion', 'Alice Smith', '*.example.org']) {
      const cert = parseCertificate((await issue(`CN=${cn}`)).der);
      expect(certificateNamesHost(cert, cn), cn).toBe(false);
      expect(certificateHostNames(cert), cn).toEqual([]);
    }
    const address = parseCertificate((await issue('CN=192.0.2.9')).der);
    expect(certificateNamesHost(address, '192.0.2.9')).toBe(true);
    expect(certificateNamesHost(address, '192.0.2.10')).toBe(false);
  });

  it('a CA limited by name constraints cannot name an outside host in a SAN-less CN (review 9, finding 2)', async () => {
    const root = await issue('CN=Root', { ca: true });
    const ca = await issue('CN=Constrained Host CA', { ca: true, issuer: root, permittedDns: ['example.com'], excludedDns: ['bastion.example.com'] });
    const alg = 'x509v3-ecdsa-sha2-nistp256';
    for (const host of ['prod.victim.org', 'bastion.example.com']) {
      const leaf = await issue(`CN=${host}`, { issuer: ca, eku: [OID.kpSecureShellServer] });
      const verify = x509HostKeyVerifier({ host, anchors: [root.der], revocation: { mode: 'off' }, time: () => NOW });
      const e = await verify({ algorithm: alg, blob: x509v3PublicKeyBlob(alg, [leaf.der, ca.der]) }).then(() => undefined, (err: unknown) => err) as GateError;
      expect(e, host).toBeInstanceOf(GateError);
      expect(e.reasons.map((r) => r.code), host).toContain('NAME_CONSTRAINTS_VIOLATION');
    }
    const inside = await issue('CN=ssh.example.com', { issuer: ca, eku: [OID.kpSecureShellServer] });
    const verify = x509HostKeyVerifier({ host: 'ssh.example.com', anchors: [root.der], revocation: { mode: 'off' }, time: () => NOW });
    await expect(verify({ algorithm: alg, blob: x509v3PublicKeyBlob(alg, [inside.der, ca.der]) })).resolves.toBeUndefined();
  });
});
