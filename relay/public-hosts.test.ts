import { describe, expect, it } from 'vitest';
import type { RequestOrigin } from './client-address.ts';
import { listensOnLoopback, parseHostPort, PublicHosts } from './public-hosts.ts';

const at = (host: string, secure = false): RequestOrigin => ({ ip: '127.0.0.1', secure, host });

describe('parseHostPort (a Host header or a publicHosts entry)', () => {
  it('reads names, IPv4 and bracketed IPv6, with or without a port', () => {
    expect(parseHostPort('SSH.Example.com')).toEqual({ hostname: 'ssh.example.com', port: null });
    expect(parseHostPort('ssh.example.com.:8443')).toEqual({ hostname: 'ssh.example.com', port: 8443 });
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ hostname: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:8080')).toEqual({ hostname: '::1', port: 8080 });
    expect(parseHostPort('[2001:DB8::1]')).toEqual({ hostname: '2001:db8::1', port: null });
  });

  it('refuses anything else', () => {
    for (const bad of ['', ':80', 'a b', 'https://ssh.example.com', 'ssh.example.com/x', 'user@host', '::1', '[::1', '[nothost]',
      'host:0', 'host:65536', 'host:80:80', '-bad.example', 'é.example', '*.example.com']) {
      expect(parseHostPort(bad), bad).toBeUndefined();
    }
  });
});

describe('listensOnLoopback', () => {
  it('is true for 127.0.0.0/8, ::1 and localhost only', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', '::ffff:127.0.0.1']) expect(listensOnLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'ssh.example.com']) expect(listensOnLoopback(h), h).toBe(false);
  });
});

describe('PublicHosts', () => {
  it('configured names: Host must be one of them (default ports by scheme), Origin too', () => {
    const own = new PublicHosts(['ssh.example.com', 'relay.internal:8443'], '0.0.0.0', () => 8080);
    expect(own.admits(at('ssh.example.com'))).toBe(true);
    expect(own.admits(at('SSH.EXAMPLE.COM:80'))).toBe(true);
    expect(own.admits(at('ssh.example.com:443', true))).toBe(true);
    expect(own.admits(at('ssh.example.com:8080'))).toBe(false);
    expect(own.admits(at('relay.internal:8443', true))).toBe(true);
    expect(own.admits(at('relay.internal'))).toBe(false);
    expect(own.admits(at('attacker.example'))).toBe(false);
    expect(own.admits(at('127.0.0.1:8080'))).toBe(false); // loopback names are not implied once names are configured
    expect(own.admits(at(''))).toBe(false);
    expect(own.ownsOrigin('https://ssh.example.com', true)).toBe(true);
    expect(own.ownsOrigin('http://ssh.example.com', true)).toBe(false); // another scheme is another origin
    expect(own.ownsOrigin('https://relay.internal:8443', true)).toBe(true);
    expect(own.ownsOrigin('https://attacker.example', true)).toBe(false);
    expect(own.ownsOrigin('https://ssh.example.com/path', true)).toBe(false);
    expect(own.ownsOrigin('null', true)).toBe(false);
  });

  it('on loopback with no names: localhost, 127.0.0.1 and [::1] on the listening port', () => {
    const own = new PublicHosts([], '127.0.0.1', () => 8080);
    for (const h of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080']) expect(own.admits(at(h)), h).toBe(true);
    for (const h of ['localhost:9090', 'localhost', 'attacker.example:8080', '127.0.0.2:8080']) expect(own.admits(at(h)), h).toBe(false);
    for (const o of ['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']) expect(own.ownsOrigin(o, false), o).toBe(true);
    expect(own.ownsOrigin('http://attacker.example:8080', false)).toBe(false);
    expect(new PublicHosts([], '127.0.0.2', () => 8080).admits(at('127.0.0.2:8080'))).toBe(true);
  });

  it('beyond loopback with no names (origins are listed instead): Host is not checked, no origin is "own"', () => {
    const own = new PublicHosts([], '0.0.0.0', () => 8080);
    expect(own.checked).toBe(false);
    expect(own.admits(at('anything.example'))).toBe(true);
    expect(own.ownsOrigin('http://anything.example', false)).toBe(false);
  });
});
