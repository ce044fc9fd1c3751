import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, requireExecutable, startOnFreePort, startPeer, waitForPort, PeerMissingError } from './index.ts';

describe('test peers', () => {
  it('starts a real process, sees it listen, and stops it by its id', async () => {
    // Drawn, then bound by another process: started again on another port if it was taken meanwhile.
    const { peer, port } = await startOnFreePort({
      name: 'node', portTaken: /EADDRINUSE/,
      start: (port) => startPeer(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`]),
    });
    await peer.waitForOutput(/ready/);
    await waitForPort(port);
    await peer.stop();
    expect(() => process.kill(peer.pid, 0)).toThrow();
  });

  it('freePort gives ports below the ephemeral range, free to listen on', async () => {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low!);
    }
    // Free when drawn: a test file running in parallel may take one before this listens, never five in a row.
    const listened: string[] = [];
    for (const port of ports.slice(0, 5)) {
      const server = createServer();
      listened.push(await new Promise<string>((resolve) => {
        server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve('listened')));
      }));
      if (listened.at(-1) === 'listened') break;
    }
    expect(listened.at(-1)).toBe('listened');
  });

  it('fails loudly when a component is missing', () => {
    expect(() => requireExecutable('/nonexistent/sshd', 'Debian openssh-server')).toThrow(PeerMissingError);
  });
});
