import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DEFAULT_CONFIG } from './config.ts';
import { loadConfigFile, parseConfigText, resolveConfig } from './config-file.ts';
import { RelayConfigError } from './errors.ts';

function errorOf(f: () => unknown): RelayConfigError {
  try {
    f();
  } catch (err) {
    if (err instanceof RelayConfigError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('relay configuration files', () => {
  it('the shipped example (deploy/relay.example.yaml) loads, every documented limit included', async () => {
    const config = await loadConfigFile(new URL('../deploy/relay.example.yaml', import.meta.url).pathname);
    expect(config.limits).toMatchObject({ perIp: 64, global: 10000, highWaterMark: 262144, bulkReadPauseMs: 1 });
    // The example documents every limit and revocation setting the relay has (an operator reads it, not the source).
    const text = await readFile(new URL('../deploy/relay.example.yaml', import.meta.url), 'utf8');
    const written = parseDocument(text).toJS() as { limits: object; revocation: object };
    expect(Object.keys(written.limits).sort()).toEqual(Object.keys(DEFAULT_CONFIG.limits).sort());
    expect(Object.keys(written.revocation).sort()).toEqual(Object.keys(DEFAULT_CONFIG.revocation).sort());
  });

  it('loads YAML and applies defaults', () => {
    const config = parseConfigText([
      'listen: { host: 0.0.0.0, port: 8443 }',
      'publicHosts: ["ssh.example.com:8443"]',
      'targets:',
      '  allow: ["ssh.example.com:22", "10.0.0.0/8:22"]',
      'auth:',
      '  mode: bearer',
      '  tokens: [{ subject: ops, sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }]',
      'site: { kiosk: true }',
    ].join('\n'), 'relay.yaml');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(config.limits.maxFrameBytes).toBe(1 << 20);
    expect(config.auth.mode).toBe('bearer');
    expect(config.site).toEqual({ kiosk: true });
  });

  it('names the line of each schema error, in YAML and JSON', () => {
    const yaml = errorOf(() => parseConfigText('listen:\n  port: 8080\nlimits:\n  perIp: -1\n  idelTimeoutMs: 5\n', 'relay.yaml'));
    expect(yaml.message).toContain('relay.yaml:4: limits.perIp must be a whole number');
    expect(yaml.message).toContain("relay.yaml:5: Unknown setting 'limits.idelTimeoutMs'");
    expect(yaml.line).toBe(4);
    const json = errorOf(() => parseConfigText('{\n  "listen": {"port": 80},\n  "auth": {\n    "mode": "kerberos"\n  }\n}', 'relay.json'));
    expect(json.message).toContain("relay.json:4: auth.mode must be one of none, bearer, jwt, mtls, not 'kerberos'");
    expect(json.line).toBe(4);
  });

  it('names the line of a syntax error', () => {
    expect(errorOf(() => parseConfigText('{\n  "listen": {\n    "port": 80,\n  }\n}', 'relay.json')).line).toBe(4);
    expect(errorOf(() => parseConfigText('listen:\n  port: [1, 2\nlimits: {}\n', 'relay.yaml')).message).toMatch(/^relay\.yaml:\d+: /);
  });

  it('checks settings that depend on each other', () => {
    expect(() => resolveConfig({ auth: { mode: 'bearer' } })).toThrow(/at least one entry in auth.tokens/);
    expect(() => resolveConfig({ auth: { mode: 'jwt' } })).toThrow(/needs auth.jwks/);
    expect(() => resolveConfig({ auth: { mode: 'mtls' } })).toThrow(/needs tls.clientCa/);
    expect(() => resolveConfig({ auth: { mode: 'bearer', tokens: [{ subject: 'a' }] } })).toThrow(/exactly one of 'token' or 'sha256'/);
  });

  it('beyond loopback, "same origin only" needs the relay\'s own names (publicHosts): it refuses to start without them', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5']) {
      const err = errorOf(() => resolveConfig({ listen: { host, port: 8080 } }));
      expect(err.code).toBe('RELAY_CONFIG');
      expect(err.path).toBe('publicHosts');
      expect(err.message).toContain(`The relay listens on ${host}, beyond loopback, and origins is empty`);
      expect(err.message).toContain('set publicHosts to the host[:port] in the page\'s URL');
    }
    const yaml = errorOf(() => parseConfigText('listen:\n  host: 0.0.0.0\n  port: 8080\n', 'relay.yaml'));
    expect(yaml.message).toMatch(/relay\.yaml:\d+: The relay listens on 0\.0\.0\.0/);
    expect(resolveConfig({ listen: { host: '0.0.0.0', port: 8080 }, publicHosts: ['ssh.example.com'] }).publicHosts).toEqual(['ssh.example.com']);
    expect(resolveConfig({ listen: { host: '0.0.0.0', port: 8080 }, origins: ['https://ssh.example.com'] }).publicHosts).toEqual([]);
    expect(resolveConfig({ listen: { host: '::1', port: 8080 } }).publicHosts).toEqual([]);
    expect(resolveConfig({}).listen.host).toBe('127.0.0.1'); // `tessera relay` with no options still starts
    expect(errorOf(() => resolveConfig({ publicHosts: ['https://ssh.example.com/'] })).message).toContain("publicHosts.0 must be HOST or HOST:PORT");
  });

  it('refuses revocation.allow prefixes that would fetch any host or never match', () => {
    const bad = (prefix: string) => errorOf(() => resolveConfig({ revocation: { allow: [prefix] } })).message;
    // 'http://' ends in '/' and every http URL starts with it: a fetch proxy for any host, the metadata service included.
    expect(bad('http://')).toMatch(/revocation\.allow\.0 must be an http or https URL with a host/);
    expect(bad('https://')).toMatch(/must be an http or https URL with a host/);
    expect(bad('file:///etc/')).toMatch(/must be an http or https URL with a host/);
    expect(bad('http://user@crl.example.com/')).toMatch(/credentials or a fragment/);
    // Written otherwise than requested URLs are compared, a prefix would never match.
    expect(bad('HTTP://CRL.Example.com/')).toContain("'http://crl.example.com/'");
    expect(bad('http://crl.example.com:80/')).toContain("'http://crl.example.com/'");
    expect(bad('http://crl.example.com')).toContain("'http://crl.example.com/'");
    expect(resolveConfig({ revocation: { allow: ['http://crl.example.com/', 'http://ocsp.example.com/ocsp', 'https://[fd00::1]:8443/crl/'] } }).revocation.allow).toHaveLength(3);
  });
});
