// X.509 host keys (RFC 6187 x509v3-* host-key algorithms) from a real AsyncSSH 2.10.1 server: ssh-proto's transport
// negotiates x509v3-* when the caller lists them, verifies the exchange-hash signature with the leaf certificate's key,
// and identity's x509HostKeyVerifier validates the chain with pki/ HOST_POLICY (id-kp-secureShellServer).
// A certificate from an untrusted CA, with a client-only EKU, or expired is refused with a GateError before user auth;
// a valid certificate shown by a server that signs with another key is refused by the transport itself.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTcp } from '../../cli/net-stream.ts';
import { GateError, x509HostKeyAlgorithms, x509HostKeyVerifier, type X509HostKeyPolicy } from '../../identity/index.ts';
import { OID } from '../../pki/index.ts';
import {
  connect, DEFAULT_HOST_KEY, parsePrivateKeyFile, SshTransportError, type ClientEvent, type HostKeyInfo, type SoftwareKey,
} from '../../ssh-proto/index.ts';
import { requireExecutable, startPeer, type Peer } from '../support/index.ts';
import { generateKey, makeTempDir, removeTempDir, repoRoot, TEST_ACCOUNT, type KeyPair } from '../peers/index.ts';
import { ALGORITHMS, issue, NOW, type CertOptions, type Issued } from '../pki/test-pki.ts';
import { execCollect } from '../ssh/client-support.ts';
import { runTesseraSsh } from './cli-run.ts';

const PYTHON = '/usr/bin/python3';
const DAY = 86_400_000;
/** The CLI checks at the real time: the CA and the good host certificates stay valid a year from today too. */
const LATER = new Date(Date.now() + 365 * DAY);
let dir: string;
let ca: Issued;
let caPath: string;
let userKey: KeyPair;
let signer: SoftwareKey;
const peers: Peer[] = [];

async function writePkcs8(path: string, key: CryptoKey): Promise<void> {
  const b64 = Buffer.from(await crypto.subtle.exportKey('pkcs8', key)).toString('base64');
  writeFileSync(path, `-----BEGIN PRIVATE KEY-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`);
}

/** A host key with its certificate, as AsyncSSH reads them: PKCS#8 PEM key, PEM chain (leaf, then the CA). */
async function hostCertificate(name: string, keyAlgorithm: string, options: CertOptions): Promise<string> {
  // The server answers on 127.0.0.1: its certificate names that address, and a DNS name.
  const host = await issue(`CN=${name}`, { keyAlgorithm: ALGORITHMS[keyAlgorithm]!, san: [{ type: 'dns', value: name }, { type: 'ip', value: '127.0.0.1' }], ...options });
  const keyPath = join(dir, `${name}.key`);
  const chainPath = join(dir, `${name}.pem`);
  await writePkcs8(keyPath, host.keys.privateKey);
  writeFileSync(chainPath, `${host.pem.trim()}\n${options.issuer!.pem.trim()}\n`);
  return `${keyPath}=${chainPath}`;
}

/** A man in the middle's host key: a valid certificate chain for one P-256 key, and another P-256 key that signs. */
async function forgedHostCertificate(name: string): Promise<string> {
  const genuine = await hostCertificate(name, 'ECDSA P-256 SHA-256', { issuer: ca, eku: [OID.kpSecureShellServer], notAfter: LATER });
  const own = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
  const keyPath = join(dir, `${name}-own.key`);
  await writePkcs8(keyPath, own.privateKey);
  return `${genuine}=${keyPath}`;
}

async function startServer(hostKeys: readonly string[]): Promise<number> {
  requireExecutable(PYTHON, 'Debian python3');
  requireExecutable('/usr/lib/python3/dist-packages/asyncssh/__init__.py', 'Debian python3-asyncssh');
  const authorized = join(dir, `authorized-${peers.length}`);
  writeFileSync(authorized, `${userKey.publicLine}\n`);
  // x509_trusted_certs (user auth) is irrelevant here: the user logs in with a plain key.
  // Port 0: the server binds a port the system picks and prints it, so no port drawn beforehand can be taken meanwhile.
  const peer = startPeer(PYTHON, [join(repoRoot, 'tests', 'identity', 'asyncssh_x509_server.py'), '0', TEST_ACCOUNT.user, authorized, caPath, ...hostKeys]);
  peers.push(peer);
  return Number((await peer.waitForOutput(/LISTENING (\d+)/, 15_000))[1]);
}

const policy = (host = '127.0.0.1'): X509HostKeyPolicy => ({ host, anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW });

async function login(port: number, hostKeys: readonly string[], verify: (k: HostKeyInfo) => Promise<void> = x509HostKeyVerifier(policy())) {
  const events: ClientEvent['type'][] = [];
  const seen: string[] = [];
  const stream = await connectTcp('127.0.0.1', port, { timeoutMs: 5000 });
  try {
    const client = await connect(stream, {
      username: TEST_ACCOUNT.user, handshakeTimeoutMs: 20_000,
      algorithms: { hostKeys },
      verifyHostKey: async (k) => { seen.push(k.algorithm); await verify(k); },
      auth: { methods: [{ type: 'publickey', signer }] },
      onEvent: (e) => events.push(e.type),
    });
    const out = await execCollect(client, 'whoami');
    const negotiated = client.algorithms.hostKey;
    await client.close().catch(() => undefined);
    return { out: out.stdout.toString(), negotiated, seen, events };
  } finally {
    stream.destroy();
  }
}

async function refusal(port: number, hostKeys: readonly string[], verify: (k: HostKeyInfo) => Promise<void> = x509HostKeyVerifier(policy())) {
  const events: ClientEvent['type'][] = [];
  const stream = await connectTcp('127.0.0.1', port, { timeoutMs: 5000 });
  try {
    const err = await connect(stream, {
      username: TEST_ACCOUNT.user, handshakeTimeoutMs: 20_000, algorithms: { hostKeys }, verifyHostKey: verify,
      auth: { methods: [{ type: 'publickey', signer }] }, onEvent: (e) => events.push(e.type),
    }).then(() => undefined, (e: unknown) => e);
    return { err, events };
  } finally {
    stream.destroy();
  }
}

let goodPort: number;
let untrusted: number;
let wrongEku: number;
let expired: number;
let forged: number;

beforeAll(async () => {
  dir = makeTempDir('tessera-identity-x509-host-');
  ca = await issue('CN=Identity Host CA', { ca: true, notAfter: LATER });
  const other = await issue('CN=Identity Foreign Host CA', { ca: true });
  caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, ca.pem);
  userKey = generateKey(dir, 'user_ed25519', 'ed25519');
  signer = await parsePrivateKeyFile(readFileSync(userKey.privatePath, 'utf8'));
  const server = [OID.kpSecureShellServer];
  const good = { issuer: ca, eku: server, notAfter: LATER };
  [goodPort, untrusted, wrongEku, expired, forged] = await Promise.all([
    startServer([
      await hostCertificate('p256.example', 'ECDSA P-256 SHA-256', good),
      await hostCertificate('ed25519.example', 'Ed25519', good),
      await hostCertificate('rsa.example', 'RSA PKCS#1 v1.5 SHA-256', good),
    ]),
    startServer([await hostCertificate('foreign.example', 'ECDSA P-256 SHA-256', { issuer: other, eku: server })]),
    startServer([await hostCertificate('client-only.example', 'ECDSA P-256 SHA-256', { issuer: ca, eku: [OID.kpSecureShellClient] })]),
    startServer([await hostCertificate('expired.example', 'ECDSA P-256 SHA-256', {
      issuer: ca, eku: server, notBefore: new Date(NOW.getTime() - 60 * DAY), notAfter: new Date(NOW.getTime() - DAY),
    })]),
    startServer([await forgedHostCertificate('forged.example')]),
  ]);
}, 60_000);

afterAll(async () => {
  for (const p of peers) await p.stop();
  if (dir) removeTempDir(dir);
});

describe('X.509 host certificates from AsyncSSH 2.10.1, verified by the client', () => {
  it.each([
    ['x509v3-ecdsa-sha2-nistp256'],
    ['x509v3-ssh-ed25519'],
    ['x509v3-rsa2048-sha256'],
  ])('%s: negotiated, signature and chain verified, then logged in', { timeout: 30_000 }, async (algorithm) => {
    const r = await login(goodPort, [algorithm, ...DEFAULT_HOST_KEY]);
    expect(r.negotiated).toBe(algorithm);
    expect(r.seen).toEqual([algorithm]);
    expect(r.out).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
  });

  it('x509HostKeyAlgorithms() puts x509v3-* first: the server\'s certificate wins over its plain key', { timeout: 30_000 }, async () => {
    const r = await login(goodPort, x509HostKeyAlgorithms());
    expect(r.negotiated).toBe('x509v3-ecdsa-sha2-nistp256');
    expect(x509HostKeyAlgorithms()).not.toContain('x509v3-ssh-rsa');
  });

  it('x509v3-ssh-rsa (SHA-1) host signatures: verified only when the caller allows SHA-1 and lists it', { timeout: 30_000 }, async () => {
    expect(x509HostKeyAlgorithms()).not.toContain('x509v3-ssh-rsa');
    const allowed = x509HostKeyAlgorithms({ allowSha1: true, plain: [] });
    expect(allowed).toContain('x509v3-ssh-rsa');
    const r = await login(goodPort, allowed.filter((a) => a === 'x509v3-ssh-rsa'));
    expect(r.negotiated).toBe('x509v3-ssh-rsa');
    expect(r.out).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
  });

  it('a valid certificate presented by a server holding another key: the transport refuses the exchange signature before trust is asked', { timeout: 30_000 }, async () => {
    const asked: string[] = [];
    const { err, events } = await refusal(forged, x509HostKeyAlgorithms(), async (k) => { asked.push(k.algorithm); });
    expect(err).toBeInstanceOf(SshTransportError);
    expect((err as SshTransportError).code).toBe('HOST_KEY_SIGNATURE_INVALID');
    expect((err as Error).message).toMatch(/x509v3-ecdsa-sha2-nistp256 signature on the key exchange does not verify/);
    expect(asked).toEqual([]);
    expect(events).not.toContain('authenticating');
  });

  it('a valid certificate that does not name the host asked for is refused (HOST_NAME_MISMATCH)', { timeout: 30_000 }, async () => {
    const { err, events } = await refusal(goodPort, x509HostKeyAlgorithms(), x509HostKeyVerifier(policy('other.example')));
    expect(err).toMatchObject({ name: 'IdentityError', code: 'HOST_NAME_MISMATCH' });
    expect((err as Error).message).toMatch(/is for p256\.example, 127\.0\.0\.1, not other\.example/);
    expect(events).not.toContain('authenticating');
    // The DNS name the certificate carries is accepted, case-insensitively.
    expect((await login(goodPort, x509HostKeyAlgorithms(), x509HostKeyVerifier(policy('P256.Example')))).negotiated).toBe('x509v3-ecdsa-sha2-nistp256');
  });

  it('the default offer is unchanged: no x509v3-* unless the caller lists them', { timeout: 30_000 }, async () => {
    expect(DEFAULT_HOST_KEY.some((a) => a.startsWith('x509v3-'))).toBe(false);
    const r = await login(goodPort, DEFAULT_HOST_KEY, async (k) => { expect(k.algorithm.startsWith('x509v3-')).toBe(false); });
    expect(r.negotiated).toBe('ssh-ed25519');
  });

  it.each([
    ['an untrusted CA', () => untrusted, /NO_PATH/],
    ['a client-only EKU', () => wrongEku, /LEAF_EKU/],
    ['an expired certificate', () => expired, /CERT_EXPIRED/],
  ] as const)('%s is refused with a GateError before user authentication', { timeout: 30_000 }, async (_case, port, code) => {
    const { err, events } = await refusal(port(), x509HostKeyAlgorithms());
    expect(err).toBeInstanceOf(GateError);
    const gate = err as GateError;
    expect(gate.code).toBe('CERTIFICATE_REJECTED');
    expect(gate.reasons.map((r) => r.code).join(' ')).toMatch(code);
    expect(gate.message).toMatch(/X\.509 host certificate was refused/);
    expect(events).not.toContain('authenticating');
  });
});

describe('tessera ssh --host-ca FILE', () => {
  const args = (port: number) => ['-i', userKey.privatePath, '-p', String(port), '--known-hosts', join(dir, 'no_known_hosts'), '-v', '--host-ca', caPath,
    `${TEST_ACCOUNT.user}@127.0.0.1`, '--', 'whoami'];

  it('trusts the X.509 host certificate without any known_hosts entry, and says which algorithm it used', { timeout: 60_000 }, async () => {
    const run = await runTesseraSsh(args(goodPort));
    expect(run.stdout).toBe(`x509-login-ok ${TEST_ACCOUNT.user}\n`);
    expect(run.stderr).toMatch(/Key exchange done: [^,]+, x509v3-ecdsa-sha2-nistp256,/);
    expect(run.code).toBe(0);
  });

  it('refuses a host certificate from a CA it was not given, naming the reason', { timeout: 60_000 }, async () => {
    const run = await runTesseraSsh(args(untrusted));
    expect(run.code).toBe(255);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/X\.509 host certificate was refused/);
    expect(run.stderr).not.toMatch(/Authenticating/);
  });
});
