import { describe, expect, it } from 'vitest';
import { freePort, requireExecutable, startPeer, waitForPort, PeerMissingError } from './index.ts';

describe('test peers', () => {
  it('starts a real process, sees it listen, and stops it by its id', async () => {
    const port = await freePort();
    const peer = startPeer(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`]);
    await peer.waitForOutput(/ready/);
    await waitForPort(port);
    await peer.stop();
    expect(() => process.kill(peer.pid, 0)).toThrow();
  });

  it('fails loudly when a component is missing', () => {
    expect(() => requireExecutable('/nonexistent/sshd', 'Debian openssh-server')).toThrow(PeerMissingError);
  });
});
