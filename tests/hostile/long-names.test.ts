// Names far longer than any real server sends (RFC 4251 §5 name-lists of 200 KB, within the 256 KiB packet cap),
// and a message handler failing untyped (injected): the client must read the first and end typed on the second.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { authenticate, DISCONNECT_REASON, MSG, SshError, SshReader, SshWriter } from '../../ssh-proto/index.ts';
import { extInfo, scriptedSession } from './scripted-server.ts';

const long = 'a'.repeat(200_000);

afterEach(() => { vi.restoreAllMocks(); });

describe('a 200 KB name', () => {
  it('in the server\'s KEXINIT is read (an unknown algorithm), and the handshake completes', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true, { ours: server.kexInit(true, `curve25519-sha256,${long}`) });
    const t = await client;
    expect(t.algorithms?.kex).toBe('curve25519-sha256');
    await t.close();
  });

  it('in USERAUTH_FAILURE is read: authenticate() ends with AUTH_FAILED listing it', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const script = (async () => {
      const r = new SshReader(await server.read());
      expect(r.byte()).toBe(MSG.SERVICE_REQUEST);
      await server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string(r.name()).toBytes());
      expect((await server.read())[0]).toBe(MSG.USERAUTH_REQUEST); // "none"
      await server.send(new SshWriter().byte(MSG.USERAUTH_FAILURE).string(`publickey,${long}`).boolean(false).toBytes());
    })();
    const err = await authenticate(t, { username: 'u', methods: [] }).then(() => undefined, (e: unknown) => e);
    await script;
    expect(err).toMatchObject({ code: 'AUTH_FAILED', allowedMethods: ['publickey', long] });
    await t.close();
  });
});

describe('a message handler failing untyped (a parser bug, injected)', () => {
  it('in the transport ends it with PROTOCOL_ERROR and a DISCONNECT, not CONNECTION_LOST', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    vi.spyOn(SshReader.prototype, 'name').mockImplementation(() => { throw new RangeError('Maximum call stack size exceeded'); });
    await server.send(extInfo('ssh-ed25519'));
    const err = await t.closed;
    expect(err).toBeInstanceOf(SshError);
    expect(err).toMatchObject({ code: 'PROTOCOL_ERROR', cause: expect.any(RangeError) });
    vi.restoreAllMocks();
    const disconnect = new SshReader(await server.read());
    expect(disconnect.byte()).toBe(MSG.DISCONNECT);
    expect(disconnect.uint32()).toBe(DISCONNECT_REASON.PROTOCOL_ERROR);
  });

  it('in user authentication ends authenticate() with AUTH_MALFORMED_MESSAGE', { timeout: 10_000 }, async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    await server.kex(true);
    const t = await client;
    const script = (async () => {
      expect((await server.read())[0]).toBe(MSG.SERVICE_REQUEST);
      await server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth').toBytes());
      expect((await server.read())[0]).toBe(MSG.USERAUTH_REQUEST);
      vi.spyOn(SshReader.prototype, 'nameList').mockImplementation(() => { throw new RangeError('Maximum call stack size exceeded'); });
      await server.send(new SshWriter().byte(MSG.USERAUTH_FAILURE).string('publickey').boolean(false).toBytes());
    })();
    const err = await authenticate(t, { username: 'u', methods: [] }).then(() => undefined, (e: unknown) => e);
    await script;
    expect(err).toBeInstanceOf(SshError);
    expect(err).toMatchObject({ code: 'AUTH_MALFORMED_MESSAGE', cause: expect.any(RangeError) });
    await t.close();
  });
});
