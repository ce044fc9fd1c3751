// User authentication against real servers (RFC 4252, RFC 4256): each software key type, with and
// without a passphrase, password, keyboard-interactive (PAM), and refusals with typed errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transport, authenticate, AuthError, type AuthMethod } from '../../ssh-proto/index.ts';
import {
  generateKey, makeTempDir, removeTempDir, startAsyncSsh, startDropbear, startSshd, STRICT_KEX_LOG_LINE,
  type KeyPair, type KeyType, type SshServerPeer,
} from '../peers/index.ts';
import { openStream, pinnedHostKeys, signerFor } from './support.ts';

const KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa'];
const PASSPHRASE = 'correct horse battery staple';

let dir: string;
const keys = new Map<string, KeyPair>();
beforeAll(() => {
  dir = makeTempDir();
  for (const type of KEY_TYPES) {
    keys.set(type, generateKey(dir, `user_${type}`, type));
    keys.set(`${type}+passphrase`, generateKey(dir, `user_${type}_enc`, type, { passphrase: PASSPHRASE }));
  }
});
afterAll(() => removeTempDir(dir));
const allPublicLines = () => [...keys.values()].map((k) => k.publicLine);

async function login(server: SshServerPeer, methods: AuthMethod[]) {
  const stream = await openStream(server);
  const transport = await Transport.connect(stream, { verifyHostKey: pinnedHostKeys(server), handshakeTimeoutMs: 20_000 });
  try {
    return await authenticate(transport, { username: server.user, methods });
  } finally {
    await transport.close().catch(() => undefined);
    stream.destroy();
  }
}

// Each key file is parsed once (a passphrase costs a bcrypt KDF) and reused against every server.
const signers = new Map<string, ReturnType<typeof signerFor>>();
async function keyMethod(name: string): Promise<AuthMethod> {
  const key = keys.get(name);
  if (!key) throw new Error(`no key ${name}`);
  if (!signers.has(name)) signers.set(name, signerFor(key));
  return { type: 'publickey', signer: await (signers.get(name) ?? signerFor(key)) };
}

const keyCases = KEY_TYPES.flatMap((t) => [t, `${t}+passphrase`]);

describe.each([['9.2'], ['10.0']] as const)('OpenSSH %s authentication', (version) => {
  let server: SshServerPeer;
  beforeAll(async () => { server = await startSshd({ version, authorizedKeys: allPublicLines(), logLevel: 'DEBUG3' }); });
  afterAll(async () => { await server?.stop(); });

  it.each(keyCases)('publickey with a %s key', { timeout: 20_000 }, async (name) => {
    const result = await login(server, [await keyMethod(name)]);
    expect(result.methods).toEqual(['publickey']);
  });

  it('strict kex is negotiated: the server log says so', { timeout: 20_000 }, async () => {
    await login(server, [await keyMethod('ed25519')]);
    await server.waitForLog(STRICT_KEX_LOG_LINE, 5000);
    expect(server.log()).toMatch(/kex_choose_conf: will use strict KEX ordering/);
  });

  it('password', { timeout: 20_000 }, async () => {
    const result = await login(server, [{ type: 'password', password: server.password }]);
    expect(result.methods).toEqual(['password']);
  });

  it('keyboard-interactive (PAM asks for the password)', { timeout: 20_000 }, async () => {
    const prompts: string[] = [];
    const result = await login(server, [{
      type: 'keyboard-interactive',
      respond: async (request) => request.prompts.map((p) => { prompts.push(p.prompt); return server.password; }),
    }]);
    expect(result.methods).toEqual(['keyboard-interactive']);
    expect(prompts.join(' ')).toMatch(/password/i);
  });

  it('a wrong password ends with AUTH_FAILED listing what the server still allows', { timeout: 30_000 }, async () => {
    const err = await login(server, [{ type: 'password', password: 'not the password' }]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('AUTH_FAILED');
    expect((err as AuthError).allowedMethods).toContain('publickey');
  });

  it('an unknown key ends with AUTH_FAILED', { timeout: 20_000 }, async () => {
    const stranger = generateKey(dir, `stranger_${version}`, 'ed25519');
    const err = await login(server, [{ type: 'publickey', signer: await signerFor(stranger) }]).then(() => undefined, (e: unknown) => e);
    expect((err as AuthError).code).toBe('AUTH_FAILED');
  });
});

describe('Dropbear authentication', () => {
  let server: SshServerPeer;
  beforeAll(async () => { server = await startDropbear({ authorizedKeys: allPublicLines() }); });
  afterAll(async () => { await server?.stop(); });

  // Dropbear 2022.83 verifies ssh-ed25519, ecdsa-sha2-nistp256/384/521 and rsa-sha2-256 user signatures.
  it.each(keyCases)('publickey with a %s key', { timeout: 20_000 }, async (name) => {
    const result = await login(server, [await keyMethod(name)]);
    expect(result.methods).toEqual(['publickey']);
  });

  it('password', { timeout: 20_000 }, async () => {
    const result = await login(server, [{ type: 'password', password: server.password }]);
    expect(result.methods).toEqual(['password']);
  });
});

describe('AsyncSSH authentication', () => {
  let server: SshServerPeer;
  beforeAll(async () => { server = await startAsyncSsh({ authorizedKeys: allPublicLines() }); });
  afterAll(async () => { await server?.stop(); });

  it.each(['ed25519', 'ecdsa-p256', 'rsa+passphrase'])('publickey with a %s key', { timeout: 20_000 }, async (name) => {
    const result = await login(server, [await keyMethod(name)]);
    expect(result.methods).toEqual(['publickey']);
  });

  it('password', { timeout: 20_000 }, async () => {
    const result = await login(server, [{ type: 'password', password: server.password }]);
    expect(result.methods).toEqual(['password']);
  });
});
