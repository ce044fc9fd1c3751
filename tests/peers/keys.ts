// Temporary SSH keys and OpenSSH certificates for the test peers, made with the real ssh-keygen.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireExecutable } from '../support/index.ts';

export type KeyType = 'ed25519' | 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa';

export const ALL_KEY_TYPES: readonly KeyType[] = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'rsa'];

export interface KeyPair {
  readonly type: KeyType;
  /** OpenSSH private key file (the new "openssh-key-v1" format). */
  readonly privatePath: string;
  readonly publicPath: string;
  /** The public key line: "<algorithm> <base64> <comment>". */
  readonly publicLine: string;
  /** The SSH wire-format public key blob (the base64 field decoded). */
  readonly blob: Uint8Array;
  /** The key's own algorithm name, e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa". */
  readonly algorithm: string;
  readonly passphrase: string | undefined;
}

const SSH_KEYGEN = '/usr/bin/ssh-keygen';

function keygenArgs(type: KeyType): string[] {
  switch (type) {
    case 'ed25519': return ['-t', 'ed25519'];
    case 'ecdsa-p256': return ['-t', 'ecdsa', '-b', '256'];
    case 'ecdsa-p384': return ['-t', 'ecdsa', '-b', '384'];
    case 'ecdsa-p521': return ['-t', 'ecdsa', '-b', '521'];
    // 2048 bits keeps the suite fast; the protocol path is the same as for 3072/4096.
    case 'rsa': return ['-t', 'rsa', '-b', '2048'];
  }
}

/** A fresh temporary folder; remove it with removeTempDir. */
export function makeTempDir(prefix = 'tessera-peer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Parses a public key line ("algo base64 [comment]"). */
export function parsePublicLine(line: string): { algorithm: string; blob: Uint8Array } {
  const [algorithm, b64] = line.trim().split(/\s+/);
  if (algorithm === undefined || b64 === undefined) throw new Error(`not an OpenSSH public key line: ${line}`);
  return { algorithm, blob: new Uint8Array(Buffer.from(b64, 'base64')) };
}

/** Generates a key pair with ssh-keygen in `dir`. */
export function generateKey(dir: string, name: string, type: KeyType, options: { passphrase?: string; comment?: string } = {}): KeyPair {
  requireExecutable(SSH_KEYGEN, 'Debian openssh-client');
  const privatePath = join(dir, name);
  execFileSync(SSH_KEYGEN, ['-q', ...keygenArgs(type), '-N', options.passphrase ?? '', '-C', options.comment ?? `tessera-test-${name}`, '-f', privatePath], { stdio: 'ignore' });
  const publicPath = `${privatePath}.pub`;
  const publicLine = readFileSync(publicPath, 'utf8').trim();
  const { algorithm, blob } = parsePublicLine(publicLine);
  return { type, privatePath, publicPath, publicLine, blob, algorithm, passphrase: options.passphrase };
}

export interface CertificateOptions {
  /** true: a host certificate (-h); false: a user certificate. */
  readonly host: boolean;
  readonly identity: string;
  readonly principals: readonly string[];
  /** ssh-keygen -V syntax, e.g. "-5m:+1h" or "always:forever". Default "-5m:+1d". */
  readonly validity?: string;
}

/** Signs `key` with the CA key; returns the certificate path and its line. */
export function signCertificate(ca: KeyPair, key: KeyPair, options: CertificateOptions): { path: string; line: string } {
  requireExecutable(SSH_KEYGEN, 'Debian openssh-client');
  const args = ['-q', '-s', ca.privatePath, '-I', options.identity, '-n', options.principals.join(','), '-V', options.validity ?? '-5m:+1d'];
  if (options.host) args.push('-h');
  execFileSync(SSH_KEYGEN, [...args, key.publicPath], { stdio: 'ignore' });
  const path = key.publicPath.replace(/\.pub$/, '-cert.pub');
  return { path, line: readFileSync(path, 'utf8').trim() };
}
