// An in-memory scripted SSH server with real keys, for hostile transport tests: used ONLY for behaviour no real
// server produces (messages out of place in the key exchange, floods, oversized values). Its kex is computed
// independently with node:crypto (curve25519-sha256, ssh-ed25519); every step can be scripted or replaced.
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { MSG, SshReader, SshWriter } from '../../ssh-proto/index.ts';
import {
  createPacketCipher, deriveDirectionKeys, keySizes, memoryPipe, PacketDecoder, PacketEncoder, Transport,
  type ByteStream, type TransportEvent, type TransportOptions,
} from '../../ssh-proto/transport/index.ts';

const enc = new TextEncoder();
export const str = (b: Uint8Array | string): Buffer => {
  const d = Buffer.from(b);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(d.length);
  return Buffer.concat([l, d]);
};
const hostKey = generateKeyPairSync('ed25519');
const rawPublic = (k: KeyObject) => Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url');
export const hostKeyBlob = Buffer.concat([str('ssh-ed25519'), str(rawPublic(hostKey.publicKey))]);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`scripted server: ${what}`);
}

export interface ScriptOptions {
  strict?: boolean;
  ciphers?: string;
  /** Lines sent before the identification string (RFC 4253 §4.2 allows them). */
  preBanner?: string[];
  /** Sign something other than the exchange hash H. */
  corruptSignature?: boolean;
}

export class ScriptedServer {
  readonly encoder = new PacketEncoder();
  readonly decoder = new PacketDecoder();
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  clientVersion = '';
  sessionId: Uint8Array | undefined;
  readonly version = 'SSH-2.0-ScriptedServer_1.0';

  constructor(stream: ByteStream, readonly opts: ScriptOptions = {}) {
    this.reader = stream.readable.getReader();
    this.writer = stream.writable.getWriter();
  }

  async raw(bytes: Uint8Array | string): Promise<void> {
    await this.writer.write(typeof bytes === 'string' ? enc.encode(bytes) : bytes);
  }

  async send(payload: Uint8Array): Promise<void> {
    await this.raw(await this.encoder.encode(payload));
  }

  /** Several packets in one write (one read on the client's side). */
  async sendBatch(payloads: readonly Uint8Array[]): Promise<void> {
    const parts: Uint8Array[] = [];
    for (const p of payloads) parts.push(await this.encoder.encode(p));
    await this.raw(Buffer.concat(parts));
  }

  async read(): Promise<Uint8Array> {
    for (;;) {
      const p = await this.decoder.next();
      if (p) return p.payload;
      const { value, done } = await this.reader.read();
      if (done) throw new Error('client closed');
      this.decoder.feed(value);
    }
  }

  async versionExchange(): Promise<void> {
    for (const l of this.opts.preBanner ?? []) await this.raw(`${l}\r\n`);
    await this.raw(`${this.version}\r\n`);
    let buf = Buffer.alloc(0);
    while (!buf.includes(10)) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error('client closed');
      buf = Buffer.concat([buf, value]);
    }
    const lf = buf.indexOf(10);
    this.clientVersion = buf.subarray(0, lf - 1).toString('latin1');
    this.decoder.feed(buf.subarray(lf + 1));
  }

  /** SSH_MSG_KEXINIT (RFC 4253 §7.1); strict kex offered in the first one unless `strict: false`. */
  kexInit(first: boolean, kexNames = 'curve25519-sha256'): Uint8Array {
    const ciphers = this.opts.ciphers ?? 'chacha20-poly1305@openssh.com';
    const kex = `${kexNames}${first && this.opts.strict !== false ? ',kex-strict-s-v00@openssh.com' : ''}`;
    return new SshWriter().byte(MSG.KEXINIT).raw(new Uint8Array(16)).string(kex).string('ssh-ed25519')
      .string(ciphers).string(ciphers).string('hmac-sha2-256').string('hmac-sha2-256').string('none').string('none')
      .string('').string('').boolean(false).uint32(0).toBytes();
  }

  /** One curve25519-sha256 key exchange; `ours` when our KEXINIT was already sent (sendOurs false). */
  async kex(first: boolean, opts: { sendOurs?: boolean; ours?: Uint8Array; clientKexInit?: Uint8Array } = {}): Promise<void> {
    const ours = opts.ours ?? this.kexInit(first);
    if (opts.sendOurs ?? true) await this.send(ours);
    const ic = opts.clientKexInit ?? await this.read();
    check(ic[0] === MSG.KEXINIT, `expected KEXINIT, got ${ic[0]}`);
    const init = new SshReader(await this.read());
    check(init.byte() === MSG.KEX_ECDH_INIT, 'expected KEX_ECDH_INIT');
    const qc = init.string();
    const eph = generateKeyPairSync('x25519');
    const qs = rawPublic(eph.publicKey);
    const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(qc).toString('base64url') }, format: 'jwk' }) });
    const k = new SshWriter().mpintBytes(shared).toBytes();
    const h = createHash('sha256').update(Buffer.concat([
      str(this.clientVersion), str(this.version), str(ic), str(ours), str(hostKeyBlob), str(qc), str(qs), k,
    ])).digest();
    this.sessionId ??= h;
    const sig = sign(null, this.opts.corruptSignature ? Buffer.from('not H') : h, hostKey.privateKey);
    await this.send(new SshWriter().byte(MSG.KEX_ECDH_REPLY).string(hostKeyBlob).string(qs)
      .string(Buffer.concat([str('ssh-ed25519'), str(sig)])).toBytes());
    const cipher = (this.opts.ciphers ?? 'chacha20-poly1305@openssh.com').split(',')[0]!;
    const mac = cipher.includes('ctr') ? 'hmac-sha2-256' : 'none';
    const sizes = keySizes(cipher, mac);
    const s2c = await deriveDirectionKeys('SHA-256', k, h, this.sessionId, false, sizes);
    const c2s = await deriveDirectionKeys('SHA-256', k, h, this.sessionId, true, sizes);
    await this.send(new Uint8Array([MSG.NEWKEYS]));
    this.encoder.setSealer(await createPacketCipher(cipher, mac, s2c));
    if (this.opts.strict !== false) this.encoder.seq = 0;
    check((await this.read())[0] === MSG.NEWKEYS, 'expected NEWKEYS');
    this.decoder.setOpener(await createPacketCipher(cipher, mac, c2s));
    if (this.opts.strict !== false) this.decoder.seq = 0;
  }

  async close(): Promise<void> {
    await this.writer.close();
  }

  /** Answers SERVICE_REQUEST like sshd. */
  async serviceAccept(): Promise<void> {
    const r = new SshReader(await this.read());
    check(r.byte() === MSG.SERVICE_REQUEST, 'expected SERVICE_REQUEST');
    await this.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string(r.name()).toBytes());
  }

  /** Reads messages until one of `type` arrives (skipping the client's replies to earlier ones). */
  async readUntil(type: number): Promise<Uint8Array> {
    for (;;) {
      const p = await this.read();
      if (p[0] === type) return p;
    }
  }
}

/** A client transport and a scripted server over a memory pipe; the client's events are recorded. */
export function scriptedSession(serverOpts: ScriptOptions = {}, clientOpts: Partial<TransportOptions> = {}) {
  const [c, s] = memoryPipe();
  const server = new ScriptedServer(s, serverOpts);
  const events: TransportEvent[] = [];
  const client = Transport.connect(c, { verifyHostKey: async () => {}, onEvent: (e) => events.push(e), handshakeTimeoutMs: 5000, ...clientOpts });
  client.catch(() => {});
  return { server, client, events };
}

/** EXT_INFO with one server-sig-algs extension (RFC 8308 §2.3, §3.1). */
export function extInfo(serverSigAlgs: string): Uint8Array {
  return new SshWriter().byte(MSG.EXT_INFO).uint32(1).string('server-sig-algs').string(serverSigAlgs).toBytes();
}
