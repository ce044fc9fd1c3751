// Finite-field DH replies (RFC 4253 §8) with values no real server sends: an f far longer than the group's prime.
// Refused before any conversion, so the client fails fast with a typed error and its timers keep running.
import { describe, expect, it } from 'vitest';
import { MSG, SshWriter } from '../../ssh-proto/index.ts';
import { hostKeyBlob, scriptedSession, str } from './scripted-server.ts';

describe('diffie-hellman-group14-sha256 reply', () => {
  it.each([250_000, 2048 / 8 + 2])('an f of %i bytes fails at once with DH_BAD_PUBLIC_VALUE', { timeout: 10_000 }, async (size) => {
    const { server, client } = scriptedSession({}, { handshakeTimeoutMs: 3000 });
    await server.versionExchange();
    await server.send(server.kexInit(true, 'diffie-hellman-group14-sha256'));
    expect((await server.read())[0]).toBe(MSG.KEXINIT);
    expect((await server.read())[0]).toBe(MSG.KEX_ECDH_INIT); // KEXDH_INIT has the same number
    const f = new Uint8Array(size).fill(0x11);
    const reply = new SshWriter().byte(MSG.KEX_ECDH_REPLY).string(hostKeyBlob).string(f)
      .string(Buffer.concat([str('ssh-ed25519'), str(new Uint8Array(64))])).toBytes();
    const t0 = performance.now();
    await server.send(reply);
    await expect(client).rejects.toMatchObject({ code: 'DH_BAD_PUBLIC_VALUE' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
