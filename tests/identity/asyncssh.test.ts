// RFC 6187 user authentication with the simulated PIV card against AsyncSSH 2.10.1 (x509_trusted_certs = the
// card CA): x509v3-rsa2048-sha256, x509v3-ecdsa-sha2-nistp256/384, x509v3-ssh-ed25519 through sim → ccid → card → identity →
// ssh-proto; refused when the server does not trust the CA (and then the x509v3 → publickey fallback order).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTcp } from '../../cli/net-stream.ts';
import { cardAuthMethods, openCardSession, x509v3Signer, type GatePolicy } from '../../identity/index.ts';
import { OID } from '../../pki/index.ts';
import { AuthError, connect, type HostKeyInfo } from '../../ssh-proto/index.ts';
import { requireExecutable, startPeer, type Peer } from '../support/index.ts';
import { generateKey, makeTempDir, removeTempDir, repoRoot, TEST_ACCOUNT, type KeyPair } from '../peers/index.ts';
import { issue, NOW, type Issued } from '../pki/test-pki.ts';
import { execCollect } from '../ssh/client-support.ts';
import { authorizedKeyLine, cardStack, pinDialog, signingApdus, type CardStack } from './stack.ts';

const PYTHON = '/usr/bin/python3';
const SUBJECT = 'CN=Tessera Card Holder';
/** AsyncSSH checks the user's chain at the real time (OpenSSL's X509StoreContext): valid a year from today too. */
const LATER = new Date(Date.now() + 365 * 86_400_000);
let dir: string;
let stack: CardStack;
let ca: Issued;
let otherCa: Issued;
let hostKey: KeyPair;
const servers: Peer[] = [];

interface X509Server { readonly port: number; readonly peer: Peer }

async function startServer(trusted: Issued, plainKeys: readonly string[] = []): Promise<X509Server> {
  requireExecutable(PYTHON, 'Debian python3');
  requireExecutable('/usr/lib/python3/dist-packages/asyncssh/__init__.py', 'Debian python3-asyncssh');
  const n = servers.length;
  const caPath = join(dir, `ca-${n}.pem`);
  writeFileSync(caPath, trusted.pem);
  const authorized = join(dir, `authorized-${n}`);
  writeFileSync(authorized, [`x509v3-sign-rsa subject=${SUBJECT}`, ...plainKeys].map((l) => `${l}\n`).join(''));
  // Port 0: the server binds a port the system picks and prints it, so no port drawn beforehand can be taken meanwhile.
  const peer = startPeer(PYTHON, [join(repoRoot, 'tests', 'identity', 'asyncssh_x509_server.py'), '0', TEST_ACCOUNT.user, authorized, caPath, hostKey.privatePath]);
  servers.push(peer);
  const port = Number((await peer.waitForOutput(/LISTENING (\d+)/, 15_000))[1]);
  return { port, peer };
}

/** Puts a certificate for the slot's key, issued by the card CA, naming the login user (AsyncSSH's principal). */
async function installCertificate(slot: number): Promise<void> {
  const p = stack.provisioned.slots.get(slot)!;
  const alg = p.algorithm === 'rsa-2048' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
    : p.algorithm === 'ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: p.algorithm === 'p-384' ? 'P-384' : 'P-256' };
  const publicKey = await crypto.subtle.importKey('spki', new Uint8Array(p.spki), alg, true, ['verify']);
  const cert = await issue(SUBJECT, {
    issuer: ca, keys: { publicKey, privateKey: undefined as never }, eku: [OID.kpSecureShellClient, OID.kpClientAuth], notAfter: LATER,
    san: [{ type: 'email', value: TEST_ACCOUNT.user }],
  });
  stack.provisioned.card.setCertificate(slot, cert.der, false);
}

beforeAll(async () => {
  dir = makeTempDir('tessera-identity-x509-');
  hostKey = generateKey(dir, 'host_ed25519', 'ed25519');
  ca = await issue('CN=Identity X509 Card CA', { ca: true, notAfter: LATER });
  otherCa = await issue('CN=Identity Other CA', { ca: true, notAfter: LATER });
  stack = await cardStack();
  for (const slot of [0x9a, 0x9d, 0x9e, 0x82]) await installCertificate(slot);
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await stack?.close();
  if (dir) removeTempDir(dir);
});

const gate = (): GatePolicy => ({ mode: 'kiosk', anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW });
const pinHost = async (key: HostKeyInfo) => {
  if (!Buffer.from(key.blob).equals(Buffer.from(hostKey.blob))) throw new Error(`unexpected host key ${key.algorithm}`);
};

async function login(server: X509Server, slot: number, order: ('x509v3' | 'publickey')[]) {
  const session = await openCardSession(stack.token, (await stack.token.readKey(slot))!, { gate: gate(), askPin: pinDialog().askPin });
  const tried: string[] = [];
  const methods = await cardAuthMethods(session, { order });
  const offered = methods.map((m) => (m.type === 'publickey' ? [...m.signer.algorithms] : []));
  const stream = await connectTcp('127.0.0.1', server.port, { timeoutMs: 5000 });
  try {
    const client = await connect(stream, {
      username: TEST_ACCOUNT.user, verifyHostKey: pinHost, handshakeTimeoutMs: 20_000,
      auth: { methods, onAttempt: (e) => tried.push(`${e.method}:${e.result}`) },
    });
    const out = await execCollect(client, 'whoami');
    await client.close().catch(() => undefined);
    return { out: out.stdout.toString(), session, tried, offered };
  } finally {
    stream.destroy();
  }
}

describe('RFC 6187 x509v3 user authentication against AsyncSSH 2.10.1', () => {
  let trusting: X509Server;
  beforeAll(async () => { trusting = await startServer(ca); }, 30_000);

  it.each([
    ['9A', 'x509v3-rsa2048-sha256', 0x9a],
    ['9D', 'x509v3-ecdsa-sha2-nistp384', 0x9d],
    ['9E', 'x509v3-ecdsa-sha2-nistp256', 0x9e],
    ['82', 'x509v3-ssh-ed25519', 0x82],
  ] as const)('slot %s logs in with %s', { timeout: 30_000 }, async (_name, algorithm, slot) => {
    const before = signingApdus(stack.provisioned.card);
    const r = await login(trusting, slot, ['x509v3']);
    expect(r.out).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
    expect(r.session.signatureCount).toBe(1);
    expect(signingApdus(stack.provisioned.card)).toBe(before + 1);
    // Only the x509v3 key was offered, and this server authorizes no plain key: the certificate logged in.
    expect(r.offered).toEqual([[algorithm]]);
    expect(r.tried).toEqual(['publickey:success']);
    await trusting.peer.waitForOutput(new RegExp(`Auth for user ${TEST_ACCOUNT.user} succeeded`), 5000);
  });
});

describe('AsyncSSH that does not trust the card CA', () => {
  let distrusting: X509Server;
  beforeAll(async () => {
    const plain = await openCardSession(stack.token, (await stack.token.readKey(0x9e))!, { gate: gate(), askPin: pinDialog().askPin });
    distrusting = await startServer(otherCa, [authorizedKeyLine((await plain.plainSigner()).publicKey)]);
  }, 30_000);

  it('refuses the x509v3 key: AuthError, and the card signs nothing', { timeout: 30_000 }, async () => {
    const before = signingApdus(stack.provisioned.card);
    const err = await login(distrusting, 0x9e, ['x509v3']).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(signingApdus(stack.provisioned.card)).toBe(before);
  });

  it('x509v3 first, then the plain key (in authorized_keys): the fallback logs in with one signature', { timeout: 30_000 }, async () => {
    const r = await login(distrusting, 0x9e, ['x509v3', 'publickey']);
    expect(r.out).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
    expect(r.offered).toEqual([['x509v3-ecdsa-sha2-nistp256'], ['ecdsa-sha2-nistp256']]);
    expect(r.session.signatureCount).toBe(1);
  });
});

describe('x509v3-ssh-rsa (RFC 6187 §3.1, SHA-1): only when the policy allows SHA-1', () => {
  let trusting: X509Server;
  beforeAll(async () => { trusting = await startServer(ca); }, 30_000);

  it('policy off (default): never offered, and the card will not make one', { timeout: 30_000 }, async () => {
    const session = await openCardSession(stack.token, (await stack.token.readKey(0x9a))!, { gate: gate(), askPin: pinDialog().askPin });
    const offered = (await cardAuthMethods(session)).map((m) => (m.type === 'publickey' ? [...m.signer.algorithms] : []));
    expect(offered.flat()).not.toContain('x509v3-ssh-rsa');
    expect(() => x509v3Signer(session, { algorithm: 'x509v3-ssh-rsa' })).toThrow(/SHA-1/);
    const before = signingApdus(stack.provisioned.card);
    await expect(session.sign('x509v3-ssh-rsa', new Uint8Array(8))).rejects.toThrow(/SHA-1/);
    expect(signingApdus(stack.provisioned.card)).toBe(before);
  });

  it('policy allows SHA-1: offered after x509v3-rsa2048-sha256, and AsyncSSH accepts the SHA-1 card signature', { timeout: 30_000 }, async () => {
    const session = await openCardSession(stack.token, (await stack.token.readKey(0x9a))!, { gate: { ...gate(), allowSha1: true }, askPin: pinDialog().askPin });
    const offered = (await cardAuthMethods(session, { order: ['x509v3'] })).map((m) => (m.type === 'publickey' ? [...m.signer.algorithms] : []));
    expect(offered).toEqual([['x509v3-rsa2048-sha256'], ['x509v3-ssh-rsa']]);
    const before = signingApdus(stack.provisioned.card);
    const sha1 = x509v3Signer(session, { algorithm: 'x509v3-ssh-rsa' });
    const signedWith: string[] = [];
    const signer = { ...sha1, sign: async (alg: string, data: Uint8Array) => { signedWith.push(alg); return sha1.sign(alg, data); } };
    const stream = await connectTcp('127.0.0.1', trusting.port, { timeoutMs: 5000 });
    try {
      const client = await connect(stream, {
        username: TEST_ACCOUNT.user, verifyHostKey: pinHost, handshakeTimeoutMs: 20_000,
        auth: { methods: [{ type: 'publickey', signer }] },
      });
      expect((await execCollect(client, 'whoami')).stdout.toString()).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
      await client.close().catch(() => undefined);
    } finally {
      stream.destroy();
    }
    expect(signedWith).toEqual(['x509v3-ssh-rsa']);
    expect(session.signatureCount).toBe(1);
    expect(signingApdus(stack.provisioned.card)).toBe(before + 1);
    await trusting.peer.waitForOutput(new RegExp(`Auth for user ${TEST_ACCOUNT.user} succeeded`), 5000);
  });
});
