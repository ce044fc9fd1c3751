import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningPorts, PeerStartError, startPeer, waitForListening } from './index.ts';

describe('listeningPorts', () => {
  it('names the ports a process listens on, not those another process holds', async () => {
    const mine = createServer();
    await new Promise<void>((r) => mine.listen(0, '127.0.0.1', r));
    const minePort = (mine.address() as { port: number }).port;
    const peer = startPeer(process.execPath, ['-e', "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log('port ' + s.address().port))"]);
    try {
      const printed = Number((await peer.waitForOutput(/port (\d+)/))[1]);
      expect(await waitForListening(peer)).toEqual([printed]);
      expect(await waitForListening(peer, { port: printed })).toEqual([printed]);
      expect(listeningPorts(peer.pid)).not.toContain(minePort);
      expect(listeningPorts(process.pid)).toContain(minePort);
    } finally {
      await peer.stop();
      mine.close();
    }
    expect(listeningPorts(peer.pid)).toEqual([]);
  });

  it('waitForListening fails with the output of a process that exits first', async () => {
    const peer = startPeer(process.execPath, ['-e', "console.error('no port for me'); process.exit(3)"]);
    await expect(waitForListening(peer, { timeoutMs: 30_000 })).rejects.toThrow(PeerStartError);
    await expect(waitForListening(peer, { timeoutMs: 30_000 })).rejects.toThrow(/exited \(3\)/);
  });
});
