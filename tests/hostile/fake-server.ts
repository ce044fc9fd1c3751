// A scripted fake SSH server for hostile tests: used ONLY for behaviour no real server produces
// (malformed lengths, endless banners, oversized packets, out-of-order messages in strict kex,
// a stalled peer). Each connection runs a script against a small plaintext packet toolkit.
import { createServer, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/** RFC 4253 §6: uint32 packet_length, byte padding_length, payload, random padding (>= 4 bytes, block 8). */
export function plainPacket(payload: Uint8Array, options: { padding?: number; lengthOverride?: number; paddingLengthOverride?: number } = {}): Buffer {
  let padding = options.padding ?? 8 - ((5 + payload.length) % 8);
  if (options.padding === undefined && padding < 4) padding += 8;
  const length = 1 + payload.length + padding;
  const out = Buffer.alloc(4 + length);
  out.writeUInt32BE(options.lengthOverride ?? length, 0);
  out.writeUInt8(options.paddingLengthOverride ?? padding, 4);
  Buffer.from(payload).copy(out, 5);
  randomBytes(padding).copy(out, 5 + payload.length);
  return out;
}

function nameList(names: readonly string[]): Buffer {
  const s = Buffer.from(names.join(','), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(s.length);
  return Buffer.concat([len, s]);
}

export interface FakeKexInit {
  kex?: readonly string[]; hostKey?: readonly string[]; ciphers?: readonly string[]; macs?: readonly string[];
}

/** SSH_MSG_KEXINIT (RFC 4253 §7.1) with the server's lists; strict kex offered by default. */
export function kexInitPayload(lists: FakeKexInit = {}): Buffer {
  const ciphers = lists.ciphers ?? ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr'];
  const macs = lists.macs ?? ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-256'];
  return Buffer.concat([
    Buffer.from([20]), randomBytes(16),
    nameList(lists.kex ?? ['curve25519-sha256', 'ecdh-sha2-nistp256', 'kex-strict-s-v00@openssh.com']),
    nameList(lists.hostKey ?? ['ssh-ed25519', 'rsa-sha2-512']),
    nameList(ciphers), nameList(ciphers), nameList(macs), nameList(macs),
    nameList(['none']), nameList(['none']), nameList([]), nameList([]),
    Buffer.from([0, 0, 0, 0, 0]),
  ]);
}

/** The bytes a scripted connection can read from the client, line or packet at a time. */
export class ScriptedConnection {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => { this.buffered = Buffer.concat([this.buffered, d]); this.waiter?.(); });
    socket.on('close', () => { this.ended = true; this.waiter?.(); });
    socket.on('error', () => { this.ended = true; this.waiter?.(); });
  }

  get closed(): boolean { return this.ended; }

  write(bytes: Uint8Array | string): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  private async need(n: number): Promise<boolean> {
    while (this.buffered.length < n) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => { this.waiter = resolve; });
      this.waiter = undefined;
    }
    return true;
  }

  /** The client's identification line (RFC 4253 §4.2), without CR LF. */
  async readVersion(): Promise<string | undefined> {
    for (;;) {
      const at = this.buffered.indexOf('\r\n');
      if (at >= 0) {
        const line = this.buffered.subarray(0, at).toString('utf8');
        this.buffered = this.buffered.subarray(at + 2);
        return line;
      }
      if (!(await this.need(this.buffered.length + 1))) return undefined;
    }
  }

  /** One plaintext packet's payload from the client (before NEWKEYS), or undefined at EOF. */
  async readPlainPacket(): Promise<Buffer | undefined> {
    if (!(await this.need(4))) return undefined;
    const length = this.buffered.readUInt32BE(0);
    if (!(await this.need(4 + length))) return undefined;
    const padding = this.buffered.readUInt8(4);
    const payload = this.buffered.subarray(5, 4 + length - padding);
    this.buffered = this.buffered.subarray(4 + length);
    return Buffer.from(payload);
  }

  /** Waits until the client closes the connection (or `ms` passes); true when it closed. */
  async waitClosed(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => { const t = setTimeout(resolve, 20); this.waiter = () => { clearTimeout(t); resolve(); }; });
      this.waiter = undefined;
    }
    return this.ended;
  }
}

export interface FakeServer {
  readonly port: number;
  /** Resolves with each script's result (or error) once the connection it served ended. */
  readonly finished: Promise<void>[];
  close(): Promise<void>;
}

/** Listens on a free loopback port; runs `script` for each connection, then destroys the socket. */
export async function startFakeServer(script: (conn: ScriptedConnection) => Promise<void>): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const finished: Promise<void>[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new ScriptedConnection(socket);
    finished.push(script(conn).catch(() => undefined).finally(() => socket.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('fake server: no address');
  return {
    port: addr.port,
    finished,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
