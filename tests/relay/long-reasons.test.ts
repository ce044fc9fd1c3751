// Refusals that quote what a client sent (host, path, port, Origin) in the close reason. RFC 6455
// §5.5.1 caps the reason at 123 bytes and `ws` throws above that; before close-reason.ts a
// multi-byte host or a latin-1 Origin made that throw inside admit() and ended the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, startRelay } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget, type TestRelay } from './helpers.ts';

let echo: TcpTarget;
beforeAll(async () => { echo = await startEchoServer(); });
afterAll(async () => { await echo.close(); });

async function refusal(relay: TestRelay, path: string, opts: Parameters<typeof openClient>[2] = {}) {
  const closed = await openClient(`${relay.url}${path}`, undefined, opts).closed;
  expect(Buffer.byteLength(closed.reason, 'utf8')).toBeLessThanOrEqual(123);
  expect(closed.reason).toMatch(/^[\x20-\x7e]+$/); // client text is escaped to ASCII
  return closed;
}

/** A session still opens and carries data: the relay survived. */
async function stillServes(relay: { readonly url: string }) {
  const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
  await c.opened;
  c.ws.send(Buffer.from('alive'));
  expect((await c.waitFor(5)).toString()).toBe('alive');
  c.ws.close();
  await c.closed;
}

describe('close reasons quoting client text stay within 123 bytes', () => {
  it('multi-byte host, path segment and port: 4400 with a reason, and the relay keeps serving', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] } });
    try {
      const euro = '%E2%82%AC';
      const host = await refusal(relay, `/ssh?host=${euro.repeat(40)}`);
      expect(host.code).toBe(CloseCode.BAD_TARGET);
      expect(host.reason).toMatch(/^The target host '(\\u20ac)+\.\.\.' is not a valid host name or address\.$/);
      const pathHost = await refusal(relay, `/ssh/${'%F0%9F%98%80'.repeat(40)}/22`);
      expect(pathHost.code).toBe(CloseCode.BAD_TARGET);
      const segment = await refusal(relay, `/${euro.repeat(30)}`);
      expect(segment.code).toBe(CloseCode.BAD_TARGET);
      expect(segment.reason).toMatch(/^Unknown relay path '\/(\\u20ac)+\.\.\.': use \/ssh\?host=HOST&port=PORT\.$/);
      const port = await refusal(relay, `/ssh?host=127.0.0.1&port=${'%F0%9F%98%80'.repeat(20)}`);
      expect(port.code).toBe(CloseCode.BAD_TARGET);
      expect(relay.logs.filter((l) => l.event === 'refused' && l['code'] === 'BAD_TARGET')).toHaveLength(4);
      await stillServes(relay);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });

  it('a latin-1 Origin (2 bytes per character in UTF-8): 4403 before authentication, with and without auth', async () => {
    const origin = `http://${'\xe9'.repeat(60)}`;
    for (const auth of [{ mode: 'none' as const }, { mode: 'bearer' as const, tokens: [{ subject: 'alice', token: 's3cret-token-alice' }] }]) {
      const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] }, auth });
      try {
        const closed = await refusal(relay, `/ssh?host=127.0.0.1&port=${echo.port}`, { origin });
        expect(closed.code).toBe(CloseCode.ORIGIN_FORBIDDEN);
        expect(closed.reason).toMatch(/^Pages from 'http:\/\/(\\xe9)+\.\.\.' may not use this relay\.$/);
        await relay.logged('refused', { code: 'ORIGIN_FORBIDDEN' });
        if (auth.mode === 'none') await stillServes(relay);
        else {
          const c = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { headers: { Authorization: 'Bearer s3cret-token-alice' } });
          await c.opened;
          c.ws.close();
          await c.closed;
        }
      } finally {
        await relay.close({ drainMs: 0 });
      }
    }
  });
});

describe('a throw past admit()\'s own refusal handling', () => {
  it('is logged and closes that session with 1011; the relay keeps serving', async () => {
    // The log sink throws on the refusal line: the refusal path itself fails, as a future bug might.
    const logs: string[] = [];
    const relay = await startRelay({
      config: { listen: { host: '127.0.0.1', port: 0 }, static: { dir: null }, targets: { allow: [`127.0.0.1:${echo.port}`] } },
      log: (r) => { logs.push(r.event); if (r.event === 'refused') throw new Error('log sink failed'); },
    });
    try {
      const closed = await openClient(`${relay.url}/ssh?host=127.0.0.1&port=1`).closed;
      expect(closed.code).toBe(CloseCode.INTERNAL_ERROR);
      expect(logs).toContain('admit-error');
      await stillServes(relay);
    } finally {
      await relay.close({ drainMs: 0 });
    }
  });
});
