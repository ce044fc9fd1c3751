// A loopback TCP proxy whose connections can be frozen: from then on no byte is forwarded either way and nothing is
// closed, as when a peer's machine dies or a link goes silent (no RST, no FIN).
import { createConnection, createServer, type Socket } from 'node:net';

export interface FreezingProxy {
  readonly port: number;
  /** Stops forwarding on every connection made so far. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startFreezingProxy(targetPort: number, host = '127.0.0.1'): Promise<FreezingProxy> {
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = createConnection({ host, port: targetPort });
    sockets.push(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    freeze: () => { for (const s of sockets) { s.unpipe(); s.pause(); } },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
