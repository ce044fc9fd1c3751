import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TargetAllowlist } from './allowlist.ts';
import { RelayConfigError, RelayError } from './errors.ts';
import { parseTarget } from './target.ts';
import { isNonPublic } from './address.ts';

describe('TargetAllowlist', () => {
  const list = new TargetAllowlist(
    ['ssh.example.com:22', '*.corp.example.com:22,2222', '10.1.0.0/16:2200-2299', '[fd00::]/8:22', 'localhost:22', '*:443'],
    ['192.168.7.0/24'],
  );

  it('admits names and ports by rule, before any lookup', () => {
    expect(list.admits('ssh.example.com', 22)).toBe(true);
    expect(list.admits('ssh.example.com', 23)).toBe(false);
    expect(list.admits('a.b.corp.example.com', 2222)).toBe(true);
    expect(list.admits('corp.example.com', 22)).toBe(true); // name rules fail, but the CIDR rule on 22 needs the address
    expect(list.admits('corp.example.com', 2300)).toBe(false);
    expect(list.admits('10.1.2.3', 2250)).toBe(true);
    expect(list.admits('10.2.0.1', 2250)).toBe(false);
  });

  it('checks resolved addresses: public ok, private only when explicitly allowed', () => {
    expect(list.check('ssh.example.com', 22, '93.184.216.34')).toBe('allowed');
    expect(list.check('ssh.example.com', 22, '10.0.0.5')).toBe('PRIVATE_ADDRESS');
    expect(list.check('ssh.example.com', 22, '169.254.169.254')).toBe('PRIVATE_ADDRESS');
    expect(list.check('ssh.example.com', 22, '::ffff:127.0.0.1')).toBe('PRIVATE_ADDRESS');
    expect(list.check('ssh.example.com', 22, '192.168.7.9')).toBe('allowed'); // allowPrivate
    expect(list.check('ssh.example.com', 22, 'fd00::5')).toBe('allowed'); // the [fd00::]/8 rule names it
    expect(list.check('db.internal', 2201, '10.1.9.9')).toBe('allowed');
    expect(list.check('localhost', 22, '127.0.0.1')).toBe('allowed');
    expect(list.check('localhost', 22, '::1')).toBe('allowed');
    expect(list.check('anything.example', 443, '93.184.216.34')).toBe('allowed');
    expect(list.check('anything.example', 443, '127.0.0.1')).toBe('PRIVATE_ADDRESS');
    expect(list.check('other.example', 22, '93.184.216.34')).toBe('TARGET_FORBIDDEN');
  });

  it('names the bad rule in its error', () => {
    expect(() => new TargetAllowlist(['host'])).toThrow(/'host' needs a port/);
    expect(() => new TargetAllowlist(['host:0'])).toThrow(RelayConfigError);
    expect(() => new TargetAllowlist(['10.0.0.0/33:22'])).toThrow(/invalid address or CIDR/);
    expect(() => new TargetAllowlist(['bad_name!:22'])).toThrow(/invalid host name/);
    expect(() => new TargetAllowlist([], ['nope'])).toThrow(/allowPrivate/);
  });

  it('classifies non-public ranges', () => {
    for (const a of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.1.1', '100.64.0.1', '::1', 'fe80::1', 'fc00::1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '0.0.0.0']) {
      expect(isNonPublic(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '93.184.216.34', '2606:4700::1111']) expect(isNonPublic(a), a).toBe(false);
  });
});

describe('parseTarget', () => {
  it('reads the query, target= and path forms', () => {
    expect(parseTarget('/ssh?host=Example.COM&port=2222')).toEqual({ host: 'example.com', port: 2222 });
    expect(parseTarget('/ssh?host=h')).toEqual({ host: 'h', port: 22 });
    expect(parseTarget('/ssh?target=[::1]:22')).toEqual({ host: '::1', port: 22 });
    expect(parseTarget('/ssh/10.0.0.1/22')).toEqual({ host: '10.0.0.1', port: 22 });
    expect(parseTarget('/websockify?host=h&port=5')).toEqual({ host: 'h', port: 5 });
    expect(parseTarget('/?target=h:7')).toEqual({ host: 'h', port: 7 });
  });

  it('refuses malformed targets with BAD_TARGET', () => {
    for (const u of ['/ssh', '/ssh?host=a&port=0', '/ssh?host=a&port=70000', '/ssh?host=a&port=2x', '/other?host=a', '/ssh/a/b/c', '/ssh?host=a%00b']) {
      expect(() => parseTarget(u), u).toThrow(RelayError);
    }
  });

  it('never throws anything but a RelayError, whatever the URL', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
      try {
        const t = parseTarget(s);
        expect(t.port).toBeGreaterThanOrEqual(1);
        expect(t.port).toBeLessThanOrEqual(65535);
      } catch (err) {
        expect(err).toBeInstanceOf(RelayError);
      }
    }), { numRuns: 2000 });
  });
});
