// Signatures and fingerprints checked against real OpenSSH (ssh-keygen) and node:crypto as independent signers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import fc from 'fast-check';
import { SshReader, SshWriter } from '../wire/index.ts';
import {
  encodePublicKey, encodeSignatureBlob, fingerprintSha256, KeyError, p1363ToSshEcdsa, parsePublicKey,
  parseSignatureBlob, verifySignature,
} from './index.ts';

const KEYGEN = '/usr/bin/ssh-keygen';
// A missing peer fails loudly, never skips (tests/support cannot be imported from here: lint boundary).
if (!existsSync(KEYGEN)) throw new Error(`${KEYGEN} is missing: install openssh-client (scripts/setup.sh)`);
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'tessera-keys-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keygen(name: string, args: string[]): { pub: Uint8Array; fingerprint: string } {
  const f = join(dir, name);
  execFileSync(KEYGEN, ['-q', '-N', '', '-C', name, '-f', f, ...args]);
  const line = readFileSync(`${f}.pub`, 'utf8').trim().split(' ');
  const fp = execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${f}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  return { pub: Buffer.from(line[1]!, 'base64'), fingerprint: fp };
}

/** PROTOCOL.sshsig: returns the signature blob and the exact data that was signed. */
function sshsig(name: string, message: Uint8Array): { signature: Uint8Array; signed: Uint8Array; publicKey: Uint8Array } {
  const f = join(dir, name);
  writeFileSync(join(dir, 'msg'), message);
  execFileSync(KEYGEN, ['-Y', 'sign', '-q', '-f', f, '-n', 'file', join(dir, 'msg')]);
  const armored = readFileSync(join(dir, 'msg.sig'), 'utf8');
  rmSync(join(dir, 'msg.sig'));
  const b64 = armored.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const r = new SshReader(Buffer.from(b64, 'base64'));
  expect(Buffer.from(r.raw(6)).toString()).toBe('SSHSIG');
  expect(r.uint32()).toBe(1);
  const publicKey = r.string();
  const namespace = r.string();
  const reserved = r.string();
  const hashAlg = r.name();
  const signature = r.string();
  const h = createHash(hashAlg).update(message).digest();
  const signed = new SshWriter().raw(Buffer.from('SSHSIG')).string(namespace).string(reserved).string(hashAlg).string(h).toBytes();
  return { signature, signed, publicKey };
}

const KEYS: [string, string[], string][] = [
  ['ed25519', ['-t', 'ed25519'], 'ssh-ed25519'],
  ['p256', ['-t', 'ecdsa', '-b', '256'], 'ecdsa-sha2-nistp256'],
  ['p384', ['-t', 'ecdsa', '-b', '384'], 'ecdsa-sha2-nistp384'],
  ['p521', ['-t', 'ecdsa', '-b', '521'], 'ecdsa-sha2-nistp521'],
  ['rsa', ['-t', 'rsa', '-b', '2048'], 'rsa-sha2-512'],
];

describe.each(KEYS)('%s key made by ssh-keygen', (name, args, sigAlg) => {
  let pub: Uint8Array;
  let fingerprint: string;
  beforeAll(() => ({ pub, fingerprint } = keygen(name, args)));

  it('parses and re-encodes the public key blob byte for byte', () => {
    const key = parsePublicKey(pub);
    expect(Buffer.from(encodePublicKey(key))).toEqual(Buffer.from(pub));
  });

  it('prints the SHA256 fingerprint exactly as ssh-keygen -lf', async () => {
    expect(await fingerprintSha256(pub)).toBe(fingerprint);
  });

  it('verifies a signature made by ssh-keygen -Y sign, and refuses a tampered one', async () => {
    const msg = new TextEncoder().encode(`hello from ${name}`);
    const { signature, signed, publicKey } = sshsig(name, msg);
    expect(Buffer.from(publicKey)).toEqual(Buffer.from(pub));
    expect(parseSignatureBlob(signature).algorithm).toBe(sigAlg);
    expect(await verifySignature(sigAlg, pub, signature, signed)).toBe(true);
    const bad = signed.slice();
    bad[bad.length - 1]! ^= 1;
    expect(await verifySignature(sigAlg, pub, signature, bad)).toBe(false);
  });
});

describe('node:crypto as an independent signer', () => {
  const data = new TextEncoder().encode('exchange hash stand-in');

  it.each([['rsa-sha2-256', 'sha256'], ['rsa-sha2-512', 'sha512']])('verifies %s', async (alg, hash) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const blob = new SshWriter().string('ssh-rsa').mpintBytes(Buffer.from(jwk.e!, 'base64url')).mpintBytes(Buffer.from(jwk.n!, 'base64url')).toBytes();
    const sig = encodeSignatureBlob(alg, nodeSign(hash, data, privateKey));
    expect(await verifySignature(alg, blob, sig, data)).toBe(true);
    // RFC 8332 §3: the algorithm named in the blob must be the one expected.
    const other = alg === 'rsa-sha2-256' ? 'rsa-sha2-512' : 'rsa-sha2-256';
    expect(await verifySignature(other, blob, sig, data)).toBe(false);
  });

  it.each([['prime256v1', 'nistp256', 'sha256'], ['secp384r1', 'nistp384', 'sha384'], ['secp521r1', 'nistp521', 'sha512']])(
    'verifies ECDSA on %s', async (nodeCurve, curve, hash) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: nodeCurve });
      const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(-(1 + 2 * ({ nistp256: 32, nistp384: 48, nistp521: 66 } as Record<string, number>)[curve]!));
      const blob = new SshWriter().string(`ecdsa-sha2-${curve}`).string(curve).string(point).toBytes();
      const raw = nodeSign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const sig = encodeSignatureBlob(`ecdsa-sha2-${curve}`, p1363ToSshEcdsa(raw));
      expect(await verifySignature(`ecdsa-sha2-${curve}`, blob, sig, data)).toBe(true);
      expect(await verifySignature(`ecdsa-sha2-${curve}`, blob, sig, data.subarray(1))).toBe(false);
    });

  it('verifies Ed25519', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const blob = new SshWriter().string('ssh-ed25519').string(raw).toBytes();
    const sig = encodeSignatureBlob('ssh-ed25519', nodeSign(null, data, privateKey));
    expect(await verifySignature('ssh-ed25519', blob, sig, data)).toBe(true);
    // A signature from a different key type's algorithm is refused with a typed error.
    await expect(verifySignature('rsa-sha2-256', blob, sig, data)).rejects.toMatchObject({ code: 'SIGNATURE_ALGORITHM_MISMATCH' });
  });
});

describe('hostile key and signature blobs', () => {
  it('refuses unknown types, short RSA moduli, bad points with typed errors', () => {
    expect(() => parsePublicKey(new SshWriter().string('ssh-dss').toBytes())).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED' }));
    const small = new SshWriter().string('ssh-rsa').mpint(65537n).mpint((1n << 511n) + 1n).toBytes();
    expect(() => parsePublicKey(small)).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED' }));
    const badPoint = new SshWriter().string('ecdsa-sha2-nistp256').string('nistp256').string(new Uint8Array(33)).toBytes();
    expect(() => parsePublicKey(badPoint)).toThrow(expect.objectContaining({ code: 'KEY_MALFORMED' }));
    const wrongCurve = new SshWriter().string('ecdsa-sha2-nistp256').string('nistp384').string(new Uint8Array(65)).toBytes();
    expect(() => parsePublicKey(wrongCurve)).toThrow(KeyError);
  });

  it('an off-curve ECDSA point verifies nothing', async () => {
    const point = new Uint8Array(65);
    point[0] = 4;
    const blob = new SshWriter().string('ecdsa-sha2-nistp256').string('nistp256').string(point).toBytes();
    const sig = encodeSignatureBlob('ecdsa-sha2-nistp256', new SshWriter().mpint(1n).mpint(1n).toBytes());
    expect(await verifySignature('ecdsa-sha2-nistp256', blob, sig, new Uint8Array(1))).toBe(false);
  });

  it('random bytes never crash the parsers: a KeyError or a key, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256'), (tail, type) => {
      const blob = new SshWriter().string(type).raw(tail).toBytes();
      try {
        parsePublicKey(blob);
      } catch (e) {
        expect(e).toBeInstanceOf(KeyError);
      }
      try {
        parseSignatureBlob(tail);
      } catch (e) {
        expect(e).toBeInstanceOf(KeyError);
      }
    }));
  });
});
