// cli/slab-reads.ts: a socket's reads land side by side in large slabs, in order, so the SSH packet decoder can join
// neighbouring reads without a copy; a new slab starts when less than a default read's room is left.
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { slabReads } from '../../cli/slab-reads.ts';

describe('slabReads', () => {
  it('hands over every byte in order, each read right after the previous one in the same slab until it is nearly full', { timeout: 20_000 }, async () => {
    const payload = randomBytes(5 * 1024 * 1024 + 123);
    const server = createServer((s) => { s.end(payload); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const chunks: Uint8Array[] = [];
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, onread: slabReads((c) => { chunks.push(c); return true; }) });
        socket.once('end', resolve);
        socket.once('error', reject);
      });
      expect(Buffer.concat(chunks).equals(payload)).toBe(true);
      let slabs = 1;
      for (let i = 1; i < chunks.length; i++) {
        const [prev, c] = [chunks[i - 1]!, chunks[i]!];
        if (c.buffer === prev.buffer) {
          expect(c.byteOffset).toBe(prev.byteOffset + prev.length); // side by side
        } else {
          slabs++;
          expect(c.byteOffset).toBe(0);
          expect(prev.buffer.byteLength - (prev.byteOffset + prev.length)).toBeLessThan(64 * 1024); // the last one was nearly full
        }
      }
      expect(slabs).toBeGreaterThanOrEqual(5); // 1 MiB slabs
      expect(slabs).toBeLessThanOrEqual(7);
    } finally {
      server.close();
    }
  });

  it('returning false stops reading until socket.resume() (backpressure, as cli/net-stream.ts uses it)', { timeout: 20_000 }, async () => {
    const server = createServer((s) => { s.end(randomBytes(4 * 1024 * 1024)); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      let got = 0;
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, onread: slabReads((c) => { got += c.length; return false; }) });
      // The first read comes when it comes (a loaded machine may take longer than any fixed wait); after it, nothing.
      await expect.poll(() => got, { timeout: 15_000, interval: 20 }).toBeGreaterThan(0);
      const whilePaused = got;
      await new Promise((r) => setTimeout(r, 200)); // a reader that ignored the pause would read on meanwhile
      expect(got).toBe(whilePaused); // nothing read meanwhile
      expect(whilePaused).toBeGreaterThan(0);
      expect(whilePaused).toBeLessThan(4 * 1024 * 1024);
      await new Promise<void>((r) => { const poll = () => (got === 4 * 1024 * 1024 ? r() : (socket.resume(), setTimeout(poll, 10))); poll(); });
      expect(got).toBe(4 * 1024 * 1024);
      socket.destroy();
    } finally {
      server.close();
    }
  });
});
