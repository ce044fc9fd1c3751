// Key exchanges after the first (RFC 4253 §9) against a scripted server that floods requests around its KEXINIT
// or never finishes the exchange: no real server does either on purpose, and the client must neither hang nor grow.
import { describe, expect, it } from 'vitest';
import { Connection, MSG, SshError, SshWriter } from '../../ssh-proto/index.ts';
import { scriptedSession, type ScriptedServer } from './scripted-server.ts';

const keepalive = () => new SshWriter().byte(MSG.GLOBAL_REQUEST).string('keepalive@openssh.com').boolean(true).toBytes();

/** Counts (and skips) the client's REQUEST_FAILUREs, so that the server's kex reads see only kex messages. */
function countReplies(server: ScriptedServer): { count: number; drain(): void } {
  const seen = {
    count: 0,
    /** After the kex: keep reading (and counting). */
    drain: () => { server.read().catch(() => {}); },
  };
  const read = server.read.bind(server);
  server.read = async () => {
    for (;;) {
      const p = await read();
      if (p[0] !== MSG.REQUEST_FAILURE) return p;
      seen.count++;
    }
  };
  return seen;
}

async function until(what: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const REQUESTS = 400; // more than the transport's inbox high-water mark (256)

describe('a key exchange behind a backlog the connection loop answers', () => {
  it(`a server KEXINIT behind ${REQUESTS} want-reply requests completes; every reply goes out after it`, { timeout: 15_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const conn = new Connection(t); // no keepalive (the default): nothing else breaks a stall
    const replies = countReplies(server);
    const ours = server.kexInit(false);
    await server.sendBatch([...Array.from({ length: REQUESTS }, keepalive), ours]);
    await server.kex(false, { sendOurs: false, ours });
    replies.drain();
    await until(() => replies.count === REQUESTS, 5000);
    expect(t.kexCount).toBe(2);
    expect(replies.count).toBe(REQUESTS);
    await conn.close();
    await t.close();
  });

  it(`a client-initiated rekey with ${REQUESTS} want-reply requests arriving before the server's KEXINIT completes`, { timeout: 15_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const conn = new Connection(t);
    const replies = countReplies(server);
    t.rekey();
    await server.sendBatch(Array.from({ length: REQUESTS }, keepalive));
    await server.kex(false);
    replies.drain();
    await until(() => replies.count === REQUESTS, 5000);
    expect(t.kexCount).toBe(2);
    expect(replies.count).toBe(REQUESTS);
    await conn.close();
    await t.close();
  });
});

describe('a key exchange after the first has a deadline', () => {
  it('a server that never answers our rekey KEXINIT ends the transport with REKEY_TIMEOUT', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession({}, { rekeyTimeoutMs: 300 });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    t.rekey();
    const sent = t.send(new SshWriter().byte(MSG.USERAUTH_REQUEST).toBytes()); // queued behind the kex
    const err = await t.closed;
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).code).toBe('REKEY_TIMEOUT');
    await expect(sent).rejects.toMatchObject({ code: 'REKEY_TIMEOUT' });
  });

  it('a server that stops after its rekey KEXINIT ends the transport with REKEY_TIMEOUT', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession({}, { rekeyTimeoutMs: 300 });
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    await server.send(server.kexInit(false));
    expect(await t.closed).toMatchObject({ code: 'REKEY_TIMEOUT' });
  });
});
