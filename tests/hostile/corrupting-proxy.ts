// A TCP proxy in front of a REAL sshd that flips one bit of the encrypted server-to-client
// stream after the server's NEWKEYS: the only way to get a genuinely bad MAC/tag from a real
// peer's cipher text. It follows the plaintext framing (RFC 4253 §4.2, §6) up to NEWKEYS.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CorruptingProxy {
  readonly port: number;
  /** True once a byte was flipped. */
  corrupted(): boolean;
  close(): Promise<void>;
}

const MSG_NEWKEYS = 21;

/** Flips bit 0 of the byte at `offset` counted from the first encrypted byte the server sends. */
export async function startCorruptingProxy(targetPort: number, offset: number): Promise<CorruptingProxy> {
  const sockets = new Set<Socket>();
  let flipped = false;
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client); sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('close', end); upstream.on('close', end);
    client.on('error', end); upstream.on('error', end);
    client.on('data', (d: Buffer) => upstream.write(d));

    let pending = Buffer.alloc(0);
    let state: 'version' | 'packets' | 'encrypted' = 'version';
    let encryptedSeen = 0;
    upstream.on('data', (d: Buffer) => {
      if (state === 'encrypted') { client.write(flip(d)); return; }
      pending = Buffer.concat([pending, d]);
      let forward = 0;
      for (;;) {
        if (state === 'version') {
          const nl = pending.indexOf('\n', forward);
          if (nl < 0) break;
          const line = pending.subarray(forward, nl).toString('latin1');
          forward = nl + 1;
          if (line.startsWith('SSH-')) state = 'packets';
        } else if (state === 'packets') {
          if (pending.length - forward < 6) break;
          const length = pending.readUInt32BE(forward);
          if (pending.length - forward < 4 + length) break;
          const msg = pending[forward + 5];
          forward += 4 + length;
          if (msg === MSG_NEWKEYS) { state = 'encrypted'; break; }
        } else break;
      }
      if (state === 'encrypted') {
        client.write(pending.subarray(0, forward));
        const rest = pending.subarray(forward);
        if (rest.length > 0) client.write(flip(Buffer.from(rest)));
        pending = Buffer.alloc(0);
      } else {
        client.write(pending.subarray(0, forward));
        pending = pending.subarray(forward);
      }
    });

    function flip(chunk: Buffer): Buffer {
      const at = offset - encryptedSeen;
      encryptedSeen += chunk.length;
      if (!flipped && at >= 0 && at < chunk.length) {
        const copy = Buffer.from(chunk);
        copy[at] = (copy[at] ?? 0) ^ 0x01;
        flipped = true;
        return copy;
      }
      return chunk;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('proxy: no address');
  return {
    port: addr.port,
    corrupted: () => flipped,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
