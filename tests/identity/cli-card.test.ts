// cli/card-login.ts (tessera ssh --card sim:PROFILE): opens the simulated card in a virtual reader from a shared
// reader dump, validates its certificate against the simulator's CA, and logs in to sshd 9.2 with it. The sim's
// keys are generated once per process, so this test provisions the same key to authorize it first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardLogin } from '../../cli/card-login.ts';
import { connectTcp } from '../../cli/net-stream.ts';
import { sshPublicKeyBlob } from '../../identity/index.ts';
import { connect } from '../../ssh-proto/index.ts';
import { provisionPivCard } from '../../sim/index.ts';
import { startSshd, type SshServerPeer } from '../peers/index.ts';
import { execCollect } from '../ssh/client-support.ts';
import { pinnedHostKeys } from '../ssh/support.ts';
import { authorizedKeyLine, READER_PROFILE } from './stack.ts';

let server: SshServerPeer;
beforeAll(async () => {
  const slot = (await provisionPivCard()).slots.get(0x9a)!;
  server = await startSshd({ version: '9.2', authorizedKeys: [authorizedKeyLine(await sshPublicKeyBlob(slot.spki, slot.algorithm))] });
}, 60_000);
afterAll(async () => { await server?.stop(); });

describe('tessera ssh --card sim:PROFILE (cardLogin)', () => {
  it('prints the key to authorize, asks the PIN with the retries left, and logs in', { timeout: 30_000 }, async () => {
    const said: string[] = [];
    const asked: string[] = [];
    const login = await cardLogin({ spec: `sim:${READER_PROFILE.id}`, caFiles: [], say: (m) => said.push(m), askPin: async (r) => { asked.push(`${r.keyLabel}:${r.retriesLeft}`); return '123456'; } });
    const stream = await connectTcp(server.host, server.port, { timeoutMs: 5000 });
    try {
      const client = await connect(stream, { username: server.user, auth: { methods: login.methods }, verifyHostKey: pinnedHostKeys(server), handshakeTimeoutMs: 20_000 });
      expect((await execCollect(client, 'echo cli-card')).stdout.toString()).toBe('cli-card\n');
      await client.close();
    } finally {
      stream.destroy();
      await login.close();
    }
    expect(said.join('\n')).toMatch(/PIV Authentication key: ssh-rsa AAAA/);
    expect(asked).toEqual([`${login.key.label}:3`]);
  });

  it('usage errors are sentences: a wrong spec, an unknown profile', async () => {
    const base = { caFiles: [], say: () => undefined, askPin: async () => undefined };
    await expect(cardLogin({ ...base, spec: 'floppy' })).rejects.toThrow(/usb" or "sim:PROFILE/);
    await expect(cardLogin({ ...base, spec: 'sim:no-such-reader' })).rejects.toThrow(/no reader profile/);
  });
});
