import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdleTimer } from '../kiosk/idle-timer.ts';
import { hostAllowed, loadSiteConfig, MAX_IDLE_TIMEOUT_SECONDS, parseSiteConfig } from './site-config.ts';

const here = { protocol: 'https:', host: 'tessera.example.com' };

describe('site configuration', () => {
  it('defaults to personal mode with the relay on this origin and trust on first use', () => {
    const c = parseSiteConfig({}, here);
    expect(c).toMatchObject({ mode: 'personal', relayUrl: 'wss://tessera.example.com/ssh', trustOnFirstUse: true, revocation: 'prefer', idleTimeoutSeconds: 0 });
    expect(parseSiteConfig({}, { protocol: 'http:', host: '127.0.0.1:8080' }).relayUrl).toBe('ws://127.0.0.1:8080/ssh');
    // CRLs and OCSP go through the relay's /revocation endpoint unless the document names another.
    expect(c.revocationUrl).toBe('https://tessera.example.com/revocation');
    expect(parseSiteConfig({ relayUrl: 'wss://relay.example.com/ssh' }, here).revocationUrl).toBe('https://relay.example.com/revocation');
    expect(parseSiteConfig({ revocationUrl: 'https://pki-proxy.example.com/fetch' }, here).revocationUrl).toBe('https://pki-proxy.example.com/fetch');
  });

  it('kiosk mode never trusts on first use, even when the document asks for it', () => {
    const c = parseSiteConfig({ mode: 'kiosk', trustOnFirstUse: true }, here);
    expect(c.trustOnFirstUse).toBe(false);
    expect(c.idleTimeoutSeconds).toBe(300);
  });

  it('names the field of a malformed document', () => {
    expect(() => parseSiteConfig({ mode: 'open' }, here)).toThrow(/'mode'/);
    expect(() => parseSiteConfig({ relayUrl: 'http://x' }, here)).toThrow(/'relayUrl'/);
    expect(() => parseSiteConfig({ allowedHosts: [1] }, here)).toThrow(/'allowedHosts'/);
    expect(() => parseSiteConfig({ idleTimeoutSeconds: -1 }, here)).toThrow(/'idleTimeoutSeconds'/);
    expect(parseSiteConfig({}, here)).toMatchObject({ serverAliveIntervalSeconds: 0, serverAliveCountMax: 3 });
    expect(parseSiteConfig({ serverAliveIntervalSeconds: 30, serverAliveCountMax: 5 }, here)).toMatchObject({ serverAliveIntervalSeconds: 30, serverAliveCountMax: 5 });
    for (const bad of [-1, 1.5, '30', 2 ** 31]) expect(() => parseSiteConfig({ serverAliveIntervalSeconds: bad }, here)).toThrow(/'serverAliveIntervalSeconds'/);
    for (const bad of [0, 1001, '3']) expect(() => parseSiteConfig({ serverAliveCountMax: bad }, here)).toThrow(/'serverAliveCountMax'/);
    expect(() => parseSiteConfig({ revocationUrl: 'ftp://x' }, here)).toThrow(/'revocationUrl'/);
    expect(() => parseSiteConfig({ relayUrl: 'ws://' }, here)).toThrow(/'relayUrl'/);
    expect(() => parseSiteConfig([], here)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('fails closed on unknown fields and wrong types instead of ignoring them', () => {
    const invalid = (raw: unknown, field: string) => {
      expect(() => parseSiteConfig(raw, here)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`'${field}'`) }));
    };
    // A misspelt policy field must not silently leave the weaker default ('prefer', trust on first use).
    invalid({ revocaton: 'require' }, 'revocaton');
    invalid({ trustOnFirstuse: false }, 'trustOnFirstuse');
    invalid({ demo: { virtualReaderport: 1 } }, 'demo.virtualReaderport');
    invalid({ defaultPort: '22' }, 'defaultPort');
    invalid({ defaultPort: 70000 }, 'defaultPort');
    invalid({ defaultHost: 5 }, 'defaultHost');
    invalid({ defaultUser: ['root'] }, 'defaultUser');
    invalid({ demo: [] }, 'demo');
    invalid({ demo: { virtualReaderPort: 0 } }, 'demo.virtualReaderPort');
    invalid({ demo: { password: 1 } }, 'demo.password');
    // https page, ws:// relay: the browser would block it at Connect (Mixed Content); say so at load.
    invalid({ relayUrl: 'ws://relay.example.com/ssh' }, 'relayUrl');
    expect(parseSiteConfig({ relayUrl: 'ws://127.0.0.1:8080/ssh' }, { protocol: 'http:', host: '127.0.0.1:8080' }).relayUrl).toBe('ws://127.0.0.1:8080/ssh');
    expect(parseSiteConfig({ defaultHost: 'h', defaultPort: 2222, defaultUser: 'u', demo: { virtualReaderPort: 9, password: 'p' } }, here))
      .toMatchObject({ defaultHost: 'h', defaultPort: 2222, defaultUser: 'u', demo: { virtualReaderPort: 9, password: 'p' } });
  });

  it('refuses an idle timeout longer than a timer can wait (it fired at once and cleared the kiosk on every key)', async () => {
    // 30 days meant "practically never"; the timer wrapped to 0 instead.
    let fired = 0;
    const idle = (seconds: number) => {
      const timer = new IdleTimer(parseSiteConfig({ mode: 'kiosk', idleTimeoutSeconds: seconds }, here).idleTimeoutSeconds * 1000, () => { fired++; }, new EventTarget());
      timer.start();
      return timer;
    };
    expect(() => idle(30 * 86_400)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining("'idleTimeoutSeconds'") }));
    const longest = idle(MAX_IDLE_TIMEOUT_SECONDS);
    await new Promise((r) => setTimeout(r, 50));
    longest.stop();
    expect(fired).toBe(0);
  });

  it('never throws anything but a typed error on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      try { parseSiteConfig(v, here); } catch (err) { expect((err as { code?: string }).code).toBe('CONFIG_INVALID'); }
    }));
  });

  it('matches allowed hosts exactly or by a *. suffix', () => {
    const c = parseSiteConfig({ allowedHosts: ['bastion.example.com', '*.corp.example.com'] }, here);
    expect(hostAllowed(c, 'BASTION.example.com')).toBe(true);
    expect(hostAllowed(c, 'a.corp.example.com')).toBe(true);
    expect(hostAllowed(c, 'corp.example.com')).toBe(false);
    expect(hostAllowed(c, 'evil.com')).toBe(false);
    expect(hostAllowed(parseSiteConfig({}, here), 'anything')).toBe(true);
  });

  it('loads /config.json: missing means defaults, malformed JSON is an error', async () => {
    const res = (status: number, body: string) => (async () => new Response(body, { status })) as unknown as typeof fetch;
    expect((await loadSiteConfig(res(404, ''), here)).mode).toBe('personal');
    expect((await loadSiteConfig(res(200, '{"mode":"kiosk"}'), here)).mode).toBe('kiosk');
    await expect(loadSiteConfig(res(200, '{oops'), here)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(loadSiteConfig(res(500, ''), here)).rejects.toMatchObject({ code: 'CONFIG_UNAVAILABLE' });
  });

  it('a failed fetch of /config.json is an error, never the personal-mode defaults (a kiosk must not fail open)', async () => {
    const offline = (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch;
    await expect(loadSiteConfig(offline, here)).rejects.toMatchObject({ code: 'CONFIG_UNAVAILABLE' });
  });
});
