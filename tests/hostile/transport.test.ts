// Hostile servers: behaviour no real server produces. The client must end with a typed error
// (a stable `code`) and never hang; each test is bounded by the handshake timeout and vitest's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transport, SshError, setCryptoBackend, WEB_CRYPTO_BACKEND, type TransportOptions } from '../../ssh-proto/index.ts';
import { connectTcp } from '../../cli/net-stream.ts';
import { NODE_CRYPTO_BACKEND } from '../../cli/node-crypto-backend.ts';
import { generateKey, makeTempDir, removeTempDir, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { kexInitPayload, plainPacket, startFakeServer, type ScriptedConnection } from './fake-server.ts';
import { startCorruptingProxy } from './corrupting-proxy.ts';

const BANNER = 'SSH-2.0-OpenSSH_9.9 hostile\r\n';
const MSG_IGNORE = 2;
const MSG_SERVICE_ACCEPT = 6;

async function outcome(port: number, options: Partial<TransportOptions> = {}): Promise<unknown> {
  const stream = await connectTcp('127.0.0.1', port);
  try {
    const transport = await Transport.connect(stream, { verifyHostKey: async () => undefined, handshakeTimeoutMs: 3000, ...options });
    // Past the handshake: the failure must surface on the next receive.
    try { await transport.receive(); return 'no error'; } finally { await transport.close().catch(() => undefined); }
  } catch (err) {
    return err;
  } finally {
    stream.destroy();
  }
}

function expectCode(err: unknown, codes: readonly string[]): void {
  expect(err, String(err)).toBeInstanceOf(SshError);
  expect(codes).toContain((err as SshError).code);
}

/** Runs one scripted server against the client and returns the client's error. */
async function against(script: (c: ScriptedConnection) => Promise<void>, options: Partial<TransportOptions> = {}): Promise<unknown> {
  const server = await startFakeServer(script);
  try {
    return await outcome(server.port, options);
  } finally {
    await server.close();
  }
}

/** Banner, read the client's version and KEXINIT, then send our KEXINIT (strict kex offered). */
async function upToKexInit(c: ScriptedConnection, kexinit = kexInitPayload()): Promise<Buffer | undefined> {
  c.write(BANNER);
  await c.readVersion();
  const clientKexInit = await c.readPlainPacket();
  c.write(plainPacket(kexinit));
  return clientKexInit;
}

describe('hostile version exchange', () => {
  it('an endless pre-banner ends with BANNER_TOO_LONG', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      for (let i = 0; i < 100_000 && !c.closed; i++) {
        if (!c.write(`hello from an endless banner line number ${i}\r\n`)) await new Promise((r) => c.socket.once('drain', r));
      }
    });
    expectCode(err, ['BANNER_TOO_LONG']);
  });

  it('a version line without an end ends with a typed error', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { c.write(`SSH-2.0-${'x'.repeat(100_000)}`); await c.waitClosed(5000); });
    expectCode(err, ['VERSION_BAD_LINE', 'BANNER_TOO_LONG']);
  });

  it('an SSH-1 server is refused with VERSION_UNSUPPORTED', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { c.write('SSH-1.5-ancient\r\n'); await c.waitClosed(5000); });
    expectCode(err, ['VERSION_UNSUPPORTED']);
  });

  it('a server that closes before its banner ends with CONNECTION_CLOSED', { timeout: 10_000 }, async () => {
    const err = await against(async () => undefined);
    expectCode(err, ['CONNECTION_CLOSED']);
  });
});

describe('hostile packets', () => {
  it('a packet length of 2^32-1 is refused with PACKET_TOO_LARGE', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { c.write(BANNER); await c.readVersion(); c.write(plainPacket(kexInitPayload(), { lengthOverride: 0xffffffff })); await c.waitClosed(5000); });
    expectCode(err, ['PACKET_TOO_LARGE', 'PACKET_BAD_LENGTH']);
  });

  it('an oversized packet (300 000 bytes) is refused before it is buffered', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      c.write(BANNER); await c.readVersion();
      c.write(plainPacket(new Uint8Array(300_000).fill(MSG_IGNORE)));
      await c.waitClosed(5000);
    });
    expectCode(err, ['PACKET_TOO_LARGE']);
  });

  it('a packet length that is not a multiple of the block size is refused', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      c.write(BANNER); await c.readVersion();
      const p = plainPacket(kexInitPayload());
      c.write(plainPacket(kexInitPayload(), { lengthOverride: p.readUInt32BE(0) - 1 }));
      await c.waitClosed(5000);
    });
    expectCode(err, ['PACKET_BAD_LENGTH']);
  });

  it('a packet length below the minimum is refused', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { c.write(BANNER); await c.readVersion(); c.write(Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])); await c.waitClosed(5000); });
    expectCode(err, ['PACKET_BAD_LENGTH']);
  });

  it('padding longer than the packet is refused with PACKET_BAD_PADDING', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      c.write(BANNER); await c.readVersion();
      c.write(plainPacket(kexInitPayload(), { paddingLengthOverride: 255 }));
      await c.waitClosed(5000);
    });
    // RFC 4253 §6: padding_length must leave room for the payload; a per-message read past the end is also typed.
    expectCode(err, ['PACKET_BAD_PADDING', 'PACKET_BAD_LENGTH', 'WIRE_SHORT_READ']);
  });

  it('a truncated stream (close in the middle of a packet) ends with CONNECTION_CLOSED', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { c.write(BANNER); await c.readVersion(); c.write(plainPacket(kexInitPayload()).subarray(0, 40)); });
    expectCode(err, ['CONNECTION_CLOSED']);
  });

  it('a garbage KEXINIT (short name-list) ends with a typed error', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { await upToKexInit(c, Buffer.from([20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0, 0, 0xff, 0xff])); await c.waitClosed(5000); });
    expect(err).toBeInstanceOf(SshError);
  });
});

describe('hostile key exchange', () => {
  it('no common cipher ends with KEX_NO_COMMON_ALGORITHM', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { await upToKexInit(c, kexInitPayload({ ciphers: ['aes128-cbc', '3des-cbc'] })); await c.waitClosed(5000); });
    expectCode(err, ['KEX_NO_COMMON_ALGORITHM']);
  });

  it('strict kex: a message before KEXINIT is a STRICT_KEX_VIOLATION (Terrapin, OpenSSH PROTOCOL §1.10)', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      c.write(BANNER); await c.readVersion(); await c.readPlainPacket();
      c.write(plainPacket(Buffer.from([MSG_IGNORE, 0, 0, 0, 0])));
      c.write(plainPacket(kexInitPayload()));
      await c.waitClosed(5000);
    });
    expectCode(err, ['STRICT_KEX_VIOLATION']);
  });

  it('strict kex: IGNORE in the middle of the key exchange is a STRICT_KEX_VIOLATION', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      await upToKexInit(c);
      await c.readPlainPacket(); // the client's KEX_ECDH_INIT
      c.write(plainPacket(Buffer.from([MSG_IGNORE, 0, 0, 0, 0])));
      await c.waitClosed(5000);
    });
    expectCode(err, ['STRICT_KEX_VIOLATION']);
  });

  it('a non-kex message instead of the kex reply ends with a typed error', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      await upToKexInit(c, kexInitPayload({ kex: ['curve25519-sha256'] }));
      await c.readPlainPacket();
      c.write(plainPacket(Buffer.from([MSG_SERVICE_ACCEPT, 0, 0, 0, 0])));
      await c.waitClosed(5000);
    });
    expectCode(err, ['KEX_UNEXPECTED_MESSAGE', 'STRICT_KEX_VIOLATION']);
  });

  it('a garbage kex reply ends with a typed error', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => {
      await upToKexInit(c, kexInitPayload({ kex: ['curve25519-sha256'] }));
      await c.readPlainPacket();
      c.write(plainPacket(Buffer.from([31, 0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 5, 9, 9])));
      await c.waitClosed(5000);
    });
    // A short K_S / Q_S / signature: the per-message reader's WIRE_* code or the kex's own.
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).code).toMatch(/^(KEX_BAD_REPLY|WIRE_|HOST_KEY_SIGNATURE_INVALID)/);
  });

  it('a server that sends DISCONNECT ends with DISCONNECTED and its reason', { timeout: 10_000 }, async () => {
    const reason = Buffer.from('go away');
    const payload = Buffer.concat([Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, reason.length]), reason, Buffer.from([0, 0, 0, 0])]);
    const err = await against(async (c) => { await upToKexInit(c); c.write(plainPacket(payload)); await c.waitClosed(5000); });
    expectCode(err, ['DISCONNECTED']);
    expect((err as Error).message).toContain('go away');
  });
});

describe('stalled peers', () => {
  it('a server that never speaks ends with HANDSHAKE_TIMEOUT', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { await c.waitClosed(8000); }, { handshakeTimeoutMs: 1500 });
    expectCode(err, ['HANDSHAKE_TIMEOUT']);
  });

  it('a server that stalls after KEXINIT ends with HANDSHAKE_TIMEOUT', { timeout: 10_000 }, async () => {
    const err = await against(async (c) => { await upToKexInit(c); await c.waitClosed(8000); }, { handshakeTimeoutMs: 1500 });
    expectCode(err, ['HANDSHAKE_TIMEOUT']);
  });
});

describe('bad MACs from a real sshd (one bit flipped in its encrypted stream)', () => {
  let dir: string;
  let key: KeyPair;
  let sshd: SshServerPeer;
  beforeAll(async () => {
    dir = makeTempDir();
    key = generateKey(dir, 'user', 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicLine] });
  });
  afterAll(async () => { await sshd.stop(); removeTempDir(dir); });

  const cases: [string, string, string][] = [
    ['chacha20-poly1305@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'poly1305 tag'],
    ['aes128-gcm@openssh.com', 'hmac-sha2-256-etm@openssh.com', 'GCM tag'],
    ['aes256-ctr', 'hmac-sha2-256-etm@openssh.com', 'encrypt-then-MAC'],
    ['aes128-ctr', 'hmac-sha2-512', 'encrypt-and-MAC'],
  ];
  // On the page's backend and on the tessera command's (packet ciphers in place on OpenSSL, cli/openssl-packet-keys.ts).
  const backends = new Map([WEB_CRYPTO_BACKEND, NODE_CRYPTO_BACKEND].map((b) => [b.name, b]));
  it.each(cases.flatMap((c) => [...backends.keys()].map((b) => [...c, b] as const)))('%s with %s: the %s check fails with MAC_MISMATCH (%s)', { timeout: 15_000 }, async (cipher, mac, _check, name) => {
    // Offset 12: inside the first encrypted packet's body (never its length field).
    const proxy = await startCorruptingProxy(sshd.port, 12);
    const previous = setCryptoBackend(backends.get(name)!);
    try {
      const err = await outcome(proxy.port, { ciphers: [cipher], macs: [mac], hostKeyAlgorithms: ['ssh-ed25519'] });
      expect(proxy.corrupted()).toBe(true);
      expectCode(err, ['MAC_MISMATCH']);
    } finally {
      setCryptoBackend(previous);
      await proxy.close();
    }
  });
});
