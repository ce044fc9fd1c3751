// The vpcd bridge's connect against loopback ports: the self-connection it must not take for vpcd.
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../tests/support/index.ts';
import { PivCard } from '../piv/index.ts';
import { isSelfConnected, VpcdBridge } from './index.ts';

const sockets: Socket[] = [];
afterEach(() => { for (const s of sockets.splice(0)) s.destroy(); });

function open(options: { port: number; localPort?: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', ...options, ...(options.localPort ? { localAddress: '127.0.0.1' } : {}) }, () => resolve(s));
    sockets.push(s);
    s.once('error', reject);
  });
}

describe('isSelfConnected', () => {
  it('tells a socket connected to itself (source port = destination port, no listener) from a real connection', async () => {
    const port = await freePort();
    // Linux completes the handshake with itself: what a retried connect can hit by chance.
    const self = await open({ port, localPort: port });
    expect(self.remotePort).toBe(port);
    expect(isSelfConnected(self)).toBe(true);

    const server = createServer((c) => sockets.push(c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const real = await open({ port: (server.address() as { port: number }).port });
      expect(isSelfConnected(real)).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('VpcdBridge.connect', () => {
  it('with nothing listening, gives up with a typed error once the timeout passes', async () => {
    const port = await freePort();
    const card = new PivCard();
    await expect(VpcdBridge.connect(card, { port, connectTimeoutMs: 300 })).rejects.toMatchObject({ code: 'SIM_VPCD' });
  });
});
