// Host-name binding of X.509 host certificates: subjectAltName dNSName / iPAddress (RFC 5280 §4.2.1.6), the subject
// CN only when there is no subjectAltName (as AsyncSSH reads host principals). Certificates made with @peculiar/x509.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificateHostNames, certificateNamesHost } from '../../identity/index.ts';
import { parseCertificate } from '../../pki/index.ts';
import { issue } from '../pki/test-pki.ts';

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
});
