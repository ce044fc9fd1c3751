// Smart-card login into OpenSSH sshd 9.2 through the whole stack: sim/ PIV card in a virtual CCID reader →
// ccid/ → card/ PivToken → identity/ (gate, PIN, signer) → ssh-proto connect. Raw keys in authorized_keys for
// RSA-2048, P-256, P-384 and Ed25519, and an OpenSSH user certificate (TrustedUserCAKeys) whose key is on the card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAuthMethods, openCardSession, type GatePolicy } from '../../identity/index.ts';
import { connect, type AuthMethod } from '../../ssh-proto/index.ts';
import { connectRelay, connectTcp } from '../../cli/net-stream.ts';
import { startRelay, type RelayHandle } from '../../relay/index.ts';
import { createTestCa, type TestCa } from '../../sim/index.ts';
import { generateKey, makeTempDir, removeTempDir, signCertificate, startSshd, type KeyPair, type SshServerPeer } from '../peers/index.ts';
import { execCollect } from '../ssh/client-support.ts';
import { pinnedHostKeys } from '../ssh/support.ts';
import { authorizedKeyLine, cardStack, pinDialog, signingApdus, type CardStack } from './stack.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let ca: TestCa;
let stack: CardStack;
let server: SshServerPeer;
let dir: string;
let userCa: KeyPair;
let relay: RelayHandle;
const gate = (): GatePolicy => ({ mode: 'kiosk', anchors: [ca.certificate], revocation: { mode: 'off' } });

// 9A RSA-2048 (PIN once), 9D P-384, 9E P-256 (card authentication: PIN policy never), 82 Ed25519 (YubiKey 5.7 retired slot).
const SLOTS = [['9A', 'RSA-2048', 0x9a], ['9D', 'P-384', 0x9d], ['9E', 'P-256', 0x9e], ['82', 'Ed25519', 0x82]] as const;

beforeAll(async () => {
  ca = await createTestCa();
  stack = await cardStack({ ca });
  dir = makeTempDir('tessera-identity-');
  userCa = generateKey(dir, 'user_ca', 'ed25519');
  const lines: string[] = [];
  for (const [, , slot] of SLOTS) {
    const session = await openCardSession(stack.token, (await stack.token.readKey(slot))!, { gate: gate(), askPin: pinDialog().askPin });
    lines.push(authorizedKeyLine((await session.plainSigner()).publicKey));
  }
  relay = await startRelay({
    config: { listen: { host: '127.0.0.1', port: 0 }, targets: { allow: ['127.0.0.1:1024-65535'], allowPrivate: [] }, static: { dir: null }, limits: { pingIntervalMs: 0 } },
    log: () => undefined,
  });
  server = await startSshd({ version: '9.2', authorizedKeys: lines, trustedUserCAKeys: [userCa.publicLine] });
}, 60_000);

afterAll(async () => {
  await relay?.close({ drainMs: 0 });
  await server?.stop();
  await stack?.close();
  if (dir) removeTempDir(dir);
});

async function login(methods: AuthMethod[], via: 'tcp' | 'relay' = 'tcp') {
  const stream = via === 'relay'
    ? await connectRelay(relay.url, server.host, server.port, { timeoutMs: 5000 })
    : await connectTcp(server.host, server.port, { timeoutMs: 5000 });
  const client = await connect(stream, { username: server.user, auth: { methods }, verifyHostKey: pinnedHostKeys(server), handshakeTimeoutMs: 20_000 });
  try {
    const out = await execCollect(client, 'echo card-login-ok');
    return out.stdout.toString();
  } finally {
    await client.close().catch(() => undefined);
    stream.destroy();
  }
}

describe('card login into OpenSSH 9.2 (authorized_keys)', () => {
  it.each(SLOTS)('slot %s (%s): gate, PIN, GENERAL AUTHENTICATE, shell', { timeout: 30_000 }, async (_name, _alg, slot) => {
    const pin = pinDialog();
    const session = await openCardSession(stack.token, (await stack.token.readKey(slot))!, { gate: gate(), askPin: pin.askPin });
    const before = signingApdus(stack.provisioned.card);
    expect(await login(await cardAuthMethods(session, { order: ['publickey'] }))).toBe('card-login-ok\n');
    expect(session.signatureCount).toBe(1);
    expect(signingApdus(stack.provisioned.card)).toBe(before + 1);
    const decision = await session.gateDecision();
    expect(decision.overridden).toBe(false);
    expect(decision.path).toHaveLength(2);
    // Each PIN request showed the retries left; 9E's default PIN policy needs none.
    for (const r of pin.asked) expect(r.retriesLeft).toBeGreaterThan(0);
  });

  it('x509v3 first, then plain publickey: OpenSSH refuses x509v3-* and the plain key logs in', { timeout: 30_000 }, async () => {
    const session = await openCardSession(stack.token, (await stack.token.readKey(0x9d))!, { gate: gate(), askPin: pinDialog().askPin });
    const methods = await cardAuthMethods(session);
    expect(methods).toHaveLength(2);
    expect(await login(methods)).toBe('card-login-ok\n');
    expect(session.signatureCount).toBe(1);
  });
});

describe('card login through the relay (WebSocket to TCP)', () => {
  it('the whole path: virtual reader → CCID → PIV → gate → signature → relay → sshd', { timeout: 30_000 }, async () => {
    const session = await openCardSession(stack.token, (await stack.token.readKey(0x9a))!, { gate: gate(), askPin: pinDialog().askPin });
    expect(await login(await cardAuthMethods(session, { order: ['publickey'] }), 'relay')).toBe('card-login-ok\n');
    expect(session.signatureCount).toBe(1);
  });
});

describe('card login into OpenSSH 9.2 with an OpenSSH user certificate (TrustedUserCAKeys)', () => {
  it('the certified key is on the card (P-256, slot 9C, PIN policy always); the plain key is not in authorized_keys', { timeout: 30_000 }, async () => {
    const key = (await stack.token.readKey(0x9c))!;
    const session = await openCardSession(stack.token, key, { gate: gate(), askPin: pinDialog().askPin });
    const plain = await session.plainSigner();
    const pubPath = join(dir, 'card_9c.pub');
    writeFileSync(pubPath, `${authorizedKeyLine(plain.publicKey)}\n`);
    const cardKey: KeyPair = { type: 'ecdsa-p256', privatePath: '', publicPath: pubPath, publicLine: authorizedKeyLine(plain.publicKey), blob: plain.publicKey, algorithm: 'ecdsa-sha2-nistp256' } as KeyPair;
    const cert = signCertificate(userCa, cardKey, { host: false, principals: [server.user], identity: 'card-9c' });
    const methods = await cardAuthMethods(session, { order: ['openssh-certificate'], opensshCertificate: cert.line });
    expect(await login(methods)).toBe('card-login-ok\n');
    expect(session.signatureCount).toBe(1);
  });
});
