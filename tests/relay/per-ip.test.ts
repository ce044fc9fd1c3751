// limits.perIp counts an IPv6 client by its /64: one client holding a /64 cannot take a fresh
// address per session to escape the limit. The client addresses come through a trusted proxy's
// X-Forwarded-For (this sandbox cannot add IPv6 source addresses of its own).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '../../relay/index.ts';
import { openClient, startEchoServer, startTestRelay, type TcpTarget, type TestClient } from './helpers.ts';

let echo: TcpTarget;
beforeAll(async () => { echo = await startEchoServer(); });
afterAll(async () => { await echo.close(); });

describe('per-IP limit and IPv6', () => {
  it('two addresses in one /64 share the limit (4429); another /64 and IPv4-mapped clients are counted apart', async () => {
    const relay = await startTestRelay({ trustedProxies: ['127.0.0.1/32'], targets: { allow: [`127.0.0.1:${echo.port}`] }, limits: { perIp: 1 } });
    const via = (client: string): TestClient => openClient(`${relay.url}/ssh?host=127.0.0.1&port=${echo.port}`, undefined, { headers: { 'X-Forwarded-For': client } });
    const open: TestClient[] = [];
    try {
      const first = via('2001:db8:1:2::1');
      await first.opened;
      open.push(first);
      const sameNet = via('2001:db8:1:2:ffff:eeee:dddd:cccc');
      expect((await sameNet.closed).code).toBe(CloseCode.LIMIT_PER_IP);
      expect((await relay.logged('refused', { code: 'LIMIT_PER_IP' }))['from']).toBe('2001:db8:1:2:ffff:eeee:dddd:cccc'); // logs keep the full address
      for (const other of ['2001:db8:1:3::1', '203.0.113.9']) {
        const c = via(other);
        await c.opened;
        open.push(c);
      }
      expect((await via('::ffff:203.0.113.9').closed).code).toBe(CloseCode.LIMIT_PER_IP); // the same IPv4 client
      // Once the first session ends, its /64 may open one again.
      first.ws.close();
      await first.closed;
      await relay.logged('session', { from: '2001:db8:1:2::1' });
      const again = via('2001:db8:1:2::99');
      await again.opened;
      open.push(again);
    } finally {
      for (const c of open) c.ws.close();
      await Promise.all(open.map((c) => c.closed));
      await relay.close({ drainMs: 0 });
    }
  });
});
