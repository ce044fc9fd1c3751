// The initial key exchange against a scripted server sending what no real server sends: messages out of place
// before the first NEWKEYS, when nothing is authenticated yet. The scripted server is the only way to produce
// them (a man-in-the-middle could inject them in plaintext).
import { describe, expect, it } from 'vitest';
import { MSG, SshError, SshWriter } from '../../ssh-proto/index.ts';
import { extInfo, scriptedSession } from './scripted-server.ts';

const upperLayer: [string, Uint8Array][] = [
  ['SERVICE_ACCEPT', new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth').toBytes()],
  ['USERAUTH_SUCCESS', new Uint8Array([MSG.USERAUTH_SUCCESS])],
  ['CHANNEL_DATA', new SshWriter().byte(MSG.CHANNEL_DATA).uint32(0).string('hello').toBytes()],
  ['an unknown number (15)', new Uint8Array([15])],
];

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e, String(e)).toBeInstanceOf(SshError);
  return (e as SshError).code;
}

describe('before the first NEWKEYS only transport-generic and kex messages are taken (OpenSSH kex_protocol_error)', () => {
  it.each(upperLayer)('without strict kex, %s before the server\'s KEXINIT ends the handshake with KEX_UNEXPECTED_MESSAGE', async (_, msg) => {
    const { server, client } = scriptedSession({ strict: false, ciphers: 'aes128-gcm@openssh.com' });
    await server.versionExchange();
    await server.send(msg);
    server.kex(true).catch(() => {});
    expect(await codeOf(client)).toBe('KEX_UNEXPECTED_MESSAGE');
  });

  it('without strict kex, IGNORE and DEBUG before the server\'s KEXINIT are still fine', async () => {
    const { server, client } = scriptedSession({ strict: false });
    await server.versionExchange();
    await server.send(new SshWriter().byte(MSG.IGNORE).string('x').toBytes());
    await server.send(new SshWriter().byte(MSG.DEBUG).boolean(false).string('hi').string('').toBytes());
    await server.kex(true);
    const t = await client;
    expect(t.strictKex).toBe(false);
    await t.close();
  });

  it('without strict kex, an EXT_INFO before the server\'s KEXINIT is refused and server-sig-algs stays unset', async () => {
    const { server, client } = scriptedSession({ strict: false, ciphers: 'aes128-gcm@openssh.com' });
    await server.versionExchange();
    await server.send(extInfo('ssh-rsa'));
    server.kex(true).catch(() => {});
    expect(await codeOf(client)).toBe('KEX_UNEXPECTED_MESSAGE');
  });

  it('without strict kex, an EXT_INFO between the KEXINITs and NEWKEYS is refused (RFC 8308 §2.4)', async () => {
    const { server, client } = scriptedSession({ strict: false });
    await server.versionExchange();
    await server.send(server.kexInit(true));
    await server.send(extInfo('ssh-rsa'));
    expect(await codeOf(client)).toBe('KEX_UNEXPECTED_MESSAGE');
  });
});

describe('strict kex: an unexpected kex message in the initial kex is fatal (OpenSSH PROTOCOL §1.10)', () => {
  it('a second KEX_ECDH_REPLY ends the handshake with STRICT_KEX_VIOLATION, and the client never answers it', async () => {
    const { server, client } = scriptedSession();
    await server.versionExchange();
    const send = server.send.bind(server);
    server.send = async (p) => { await send(p); if (p[0] === MSG.KEX_ECDH_REPLY) await send(p); };
    const fromClient: number[] = [];
    const read = server.read.bind(server);
    server.read = async () => { const p = await read(); fromClient.push(p[0]!); return p; };
    const serverDone = server.kex(true).catch(() => {});
    expect(await codeOf(client)).toBe('STRICT_KEX_VIOLATION');
    await serverDone;
    expect(fromClient).not.toContain(MSG.UNIMPLEMENTED);
  });

  it('without strict kex the same second reply is answered with UNIMPLEMENTED (RFC 4253 §11.4) and the handshake completes', async () => {
    const { server, client } = scriptedSession({ strict: false });
    await server.versionExchange();
    const send = server.send.bind(server);
    server.send = async (p) => { await send(p); if (p[0] === MSG.KEX_ECDH_REPLY) await send(p); };
    const read = server.read.bind(server);
    server.read = async () => { for (;;) { const p = await read(); if (p[0] !== MSG.UNIMPLEMENTED) return p; } };
    await server.kex(true);
    const t = await client;
    expect(t.strictKex).toBe(false);
    await t.close();
  });
});

describe('EXT_INFO counts from the first NEWKEYS until USERAUTH_SUCCESS (RFC 8308 §2.4, as OpenSSH takes it)', () => {
  /** A finished handshake; the server's next packets are the first after its NEWKEYS. */
  async function handshake(strict: boolean) {
    const s = scriptedSession({ strict });
    await s.server.versionExchange();
    await s.server.kex(true);
    return { ...s, t: await s.client };
  }
  const globalRequest = new SshWriter().byte(MSG.GLOBAL_REQUEST).string('x').boolean(false).toBytes();

  it.each([true, false])('as the first packet after the first NEWKEYS it sets server-sig-algs (strict kex %s)', async (strict) => {
    const { server, t, events } = await handshake(strict);
    await server.send(extInfo('rsa-sha2-512,ssh-ed25519'));
    await server.send(globalRequest);
    expect((await t.receive())[0]).toBe(MSG.GLOBAL_REQUEST);
    expect(t.serverSigAlgs).toEqual(['rsa-sha2-512', 'ssh-ed25519']);
    expect(events.some((e) => e.type === 'ext-info')).toBe(true);
    await t.close();
  });

  it('right before USERAUTH_SUCCESS it is applied with it', async () => {
    const { server, t } = await handshake(true);
    await server.send(extInfo('ssh-ed25519'));
    await server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth').toBytes());
    await server.send(extInfo('rsa-sha2-256,ssh-ed25519'));
    await server.send(new Uint8Array([MSG.USERAUTH_SUCCESS]));
    expect((await t.receive())[0]).toBe(MSG.SERVICE_ACCEPT);
    expect((await t.receive())[0]).toBe(MSG.USERAUTH_SUCCESS);
    expect(t.serverSigAlgs).toEqual(['rsa-sha2-256', 'ssh-ed25519']);
    await t.close();
  });

  it('elsewhere during authentication it is applied too (OpenSSH: input_userauth_ext_info)', async () => {
    const { server, t } = await handshake(true);
    await server.send(new SshWriter().byte(MSG.SERVICE_ACCEPT).string('ssh-userauth').toBytes());
    await server.send(extInfo('rsa-sha2-512'));
    await server.send(new SshWriter().byte(MSG.USERAUTH_FAILURE).string('publickey').boolean(false).toBytes());
    expect((await t.receive())[0]).toBe(MSG.SERVICE_ACCEPT);
    expect((await t.receive())[0]).toBe(MSG.USERAUTH_FAILURE);
    expect(t.serverSigAlgs).toEqual(['rsa-sha2-512']);
    await t.close();
  });

  it('after authentication it is ignored and answered UNIMPLEMENTED; server-sig-algs stays', async () => {
    const { server, t } = await handshake(true);
    await server.send(extInfo('rsa-sha2-512'));
    await server.send(new Uint8Array([MSG.USERAUTH_SUCCESS]));
    await server.send(extInfo('ssh-rsa'));
    await server.send(globalRequest);
    expect((await t.receive())[0]).toBe(MSG.USERAUTH_SUCCESS);
    expect((await t.receive())[0]).toBe(MSG.GLOBAL_REQUEST);
    expect(t.serverSigAlgs).toEqual(['rsa-sha2-512']);
    expect((await server.readUntil(MSG.UNIMPLEMENTED))[0]).toBe(MSG.UNIMPLEMENTED);
    await t.close();
  });
});
