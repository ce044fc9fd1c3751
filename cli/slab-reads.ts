// Socket reads one after another into large slabs (net.Socket `onread`), instead of Node's default of a fresh 64 KiB
// Buffer per read. Consecutive reads then lie side by side in memory, and the SSH packet decoder joins such views
// without copying (ssh-proto PacketDecoder.feed): a packet cut by a read boundary is opened in place like any other,
// where a 32 KiB packet in 64 KiB reads was cut about every other read and had to be copied into a new buffer.
// Bytes handed out are never written again (the decoder decrypts them in place and the session output keeps views of
// them), so a slab is only ever filled forward; it is freed once nothing views it.
import type { OnReadOpts } from 'node:net';

/** A slab's size, and the least room a read is offered (Node's default read size). */
const SLAB = 1024 * 1024;
const MIN_READ = 64 * 1024;

/** `onread` options that hand each read's bytes to `onChunk` as a view into the current slab. */
export function slabReads(onChunk: (chunk: Uint8Array) => boolean): OnReadOpts {
  let slab = Buffer.allocUnsafeSlow(SLAB);
  let at = 0;
  return {
    buffer: () => {
      if (SLAB - at < MIN_READ) { slab = Buffer.allocUnsafeSlow(SLAB); at = 0; }
      return slab.subarray(at);
    },
    callback: (n: number) => {
      const chunk = new Uint8Array(slab.buffer, slab.byteOffset + at, n);
      at += n;
      return onChunk(chunk);
    },
  };
}
