// A lean WebSocket client for the relay benchmark (RFC 6455), the same for every relay
// measured. The `ws` library's client spends about as much CPU per byte as a relay does
// (it reassembles each message into a new Buffer and emits it), so on a small machine the
// client, not the relay, set the measured rate. This one reads into one reused 1 MiB
// buffer, parses frame headers in place and hands out payload slices without copying.
// It does the full opening handshake (checking Sec-WebSocket-Accept), masks what it
// sends (§5.3) and answers pings (§5.5.2); it does not support fragmented control frames,
// extensions or text, which the relays under test never send.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';

/** bufferutil (the native masking `ws` itself uses); it ships no type declarations. */
const bufferUtil = createRequire(import.meta.url)('bufferutil') as {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
};

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3

export interface LeanWebSocket {
  /** Sends one binary message; false when 4 MiB or more wait to be written. */
  send(data: Buffer): boolean;
  /** Each payload slice as it arrives (valid only during the call). */
  onData(f: (chunk: Buffer) => void): void;
  /** Resolves when the socket has drained (after send returned false). */
  waitWritable(): Promise<void>;
  close(): void;
}

/** A masked client frame (§5.2): FIN + opcode, length, key, payload XOR key. */
function frame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(n, 2); }
  else { out[1] = 0x80 | 127; out.writeUInt32BE(Math.floor(n / 2 ** 32), 2); out.writeUInt32BE(n >>> 0, 6); }
  const key = randomBytes(4);
  key.copy(out, head);
  bufferUtil.mask(payload, key, out, head + 4, n);
  return out;
}

/** Opens ws://HOST:PORT/PATH with the given subprotocol; rejects on a failed handshake. */
export function openLean(url: string, protocol: string): Promise<LeanWebSocket> {
  const u = new URL(url);
  const key = randomBytes(16).toString('base64');
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  let listener: (chunk: Buffer) => void = () => { /* set by onData */ };
  let handshake: Buffer | null = Buffer.alloc(0);
  let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  // Frame parser state: header bytes collected so far, payload bytes still to come.
  const header = Buffer.alloc(14);
  let have = 0;
  let need = 2;
  let remaining = 0;
  let opcode = 0;
  let control: Buffer[] = [];

  const socket: Socket = connect({
    host: u.hostname, port: Number(u.port),
    onread: {
      buffer: Buffer.allocUnsafe(1 << 20),
      callback: (n, buf) => { parse(Buffer.from(buf.buffer, buf.byteOffset, n)); return true; },
    },
  });
  socket.setNoDelay(true);

  function parse(data: Buffer): void {
    if (handshake) {
      handshake = Buffer.concat([handshake, data]);
      const end = handshake.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = handshake.subarray(0, end).toString('latin1');
      const rest = handshake.subarray(end + 4);
      handshake = null;
      const ok = /^HTTP\/1\.1 101 /.test(head) && new RegExp(`\\r\\nsec-websocket-accept: *${accept.replace(/[+/=]/g, '\\$&')}\\r?$`, 'im').test(`\r\n${head}`);
      if (!ok) { settle?.reject(new Error(`WebSocket handshake failed: ${head.split('\r\n')[0] ?? ''}`)); socket.destroy(); return; }
      settle?.resolve();
      data = rest;
    }
    let off = 0;
    while (off < data.length) {
      if (remaining === 0 && have < need) {
        const take = Math.min(need - have, data.length - off);
        data.copy(header, have, off, off + take);
        have += take;
        off += take;
        if (have < need) return;
        if (need === 2) {
          if (header[1]! & 0x80) { socket.destroy(new Error('The server sent a masked frame (RFC 6455 §5.1 forbids it).')); return; }
          const len = header[1]! & 0x7f;
          need = len === 126 ? 4 : len === 127 ? 10 : 2;
          if (have < need) continue;
        }
        opcode = header[0]! & 0x0f;
        const len7 = header[1]! & 0x7f;
        remaining = len7 === 126 ? header.readUInt16BE(2) : len7 === 127 ? header.readUInt32BE(2) * 2 ** 32 + header.readUInt32BE(6) : len7;
        have = 0;
        need = 2;
        if (remaining === 0) endFrame();
        continue;
      }
      const take = Math.min(remaining, data.length - off);
      const slice = data.subarray(off, off + take);
      if (opcode === 0x2 || opcode === 0x0) listener(slice);
      else control.push(Buffer.from(slice));
      off += take;
      remaining -= take;
      if (remaining === 0) endFrame();
    }
  }

  function endFrame(): void {
    if (opcode === 0x9) socket.write(frame(0xa, Buffer.concat(control))); // ping -> pong
    else if (opcode === 0x8) socket.end(frame(0x8, Buffer.concat(control).subarray(0, 2)));
    control = [];
  }

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    settle = {
      resolve: () => {
        socket.off('error', reject);
        socket.on('error', () => { /* the benchmark step times out instead */ });
        resolve({
          // Up to 4 MiB queued, as the `ws` path allows (the socket's own mark is 16 KiB).
          send: (data) => { socket.write(frame(0x2, data)); return socket.writableLength < 4 << 20; },
          onData: (f) => { listener = f; },
          waitWritable: () => new Promise((r) => socket.once('drain', () => r())),
          close: () => socket.destroy(),
        });
      },
      reject,
    };
    socket.once('connect', () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
        + `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
    });
  });
}
