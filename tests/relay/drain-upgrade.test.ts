// Upgrades that arrive while the relay drains (SIGTERM): answered 503, and a client that resets
// its connection right after asking (a tab closing during a rolling restart) must not end the
// process. Before the fix the socket had no 'error' listener on this path: ECONNRESET was uncaught.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget } from './helpers.ts';

let echo: TcpTarget;
beforeAll(async () => { echo = await startEchoServer(); });
afterAll(async () => { await echo.close(); });

const upgrade = (port: number) => `GET /ssh?host=127.0.0.1&port=${port} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`
  + 'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

describe('upgrades during the shutdown drain', () => {
  it('are refused with 503; clients that reset at once do not crash the relay, and live sessions still get 1001', async () => {
    const relay = await startTestRelay({ targets: { allow: [`127.0.0.1:${echo.port}`] } });
    const live = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
    await live.opened;
    live.ws.send(Buffer.from('hi'));
    await live.waitFor(2);
    // Everything below must land while the relay drains: 10 s of it, not a tight 1.5 s (the late clients would
    // then meet a closed port instead of the 503 path).
    const closing = relay.close({ drainMs: 10_000 });
    await relay.logged('shutdown');
    // A polite late client: 503.
    const late = openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`);
    await expect(late.opened).rejects.toThrow(/503/);
    // Rude ones: upgrade, then RST before the 503 can be written.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(relay.port, '127.0.0.1', () => { s.write(upgrade(echo.port)); s.resetAndDestroy(); resolve(); });
        s.on('error', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 20));
    }
    const closed = await live.closed;
    expect(closed.code).toBe(CloseCode.GOING_AWAY);
    await closing;
    await relay.logged('session', { closeName: 'GOING_AWAY' });
    await relay.logged('stopped');
  });
});
