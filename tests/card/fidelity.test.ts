// Fidelity: real PC/SC tools that no one here wrote (OpenSC's PKCS#11 module and
// pkcs11-tool, yubico-piv-tool, OpenSSH with -I) drive the simulated PIV card through
// pcscd + vsmartcard's vpcd. Where a tool disagrees with the simulator, the simulator is wrong.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningPorts, requireExecutable } from '../support/index.ts';
import { freePort } from '../support/process.ts';
import type * as ProcessModule from '../support/process.ts';
import { provisionPivCard, provisionOpenPgpCard, createTestCa, issueCardCertificate, type ProvisionedPivCard, type TestCa, type SimAlgorithm } from '../../sim/index.ts';
import { OPENSC_PKCS11, startPcscd, type PcscHarness } from './pcsc.ts';
import { startSshd } from './sshd.ts';
import { runTool } from './run.ts';
import { ScriptorTransport } from './scriptor.ts';
import { PivToken, OpenPgpToken } from '../../card/index.ts';

const PKCS11_TOOL = requireExecutable('/usr/bin/pkcs11-tool', 'Debian package opensc');
const YUBICO_PIV_TOOL = requireExecutable('/usr/bin/yubico-piv-tool', 'Debian package yubico-piv-tool');
const SSH = requireExecutable('/usr/bin/ssh', 'Debian package openssh-client');
requireExecutable(OPENSC_PKCS11, 'Debian package opensc');

/** GENERAL AUTHENTICATE with a key slot (not the 9B administration key). */
const signApdus = (p: ProvisionedPivCard, slot: number) => p.card.log.filter((e) => e.command[1] === 0x87 && e.command[3] === slot);

let pcsc: PcscHarness;
let ca: TestCa;
let dir: string;

// The first port drawn (vpcd's) is taken before pcscd starts, as a test file running in parallel could take it: pcscd
// must come up on another port, and every test here then runs on that one (tests/card/pcsc.ts, startOnFreePort).
vi.mock('../support/process.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof ProcessModule>();
  return { ...actual, freePort: vi.fn(actual.freePort) };
});
let taker: { server: Server; port: number; connections: number } | undefined;

beforeAll(async () => {
  const port = await freePort();
  const held = { server: createServer((s) => { held.connections++; s.destroy(); }), port, connections: 0 };
  await new Promise<void>((resolve, reject) => { held.server.once('error', reject); held.server.listen(port, '127.0.0.1', resolve); });
  taker = held;
  vi.mocked(freePort).mockImplementationOnce(() => Promise.resolve(port));
  pcsc = await startPcscd();
  ca = await createTestCa();
  dir = mkdtempSync(join(tmpdir(), 'tessera-fidelity-'));
  writeFileSync(join(dir, 'data'), 'data signed by the simulated card through OpenSC\n');
}, 60_000);

afterAll(async () => {
  await pcsc?.stop();
  if (taker) await new Promise<void>((resolve) => taker?.server.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function nodeVerify(spki: Buffer, hash: string, sig: Buffer, ec: boolean): boolean {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return verify(hash, readFileSync(join(dir, 'data')), ec ? { key, dsaEncoding: 'der' } : key, sig);
}

async function pkcs11Sign(id: string, mechanism: string, out: string): Promise<Buffer> {
  const args = ['--module', OPENSC_PKCS11, '--login', '--pin', '123456', '--sign', '--id', id, '-m', mechanism,
    '--input-file', join(dir, 'data'), '--output-file', join(dir, out)];
  if (mechanism.startsWith('ECDSA')) args.push('--signature-format', 'openssl');
  const r = await runTool(PKCS11_TOOL, args);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  return readFileSync(join(dir, out));
}

it('pcscd serves the virtual reader on its own port, not the one taken before vpcd could bind it', () => {
  expect(pcsc.port).not.toBe(taker?.port);
  expect(listeningPorts(pcsc.pcscd.pid)).toContain(pcsc.port);
  expect(taker?.connections).toBe(0);
});

describe.each([
  { profile: 'yubikey5' as const, compress: undefined },
  { profile: 'generic' as const, compress: 'gzip' as const },
])('OpenSC pkcs11-tool on a simulated $profile card', ({ profile, compress }) => {
  let card: ProvisionedPivCard;
  beforeAll(async () => {
    card = await provisionPivCard({ profile, ca, slots: [
      { slot: 0x9a, algorithm: 'rsa-2048', ...(compress ? { compress } : {}) },
      { slot: 0x9c, algorithm: 'p-256' }, { slot: 0x9d, algorithm: 'p-384' }, { slot: 0x9e, algorithm: 'p-256' }] });
    const bridge = await pcsc.insert(card.card);
    // vpcd asked for the ATR and powered the card, as it does for a real insertion.
    expect(bridge.controls).toContain('get-atr');
    expect(bridge.controls).toContain('power-on');
  }, 60_000);

  it('lists the certificates and keys of every slot', async () => {
    const r = await runTool(PKCS11_TOOL, ['--module', OPENSC_PKCS11, '--list-objects']);
    expect(r.status, r.stderr).toBe(0);
    for (const label of ['Certificate for PIV Authentication', 'Certificate for Digital Signature', 'Certificate for Key Management', 'Certificate for Card Authentication']) {
      expect(r.stdout).toContain(label);
    }
    for (const slot of ['9A', '9C', '9D', '9E']) expect(r.stdout).toContain(`OU=Slot ${slot}`);
    expect(r.stdout).toMatch(/Public Key Object; RSA 2048 bits/);
    expect(r.stdout).toMatch(/EC_POINT 384 bits/);
    // The certificate OpenSC reads back (decompressed if stored gzip) is the one issued.
    const out = join(dir, `cert-${profile}.der`);
    const c = await runTool(PKCS11_TOOL, ['--module', OPENSC_PKCS11, '--read-object', '--type', 'cert', '--id', '01', '--output-file', out]);
    expect(c.status, c.stderr).toBe(0);
    expect(readFileSync(out).equals(Buffer.from(card.slots.get(0x9a)!.certificate!))).toBe(true);
    if (profile === 'generic') expect(card.card.log.every((e) => e.command.length <= 261)).toBe(true);
  });

  it('logs in with the PIN and signs with RSA-2048 (9A), verified by node:crypto', async () => {
    const sig = await pkcs11Sign('01', 'SHA256-RSA-PKCS', `rsa-${profile}.sig`);
    expect(nodeVerify(card.slots.get(0x9a)!.spki, 'sha256', sig, false)).toBe(true);
    expect(signApdus(card, 0x9a).length).toBeGreaterThan(0);
    expect(card.card.log.some((e) => e.command[1] === 0x20 && e.command.length === 13)).toBe(true);
  });

  it('logs in with the PIN and signs with ECDSA P-384 (9D), verified by node:crypto', async () => {
    const sig = await pkcs11Sign('03', 'ECDSA-SHA384', `ec-${profile}.sig`);
    expect(nodeVerify(card.slots.get(0x9d)!.spki, 'sha384', sig, true)).toBe(true);
    expect(card.card.faults).toEqual([]);
  });

  it('signs with the PIN-always key of 9C (context-specific login right before the signature)', async () => {
    const sig = await pkcs11Sign('02', 'ECDSA-SHA256', `ec9c-${profile}.sig`);
    expect(nodeVerify(card.slots.get(0x9c)!.spki, 'sha256', sig, true)).toBe(true);
    const log = card.card.log;
    const at = log.findIndex((e) => e.command[1] === 0x87 && e.command[3] === 0x9c);
    const lastVerify = log.slice(0, at).reverse().find((e) => e.command[1] === 0x20 && e.command.length === 13);
    expect(lastVerify?.response).toEqual(Uint8Array.of(0x90, 0x00));
  });

  it('refuses to sign with a wrong PIN, and the card counts the attempt', async () => {
    const before = signApdus(card, 0x9a).length;
    const r = await runTool(PKCS11_TOOL, ['--module', OPENSC_PKCS11, '--login', '--pin', '999999', '--sign', '--id', '01', '-m', 'SHA256-RSA-PKCS',
      '--input-file', join(dir, 'data'), '--output-file', join(dir, 'never.sig')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/CKR_PIN_INCORRECT/);
    expect(signApdus(card, 0x9a).length).toBe(before);
    expect(card.card.pinLeft).toBe(2);
    await pkcs11Sign('01', 'SHA256-RSA-PKCS', `rsa2-${profile}.sig`);
    expect(card.card.pinLeft).toBe(3);
  });
});

describe('yubico-piv-tool on a simulated YubiKey 5', () => {
  let card: ProvisionedPivCard;
  beforeAll(async () => {
    card = await provisionPivCard({ profile: 'yubikey5', ca, serial: 7654321, slots: [{ slot: 0x9a, algorithm: 'rsa-2048' }, { slot: 0x9e, algorithm: 'p-256' }] });
    await pcsc.insert(card.card);
  }, 60_000);

  it('-a status shows version, serial, slots and PIN tries', async () => {
    const r = await runTool(YUBICO_PIV_TOOL, ['-r', 'Virtual PCD', '-a', 'status']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Version:\s+5\.7\.1/);
    expect(r.stdout).toMatch(/Serial Number:\s+7654321/);
    expect(r.stdout).toMatch(/Slot 9a:\s+Algorithm:\s+RSA2048\s+Subject DN:\s+CN=Tessera Test User, OU=Slot 9A/);
    expect(r.stdout).toMatch(/Slot 9e:\s+Algorithm:\s+ECCP256/);
    expect(r.stdout).toMatch(/PIN tries left:\s+3/);
  });

  it('-a verify-pin accepts the PIN and reports the tries left after a wrong one', async () => {
    const bad = await runTool(YUBICO_PIV_TOOL, ['-r', 'Virtual PCD', '-a', 'verify-pin', '-P', '000000']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(/2 tries left/);
    const ok = await runTool(YUBICO_PIV_TOOL, ['-r', 'Virtual PCD', '-a', 'verify-pin', '-P', '123456']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toMatch(/Successfully verified PIN/);
    expect(card.card.pinLeft).toBe(3);
  });
});

describe('yubico-piv-tool administers a simulated YubiKey 5', () => {
  it('generates a key (3DES management key), imports a certificate, and test-signature verifies', async () => {
    const p = await provisionPivCard({ profile: 'yubikey5', ca, slots: [{ slot: 0x9e, algorithm: 'p-256' }] });
    await pcsc.insert(p.card);
    const y = (...args: string[]) => runTool(YUBICO_PIV_TOOL, ['-r', 'Virtual PCD', ...args]);
    const gen = await y('-a', 'generate', '-s', '9d', '-A', 'ECCP256', '-o', join(dir, 'gen.pem'));
    expect(gen.status, gen.stderr).toBe(0);
    // The public key it printed is the key the card now holds in 9D.
    const spki = createPublicKey(readFileSync(join(dir, 'gen.pem'))).export({ format: 'der', type: 'spki' });
    expect(spki.equals(p.card.slots.get(0x9d)!.key.spki())).toBe(true);
    expect(p.card.slots.get(0x9d)!.origin).toBe(1);
    const cert = await issueCardCertificate(ca, spki, 'CN=Generated On Card');
    writeFileSync(join(dir, 'gen-cert.pem'), `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
    const imp = await y('-a', 'import-certificate', '-s', '9d', '-i', join(dir, 'gen-cert.pem'));
    expect(imp.status, imp.stderr).toBe(0);
    const status = await y('-a', 'status');
    expect(status.stdout).toMatch(/Slot 9d:\s+Algorithm:\s+ECCP256\s+Subject DN:\s+CN=Generated On Card/);
    const test = await y('-a', 'verify-pin', '-P', '123456', '-a', 'test-signature', '-s', '9d', '-i', join(dir, 'gen-cert.pem'));
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout + test.stderr).toMatch(/Successful ECDSA verification/);
    // Administration went through SP 800-73-4 mutual authentication on 9B.
    expect(p.card.log.filter((e) => e.command[1] === 0x87 && e.command[3] === 0x9b).length).toBeGreaterThanOrEqual(4);
    expect(p.card.faults).toEqual([]);
  });
});

describe('OpenSSH ssh -I opensc-pkcs11.so with the simulated card', () => {
  it('logs in to a test sshd with the card key of slot 9A', async () => {
    const card = await provisionPivCard({ profile: 'yubikey5', ca, slots: [{ slot: 0x9a, algorithm: 'p-256' }] });
    await pcsc.insert(card.card);
    // authorized_keys from the key's SPKI, converted by OpenSSH itself.
    const pem = createPublicKey({ key: card.slots.get(0x9a)!.spki, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;
    writeFileSync(join(dir, 'card.pub.pem'), pem);
    const conv = await runTool('/usr/bin/ssh-keygen', ['-i', '-m', 'PKCS8', '-f', join(dir, 'card.pub.pem')]);
    expect(conv.status, conv.stderr).toBe(0);
    const sshd = await startSshd(conv.stdout);
    try {
      const askpass = join(dir, 'askpass');
      writeFileSync(askpass, '#!/bin/sh\necho 123456\n');
      chmodSync(askpass, 0o700);
      const r = await runTool(SSH, ['-I', OPENSC_PKCS11, '-p', String(sshd.port), '-F', '/dev/null',
        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'PreferredAuthentications=publickey',
        '-o', 'PasswordAuthentication=no', `${sshd.user}@127.0.0.1`, 'echo logged-in-with-card'], {
        env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      });
      expect(r.status, r.stderr + sshd.peer.output()).toBe(0);
      expect(r.stdout).toContain('logged-in-with-card');
      expect(sshd.peer.output()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1 .* ECDSA SHA256:/);
      expect(signApdus(card, 0x9a).length).toBe(1);
    } finally {
      await sshd.stop();
    }
  });
});

describe('OpenSC pkcs11-tool on a simulated OpenPGP card 3.4', () => {
  it.each([['p-256', 'ECDSA-SHA256', 'sha256'], ['rsa-2048', 'SHA256-RSA-PKCS', 'sha256']] as const)(
    'lists the %s authentication key and its 7F21 certificate, logs in with PW1 and signs', async (algorithm: SimAlgorithm, mechanism, hash) => {
      const p = await provisionOpenPgpCard({ algorithm, ca });
      await pcsc.insert(p.card);
      const list = await runTool(PKCS11_TOOL, ['--module', OPENSC_PKCS11, '--list-objects']);
      expect(list.status, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/label:\s+Authentication key/);
      expect(list.stdout).toMatch(/Certificate Object; type = X\.509 cert\s+label:\s+AUT certificate\s+subject:\s+DN: CN=Tessera Test User, OU=OpenPGP AUT/);
      const sig = await pkcs11Sign('03', mechanism, `pgp-${algorithm}.sig`);
      expect(nodeVerify(p.spki, hash, sig, algorithm !== 'rsa-2048')).toBe(true);
      // OpenSC used VERIFY PW1 (82) and INTERNAL AUTHENTICATE, as the spec says for the AUT key.
      expect(p.card.log.some((e) => Buffer.from(e.command.subarray(0, 4)).equals(Buffer.from([0, 0x20, 0, 0x82])) && e.command.length > 5)).toBe(true);
      expect(p.card.log.filter((e) => e.command[1] === 0x88)).toHaveLength(1);
      expect(p.card.faults).toEqual([]);
    });
});

describe("Tessera's own clients through real PC/SC (pcscd + vpcd, scriptor as the pipe)", () => {
  it.each([['yubikey5', true], ['generic', false]] as const)('PIV on a %s card, extended APDUs %s', async (profile, extended) => {
    const p = await provisionPivCard({ profile, ca, slots: [{ slot: 0x9a, algorithm: 'rsa-2048', compress: 'zlib' }, { slot: 0x9e, algorithm: 'p-384' }] });
    await pcsc.insert(p.card);
    const transport = new ScriptorTransport();
    try {
      const token = await PivToken.open(transport, { extended });
      const keys = await token.listKeys();
      expect(keys.map((k) => k.id)).toEqual(['piv:9a', 'piv:9e']);
      expect(Buffer.from(keys[0]!.certificate!).equals(Buffer.from(p.slots.get(0x9a)!.certificate!))).toBe(true);
      await token.verifyPin('123456');
      const data = readFileSync(join(dir, 'data'));
      const sig = await keys[0]!.sign(data, 'SHA-256');
      expect(nodeVerify(p.slots.get(0x9a)!.spki, 'sha256', Buffer.from(sig), false)).toBe(true);
      // Extended APDUs crossed pcscd and vpcd intact (a whole certificate in one answer).
      if (extended) expect(p.card.log.some((e) => e.response.length > 258)).toBe(true);
      else expect(p.card.log.every((e) => e.command.length <= 261 && e.response.length <= 258)).toBe(true);
    } finally {
      await transport.close();
    }
  });

  it('OpenPGP authentication key, Ed25519', async () => {
    const p = await provisionOpenPgpCard({ algorithm: 'ed25519', ca });
    await pcsc.insert(p.card);
    const transport = new ScriptorTransport();
    try {
      const token = await OpenPgpToken.open(transport, { extended: true });
      const [key] = await token.listKeys();
      expect(Buffer.from(key!.certificate!).equals(Buffer.from(p.certificate!))).toBe(true);
      await token.verifyPin('123456');
      const data = readFileSync(join(dir, 'data'));
      const sig = await key!.sign(data);
      expect(verify(null, data, createPublicKey({ key: p.spki, format: 'der', type: 'spki' }), sig)).toBe(true);
    } finally {
      await transport.close();
    }
  });
});
