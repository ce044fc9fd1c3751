// User certificates made by real ssh-keygen -s, paired with their private keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrivateKeyFile, verifySignature, withCertificate } from './index.ts';

const KEYGEN = '/usr/bin/ssh-keygen';
if (!existsSync(KEYGEN)) throw new Error(`${KEYGEN} is missing: install openssh-client (scripts/setup.sh)`);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-usercert-'));
  execFileSync(KEYGEN, ['-q', '-N', '', '-t', 'ed25519', '-f', join(dir, 'ca')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([['ed25519', ['-t', 'ed25519']], ['rsa', ['-t', 'rsa', '-b', '2048']], ['ecdsa', ['-t', 'ecdsa']]])('%s user certificate', (name, args) => {
  it('offers the -cert- algorithms and signs with the plain one', async () => {
    const f = join(dir, name);
    execFileSync(KEYGEN, ['-q', '-N', '', '-f', f, ...args]);
    execFileSync(KEYGEN, ['-q', '-s', join(dir, 'ca'), '-I', 'alice', '-n', 'alice', `${f}.pub`]);
    const key = await parsePrivateKeyFile(readFileSync(f, 'utf8'));
    const signer = withCertificate(key, readFileSync(`${f}-cert.pub`, 'utf8'));
    expect(signer.algorithms.every((a) => a.endsWith('-cert-v01@openssh.com'))).toBe(true);
    const alg = signer.algorithms[0]!;
    const data = new Uint8Array([1, 2, 3]);
    const sig = await signer.sign(alg, data);
    expect(await verifySignature(alg, signer.publicKey, sig, data)).toBe(true);
    // A certificate for another key is refused.
    const other = await parsePrivateKeyFile(readFileSync(join(dir, 'ca'), 'utf8'));
    expect(() => withCertificate(other, readFileSync(`${f}-cert.pub`, 'utf8'))).toThrow(expect.objectContaining({ code: 'KEY_MALFORMED' }));
  });
});

it('a host certificate is not a user certificate', async () => {
  const f = join(dir, 'hostkey');
  execFileSync(KEYGEN, ['-q', '-N', '', '-t', 'ed25519', '-f', f]);
  execFileSync(KEYGEN, ['-q', '-s', join(dir, 'ca'), '-h', '-I', 'h', `${f}.pub`]);
  const key = await parsePrivateKeyFile(readFileSync(f, 'utf8'));
  expect(() => withCertificate(key, readFileSync(`${f}-cert.pub`, 'utf8'))).toThrow(expect.objectContaining({ code: 'KEY_UNSUPPORTED' }));
});
