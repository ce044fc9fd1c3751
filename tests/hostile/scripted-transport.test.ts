// Transport behaviour against a scripted in-memory server. The fake server is used only for behaviour
// no real server produces (endless banners, strict-kex violations, corrupted MACs, oversized packets,
// stalls); its kex is computed independently with node:crypto (X25519, Ed25519, SHA-256).
// Real-server interop is tests/transport/sshd-transport.test.ts and tests/ssh. The server is scripted-server.ts.
import { describe, expect, it } from 'vitest';
import { MSG, SshReader, SshWriter } from '../../ssh-proto/index.ts';
import { memoryPipe, Transport, type ByteStream } from '../../ssh-proto/transport/index.ts';
import { ScriptedServer, scriptedSession as setup } from './scripted-server.ts';

const serviceRequest = () => new SshWriter().byte(MSG.SERVICE_REQUEST).string('ssh-userauth').toBytes();

describe('version exchange (RFC 4253 §4.2)', () => {
  it('tolerates lines before the identification and reports them', async () => {
    const { server, client, events } = setup({ preBanner: ['Welcome', 'to the fake server'] });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    expect(t.serverVersion).toBe('SSH-2.0-ScriptedServer_1.0');
    expect(server.clientVersion).toBe('SSH-2.0-Tessera_0.1');
    expect(events).toContainEqual({ type: 'pre-banner', lines: ['Welcome', 'to the fake server'] });
    await t.close();
  });

  it('ends an endless banner with BANNER_TOO_LONG', async () => {
    const { server, client } = setup();
    void (async () => { try { for (let i = 0; i < 5000; i++) await server.raw('la la la la la la la la\r\n'); } catch { /* closed */ } })();
    await expect(client).rejects.toMatchObject({ code: 'BANNER_TOO_LONG' });
  });

  it('refuses SSH-1 with VERSION_UNSUPPORTED', async () => {
    const { server, client } = setup();
    await server.raw('SSH-1.5-Old\r\n');
    await expect(client).rejects.toMatchObject({ code: 'VERSION_UNSUPPORTED' });
  });

  it('gives HANDSHAKE_TIMEOUT when the server stalls', async () => {
    const { server, client } = setup({}, { handshakeTimeoutMs: 300 });
    await server.raw('SSH-2.0-Staller\r\n');
    await expect(client).rejects.toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
  });
});

describe('strict kex (OpenSSH PROTOCOL §1.10)', () => {
  it('is on when the server offers it; the kex-done event says so', async () => {
    const { server, client, events } = setup();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    expect(t.strictKex).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'kex-done', strictKex: true, initial: true }));
    void server.serviceAccept();
    await t.send(serviceRequest());
    expect((await t.receive())[0]).toBe(MSG.SERVICE_ACCEPT);
    await t.close();
  });

  it('refuses an IGNORE before the first KEXINIT', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.send(new SshWriter().byte(MSG.IGNORE).string('x').toBytes());
    await server.send(server.kexInit(true));
    await expect(client).rejects.toMatchObject({ code: 'STRICT_KEX_VIOLATION' });
  });

  it('refuses a DEBUG in the middle of the initial kex', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.send(server.kexInit(true));
    await server.send(new SshWriter().byte(MSG.DEBUG).boolean(false).string('hi').string('').toBytes());
    await expect(client).rejects.toMatchObject({ code: 'STRICT_KEX_VIOLATION' });
  });

  it('without strict kex, an IGNORE before KEXINIT is fine', async () => {
    const { server, client } = setup({ strict: false });
    await server.versionExchange();
    await server.send(new SshWriter().byte(MSG.IGNORE).string('x').toBytes());
    await server.kex(true);
    const t = await client;
    expect(t.strictKex).toBe(false);
    await t.close();
  });
});

describe('hostile and failing servers', () => {
  it('refuses a packet length above the limit with PACKET_TOO_LARGE', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.raw(new SshWriter().uint32(1 << 24).raw(new Uint8Array(64)).toBytes());
    await expect(client).rejects.toMatchObject({ code: 'PACKET_TOO_LARGE' });
  });

  it('refuses a forged host-key signature with HOST_KEY_SIGNATURE_INVALID', async () => {
    const { server, client } = setup({ corruptSignature: true });
    await server.versionExchange();
    server.kex(true).catch(() => {});
    await expect(client).rejects.toMatchObject({ code: 'HOST_KEY_SIGNATURE_INVALID' });
  });

  it('names both lists when no cipher is common (KEX_NO_COMMON_ALGORITHM)', async () => {
    const { server, client } = setup({ ciphers: 'aes128-cbc,3des-cbc' });
    await server.versionExchange();
    await server.send(server.kexInit(true));
    await expect(client).rejects.toThrow(/we offer chacha20-poly1305@openssh.com.*the server offers aes128-cbc,3des-cbc/);
  });

  it.each(['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes128-ctr'])('%s: a corrupted packet ends the connection with MAC_MISMATCH', async (cipher) => {
    const { server, client } = setup({ ciphers: cipher });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const sealed = (await server.encoder.encode(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth').toBytes())).slice();
    sealed[sealed.length - 1]! ^= 0x80;
    await server.raw(sealed);
    await expect(t.receive()).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
    expect(await t.closed).toMatchObject({ code: 'MAC_MISMATCH' });
  });

  it('turns DISCONNECT into DISCONNECTED with the reason', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    await server.send(new SshWriter().byte(MSG.DISCONNECT).uint32(11).string('bye now').string('').toBytes());
    await expect(t.receive()).rejects.toMatchObject({ code: 'DISCONNECTED', reasonCode: 11, description: 'bye now' });
  });

  it('answers an unknown transport message with UNIMPLEMENTED and its sequence number (RFC 4253 §11.4)', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    await server.send(new Uint8Array([15, 1, 2]));
    await server.send(new Uint8Array([200]));
    const r = new SshReader(await server.read());
    expect(r.byte()).toBe(MSG.UNIMPLEMENTED);
    expect(r.uint32()).toBe(0); // first packet after NEWKEYS under strict kex
    const r2 = new SshReader(await server.read());
    expect(r2.byte()).toBe(MSG.UNIMPLEMENTED);
    expect(r2.uint32()).toBe(1);
    // Upper-layer numbers still reach receive().
    await server.send(new SshWriter().byte(MSG.GLOBAL_REQUEST).string('x').boolean(false).toBytes());
    expect((await t.receive())[0]).toBe(MSG.GLOBAL_REQUEST);
    await t.close();
  });
});

describe('rekeying (RFC 4253 §9)', () => {
  it('client- and server-initiated rekeys keep data flowing and the session id', async () => {
    const { server, client, events } = setup();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const sessionId = Buffer.from(t.sessionId);
    // Client-initiated: data sent during the kex is queued and arrives after it, a tail with its head.
    t.rekey();
    const data = t.send(new SshWriter().byte(94).uint32(0).uint32(10).toBytes(), new TextEncoder().encode('during kex'));
    await server.kex(false);
    const got = new SshReader(await server.read());
    expect([got.byte(), got.uint32(), new TextDecoder().decode(got.string())]).toEqual([94, 0, 'during kex']);
    await data;
    // Server-initiated.
    await server.send(server.kexInit(false));
    await server.kex(false, { sendOurs: false });
    await server.send(new SshWriter().byte(94).uint32(0).string('after').toBytes());
    expect((await t.receive())[0]).toBe(94);
    expect(t.kexCount).toBe(3);
    expect(Buffer.from(t.sessionId)).toEqual(sessionId);
    expect(events.filter((e) => e.type === 'kex-done').map((e) => e.type === 'kex-done' && e.initial)).toEqual([true, false, false]);
    await t.close();
  });

  it.each(['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'])('%s: packets opened ahead as they arrive stay complete and in order around a server-initiated rekey', async (cipher) => {
    const { server, client } = setup({ ciphers: cipher });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const data = (i: number) => new SshWriter().byte(94).uint32(0).string(new Uint8Array(1000 + i * 997).fill(i)).toBytes();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) { sent.push(data(i)); await server.send(sent[i]!); }
    // The server's NEWKEYS and the first packet under the new keys arrive in one read: the client must not open
    // that packet ahead with the old keys.
    const send = server.send.bind(server);
    let held: Uint8Array | undefined;
    server.send = async (payload) => {
      if (payload[0] === MSG.NEWKEYS) { held = await server.encoder.encode(payload); return; }
      if (!held) return send(payload);
      const both = Buffer.concat([held, await server.encoder.encode(payload)]);
      held = undefined;
      await server.raw(both);
    };
    await server.send(server.kexInit(false));
    await server.kex(false, { sendOurs: false });
    for (let i = 20; i < 40; i++) { sent.push(data(i)); await server.send(sent[i]!); }
    for (const s of sent) expect(Buffer.from(await t.receive()).equals(Buffer.from(s))).toBe(true);
    expect(t.kexCount).toBe(2);
    await t.close();
  });

  it('rekeys by itself after rekeyAfterBytes received', async () => {
    const { server, client } = setup({}, { rekeyAfterBytes: 10_000 });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    for (let i = 0; i < 3; i++) await server.send(new SshWriter().byte(94).uint32(0).string(new Uint8Array(4000)).toBytes());
    for (let i = 0; i < 3; i++) expect((await t.receive())[0]).toBe(94);
    const kexInit = await server.read();
    expect(kexInit[0]).toBe(MSG.KEXINIT);
    await server.kex(false, { clientKexInit: kexInit });
    expect(t.kexCount).toBe(2);
    await t.close();
  });

  it('rekeys by itself after rekeyAfterBytes', async () => {
    const { server, client } = setup({}, { rekeyAfterBytes: 10_000 });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    // Sent as head and tail (Channel.write's way): the tails count towards the limit.
    for (let i = 0; i < 3; i++) void t.send(new SshWriter().byte(94).uint32(0).uint32(4000).toBytes(), new Uint8Array(4000));
    for (let i = 0; i < 3; i++) expect((await server.read()).length).toBe(4009);
    // The third send crossed 10 000 bytes: the client's KEXINIT follows.
    const kexInit = await server.read();
    expect(kexInit[0]).toBe(MSG.KEXINIT);
    await server.kex(false, { clientKexInit: kexInit });
    expect(t.kexCount).toBe(2);
    await t.close();
  });
});

describe('a failing byte stream (fault injection)', () => {
  /** Wraps a stream so that reading fails after `readLimit` bytes, or writing fails after `writeLimit` writes. */
  function faulty(stream: ByteStream, faults: { readLimit?: number; writeLimit?: number }): ByteStream {
    let read = 0;
    let writes = 0;
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    return {
      readable: new ReadableStream<Uint8Array>({
        async pull(c) {
          const { value, done } = await reader.read();
          if (done) { c.close(); return; }
          read += value.length;
          if (faults.readLimit !== undefined && read > faults.readLimit) { c.error(new Error('ECONNRESET')); return; }
          c.enqueue(value);
        },
      }),
      writable: new WritableStream<Uint8Array>({
        async write(chunk) {
          if (faults.writeLimit !== undefined && ++writes > faults.writeLimit) throw new Error('EPIPE');
          await writer.write(chunk);
        },
      }),
    };
  }

  it('a read error mid-session becomes CONNECTION_LOST with the cause', async () => {
    const [c, s] = memoryPipe();
    const server = new ScriptedServer(s);
    const client = Transport.connect(faulty(c, { readLimit: 5000 }), { verifyHostKey: async () => {}, handshakeTimeoutMs: 5000 });
    client.catch(() => {});
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    void (async () => { try { for (let i = 0; i < 10; i++) await server.send(new SshWriter().byte(94).uint32(0).string(new Uint8Array(1000)).toBytes()); } catch { /* closed */ } })();
    let err: { code?: string; cause?: { message?: string } } | undefined;
    try { for (;;) await t.receive(); } catch (e) { err = e as typeof err; }
    expect(err?.code).toBe('CONNECTION_LOST');
    expect(err?.cause?.message).toBe('ECONNRESET');
    expect(await t.closed).toBe(err);
  });

  it('a write error fails the transport with CONNECTION_LOST, and later sends reject', async () => {
    const [c, s] = memoryPipe();
    const server = new ScriptedServer(s);
    const client = Transport.connect(faulty(c, { writeLimit: 3 }), { verifyHostKey: async () => {}, handshakeTimeoutMs: 5000 });
    client.catch(() => {});
    await server.versionExchange();
    server.kex(true).catch(() => {});
    await expect(client).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });

  it('the stream ending without DISCONNECT gives CONNECTION_CLOSED', async () => {
    const { server, client } = setup();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    await s_close(server);
    await expect(t.receive()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('rekeys by itself after rekeyAfterMs', async () => {
    const { server, client, events } = setup({}, { rekeyAfterMs: 100 });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const kexInit = await server.read();
    expect(kexInit[0]).toBe(MSG.KEXINIT);
    await server.kex(false, { clientKexInit: kexInit });
    expect(events).toContainEqual({ type: 'kex-start', initial: false, initiatedBy: 'client' });
    await t.close();
  });
});

async function s_close(server: ScriptedServer): Promise<void> {
  await server.close();
}
