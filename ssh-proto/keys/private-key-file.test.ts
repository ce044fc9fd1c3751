// OpenSSH private key files written by real ssh-keygen, with and without a passphrase; our signatures
// are then checked by ssh-keygen itself (-Y check-novalidate over a PROTOCOL.sshsig envelope).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SshWriter } from '../wire/index.ts';
import { ecdsaSoftwareKey, isPrivateKeyEncrypted, KeyError, parsePrivateKeyFile, parsePublicKey, verifySignature } from './index.ts';

const KEYGEN = '/usr/bin/ssh-keygen';
if (!existsSync(KEYGEN)) throw new Error(`${KEYGEN} is missing: install openssh-client (scripts/setup.sh)`);
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tessera-privkeys-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, args: string[], passphrase = ''): { text: string; pub: Uint8Array } {
  const f = join(dir, name);
  execFileSync(KEYGEN, ['-q', '-N', passphrase, '-C', `comment of ${name}`, '-f', f, ...args]);
  return { text: readFileSync(f, 'utf8'), pub: Buffer.from(readFileSync(`${f}.pub`, 'utf8').split(' ')[1]!, 'base64') };
}

/** Wraps our signature in PROTOCOL.sshsig and asks ssh-keygen whether it is valid. */
function sshKeygenAccepts(publicKey: Uint8Array, sign: (data: Uint8Array) => Promise<Uint8Array>): Promise<boolean> {
  const msg = Buffer.from('message signed by Tessera');
  const h = createHash('sha512').update(msg).digest();
  const signed = new SshWriter().raw(Buffer.from('SSHSIG')).string('file').string('').string('sha512').string(h).toBytes();
  return sign(signed).then((signature) => {
    const blob = new SshWriter().raw(Buffer.from('SSHSIG')).uint32(1).string(publicKey).string('file').string('').string('sha512').string(signature).toBytes();
    const b64 = Buffer.from(blob).toString('base64').replace(/.{70}/g, '$&\n');
    writeFileSync(join(dir, 'sig'), `-----BEGIN SSH SIGNATURE-----\n${b64}\n-----END SSH SIGNATURE-----\n`);
    try {
      execFileSync(KEYGEN, ['-Y', 'check-novalidate', '-n', 'file', '-s', join(dir, 'sig')], { input: msg, stdio: ['pipe', 'pipe', 'pipe'] });
      return true;
    } catch {
      return false;
    }
  });
}

const TYPES: [string, string[], string[]][] = [
  ['ed25519', ['-t', 'ed25519'], ['ssh-ed25519']],
  ['p256', ['-t', 'ecdsa', '-b', '256'], ['ecdsa-sha2-nistp256']],
  ['p384', ['-t', 'ecdsa', '-b', '384'], ['ecdsa-sha2-nistp384']],
  ['p521', ['-t', 'ecdsa', '-b', '521'], ['ecdsa-sha2-nistp521']],
  ['rsa', ['-t', 'rsa', '-b', '2048'], ['rsa-sha2-512', 'rsa-sha2-256']],
];

describe.each(TYPES)('%s private key from ssh-keygen', (name, args, algorithms) => {
  it('unencrypted: loads, and ssh-keygen accepts every signature algorithm it offers', async () => {
    const { text, pub } = keygen(`${name}-plain`, args);
    expect(isPrivateKeyEncrypted(text)).toBe(false);
    const key = await parsePrivateKeyFile(text);
    expect(Buffer.from(key.publicKey)).toEqual(Buffer.from(pub));
    expect(key.comment).toBe(`comment of ${name}-plain`);
    expect(key.algorithms).toEqual(algorithms);
    for (const alg of algorithms) {
      expect(await sshKeygenAccepts(key.publicKey, (d) => key.sign(alg, d))).toBe(true);
      const data = new Uint8Array([1, 2, 3]);
      expect(await verifySignature(alg, key.publicKey, await key.sign(alg, data), data)).toBe(true);
    }
    // The checker is not vacuous: a signature over other data is refused by ssh-keygen.
    expect(await sshKeygenAccepts(key.publicKey, (d) => key.sign(algorithms[0]!, d.subarray(1)))).toBe(false);
    await expect(key.sign('ssh-rsa', new Uint8Array(1))).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED' });
  });

  it('passphrase-protected (aes256-ctr, bcrypt): needs, refuses a wrong, accepts the right passphrase', async () => {
    const { text, pub } = keygen(`${name}-ctr`, [...args, '-a', '2'], 'correct horse');
    expect(isPrivateKeyEncrypted(text)).toBe(true);
    await expect(parsePrivateKeyFile(text)).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_REQUIRED' });
    await expect(parsePrivateKeyFile(text, 'wrong horse')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    const key = await parsePrivateKeyFile(text, 'correct horse');
    expect(Buffer.from(key.publicKey)).toEqual(Buffer.from(pub));
    expect(await sshKeygenAccepts(key.publicKey, (d) => key.sign(algorithms[0]!, d))).toBe(true);
  });
});

describe('other ciphers and hostile files', () => {
  it('aes256-gcm@openssh.com: a wrong passphrase fails the tag, the right one loads', async () => {
    const { text, pub } = keygen('gcm', ['-t', 'ed25519', '-a', '2', '-Z', 'aes256-gcm@openssh.com'], 'pw');
    await expect(parsePrivateKeyFile(text, 'nope')).rejects.toMatchObject({ code: 'KEY_PASSPHRASE_WRONG' });
    const key = await parsePrivateKeyFile(text, 'pw');
    expect(Buffer.from(key.publicKey)).toEqual(Buffer.from(pub));
  });

  it('bcrypt rounds above 1024 are refused before any work: no CPU pinned for minutes by a hostile file', async () => {
    const { text } = keygen('rounds', ['-t', 'ed25519', '-a', '2'], 'pw');
    const body = Buffer.from(text.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
    // "openssh-key-v1\0", string "aes256-ctr", string "bcrypt", string kdfoptions = (string salt[16], uint32 rounds)
    const at = 15 + 4 + 'aes256-ctr'.length + 4 + 'bcrypt'.length + 4 + 4 + 16;
    expect(body.readUInt32BE(at)).toBe(2);
    for (const rounds of [1025, 16384, 2 ** 31]) {
      body.writeUInt32BE(rounds, at);
      const started = Date.now();
      const patched = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
      await expect(parsePrivateKeyFile(patched, 'pw')).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED', message: expect.stringContaining(`${rounds} bcrypt rounds`) });
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('aes128-ctr with ssh-keygen\'s default rounds (16)', async () => {
    const { text, pub } = keygen('ctr128', ['-t', 'ecdsa', '-Z', 'aes128-ctr'], 'pw');
    expect(Buffer.from((await parsePrivateKeyFile(text, 'pw')).publicKey)).toEqual(Buffer.from(pub));
  });

  it.each([
    ['RSA PKCS#1', ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], /BEGIN RSA PRIVATE KEY/],
    ['EC SEC1', ['-t', 'ecdsa', '-b', '384', '-m', 'PEM'], /BEGIN EC PRIVATE KEY/],
    ['RSA PKCS#8', ['-t', 'rsa', '-b', '2048', '-m', 'PKCS8'], /BEGIN PRIVATE KEY/],
    ['EC PKCS#8', ['-t', 'ecdsa', '-b', '521', '-m', 'PKCS8'], /BEGIN PRIVATE KEY/],
  ])('unencrypted PEM %s from ssh-keygen loads and signs what ssh-keygen accepts', async (name, args, header) => {
    const { text, pub } = keygen(`pem-${name.replace(/\W/g, '')}`, args);
    expect(text).toMatch(header);
    const key = await parsePrivateKeyFile(text);
    expect(Buffer.from(key.publicKey)).toEqual(Buffer.from(pub));
    expect(await sshKeygenAccepts(key.publicKey, (d) => key.sign(key.algorithms[0]!, d))).toBe(true);
  });

  it('Ed25519 PKCS#8 from node:crypto loads with the same public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const key = await parsePrivateKeyFile(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(Buffer.from(key.publicKey).subarray(-32)).toEqual(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32));
  });

  it('encrypted PEM gets a sentence on how to convert it; junk is KEY_MALFORMED', async () => {
    const { text } = keygen('pem-enc', ['-t', 'ecdsa', '-m', 'PEM'], 'pw-long-enough');
    await expect(parsePrivateKeyFile(text, 'pw-long-enough')).rejects.toMatchObject({ code: 'KEY_UNSUPPORTED', message: expect.stringMatching(/ssh-keygen -p/) });
    await expect(parsePrivateKeyFile('hello')).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
    await expect(parsePrivateKeyFile('-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----')).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
  });

  it('any corruption of a real file gives a KeyError or a consistent key, never a crash', async () => {
    const { text } = keygen('fuzz', ['-t', 'ed25519']);
    const body = Buffer.from(text.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
    await fc.assert(fc.asyncProperty(fc.nat(body.length - 1), fc.integer({ min: 1, max: 255 }), async (at, x) => {
      const bad = Buffer.from(body);
      bad[at]! ^= x;
      const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${bad.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
      try {
        const key = await parsePrivateKeyFile(pem);
        const data = new Uint8Array([9]);
        // Only the comment or the padding-free parts may change and still load: then it must still sign correctly.
        expect(await verifySignature('ssh-ed25519', key.publicKey, await key.sign('ssh-ed25519', data), data)).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(KeyError);
      }
    }), { numRuns: 200 });
  });

  it('corrupted or random PEM DER gives a KeyError, never a crash', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    await fc.assert(fc.asyncProperty(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), fc.uint8Array({ maxLength: 80 }), async (at, x, junk) => {
      for (const body of [Buffer.from(der).fill(x, at, at + 1), Buffer.from(junk)]) {
        try {
          await parsePrivateKeyFile(`-----BEGIN PRIVATE KEY-----\n${body.toString('base64')}\n-----END PRIVATE KEY-----\n`);
        } catch (e) {
          expect(e).toBeInstanceOf(KeyError);
        }
      }
    }), { numRuns: 200 });
  });

  it('a private scalar that does not match the public point is refused, not used to sign garbage', async () => {
    const { pub } = keygen('mismatch', ['-t', 'ecdsa']);
    const key = parsePublicKey(pub);
    if (key.type !== 'ecdsa-sha2-nistp256') throw new Error('expected a P-256 key');
    await expect(ecdsaSoftwareKey(key, new Uint8Array(32).fill(7), '')).rejects.toMatchObject({ code: 'KEY_MALFORMED' });
  });
});
