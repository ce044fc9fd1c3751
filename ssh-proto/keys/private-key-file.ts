// OpenSSH private key files, PROTOCOL.key ("openssh-key-v1"):
//   "openssh-key-v1\0"  string ciphername  string kdfname  string kdfoptions  uint32 N(=1)
//   string publickey  string encrypted-section [|| auth tag for AEAD ciphers]
// The decrypted section: uint32 checkint, uint32 checkint (equal: proves the passphrase),
//   then per key: string type, private fields, string comment; then padding 1, 2, 3, ... to the block size.
import { aesCtr, aesGcmDecrypt, ed25519PublicFromSeed, importAesCtrKey, importAesGcmKey } from '../crypto/index.ts';
import { SshReader, SshWriter } from '../wire/index.ts';
import { fromBase64 } from './base64.ts';
import { KeyError } from './errors.ts';
import { encodePublicKey, readPublicKeyFields, type PublicKey } from './public-key.ts';
import { parsePemPrivateKey } from './pem-key.ts';
import { ecdsaSoftwareKey, ed25519SoftwareKey, rsaSoftwareKey, type SoftwareKey } from './software-key.ts';

const MAGIC = 'openssh-key-v1\0';

interface CipherSpec { keyLen: number; ivLen: number; blockSize: number; tagLen: number; mode: 'ctr' | 'gcm' }
const CIPHERS: Record<string, CipherSpec> = {
  'aes128-ctr': { keyLen: 16, ivLen: 16, blockSize: 16, tagLen: 0, mode: 'ctr' },
  'aes192-ctr': { keyLen: 24, ivLen: 16, blockSize: 16, tagLen: 0, mode: 'ctr' },
  'aes256-ctr': { keyLen: 32, ivLen: 16, blockSize: 16, tagLen: 0, mode: 'ctr' },
  'aes128-gcm@openssh.com': { keyLen: 16, ivLen: 12, blockSize: 16, tagLen: 16, mode: 'gcm' },
  'aes256-gcm@openssh.com': { keyLen: 32, ivLen: 12, blockSize: 16, tagLen: 16, mode: 'gcm' },
};

/**
 * bcrypt rounds above this are refused: a hostile file must not pin the CPU for minutes (the KDF is synchronous JS).
 * ssh-keygen -a defaults to 16 and guides suggest 100; in this pure-JS bcrypt_pbkdf one round of a 48-byte key costs
 * ~35 ms on a slow core, so 1024 rounds is about half a minute, and the old 16384 was about ten minutes.
 */
const MAX_BCRYPT_ROUNDS = 1024;

function pemBody(text: string, label: string): Uint8Array | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
  return m ? fromBase64(m[1]!.replace(/\s+/g, ''), 'private key file') : undefined;
}

/** True when the file is an encrypted openssh-key-v1 file (so a UI can ask for the passphrase first). */
export function isPrivateKeyEncrypted(text: string): boolean {
  const body = pemBody(text, 'OPENSSH PRIVATE KEY');
  if (!body) return false;
  try {
    const r = new SshReader(body);
    r.raw(MAGIC.length);
    return r.name() !== 'none';
  } catch {
    return false;
  }
}

async function bcryptPbkdf(passphrase: string, salt: Uint8Array, rounds: number, length: number): Promise<Uint8Array> {
  // Loaded on demand: only passphrase-protected keys need it. Pure JS, so it runs in the page too.
  const { pbkdf } = (await import('bcrypt-pbkdf')).default;
  const pass = new TextEncoder().encode(passphrase);
  const out = new Uint8Array(length);
  if (pbkdf(pass, pass.length, salt, salt.length, out, length, rounds) !== 0) {
    throw new KeyError('KEY_MALFORMED', 'The key file has invalid bcrypt parameters.');
  }
  return out;
}

async function decryptSection(
  cipherName: string, kdfName: string, kdfOptions: Uint8Array, sealed: Uint8Array, passphrase: string | undefined,
): Promise<Uint8Array> {
  if (cipherName === 'none') {
    if (kdfName !== 'none') throw new KeyError('KEY_MALFORMED', 'An unencrypted key file names a KDF.');
    return sealed;
  }
  const spec = CIPHERS[cipherName];
  if (!spec) throw new KeyError('KEY_UNSUPPORTED', `Key files encrypted with "${cipherName}" are not supported; re-encrypt with ssh-keygen -p.`);
  if (kdfName !== 'bcrypt') throw new KeyError('KEY_UNSUPPORTED', `The key derivation "${kdfName}" is not supported.`);
  if (passphrase === undefined || passphrase === '') {
    throw new KeyError('KEY_PASSPHRASE_REQUIRED', 'This private key is protected by a passphrase; enter it to use the key.');
  }
  const o = new SshReader(kdfOptions);
  const salt = o.string();
  const rounds = o.uint32();
  o.end();
  if (rounds < 1 || rounds > MAX_BCRYPT_ROUNDS) {
    throw new KeyError('KEY_UNSUPPORTED',
      `The key file asks for ${rounds} bcrypt rounds (at most ${MAX_BCRYPT_ROUNDS} are accepted); re-encrypt it with "ssh-keygen -p -a 100 -f KEY".`);
  }
  const body = sealed.length - spec.tagLen;
  if (body < spec.blockSize || body % spec.blockSize !== 0) throw new KeyError('KEY_MALFORMED', 'The encrypted key section has a bad length.');
  const derived = await bcryptPbkdf(passphrase, salt, rounds, spec.keyLen + spec.ivLen);
  const key = derived.subarray(0, spec.keyLen);
  const iv = derived.subarray(spec.keyLen);
  if (spec.mode === 'ctr') return aesCtr(await importAesCtrKey(key), iv, sealed);
  const plain = await aesGcmDecrypt(await importAesGcmKey(key), iv, new Uint8Array(0), sealed);
  if (!plain) throw new KeyError('KEY_PASSPHRASE_WRONG', 'The passphrase is wrong for this private key.');
  return plain;
}

async function readPrivateKey(type: string, r: SshReader, publicKey: PublicKey): Promise<SoftwareKey> {
  // The private section lists RSA as n, e (the public blob has e, n); the other types match the public layout.
  const pub = type === 'ssh-rsa' ? rsaPublicFromPrivateSection(r) : readPublicKeyFields(type, r);
  if (!equal(encodePublicKey(pub), encodePublicKey(publicKey))) {
    throw new KeyError('KEY_MALFORMED', 'The private key does not match the public key in the same file.');
  }
  if (pub.type === 'ssh-ed25519') {
    const sk = r.string(); // seed || public key
    if (sk.length !== 64 || !equal(sk.subarray(32), pub.key) || !equal(await ed25519PublicFromSeed(sk.subarray(0, 32)), pub.key)) {
      throw new KeyError('KEY_MALFORMED', 'The Ed25519 private key is inconsistent.');
    }
    return ed25519SoftwareKey(pub, sk, r.utf8());
  }
  if (pub.type === 'ssh-rsa') {
    // After n and e: mpint d, mpint iqmp, mpint p, mpint q.
    const d = r.mpintBytes();
    const iqmp = r.mpintBytes();
    const p = r.mpintBytes();
    const q = r.mpintBytes();
    return rsaSoftwareKey(pub, { d, p, q, iqmp }, r.utf8());
  }
  const d = r.mpintBytes();
  return ecdsaSoftwareKey(pub, d, r.utf8());
}

function rsaPublicFromPrivateSection(r: SshReader): PublicKey {
  const n = r.mpintBytes();
  const e = r.mpintBytes();
  return readPublicKeyFields('ssh-rsa', new SshReader(new SshWriter().mpintBytes(e).mpintBytes(n).toBytes()));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Parses an OpenSSH private key file (the "-----BEGIN OPENSSH PRIVATE KEY-----" format that ssh-keygen writes),
 * or an unencrypted PEM key (PKCS#1 RSA, SEC1 EC, PKCS#8).
 * Typed KeyError: KEY_PASSPHRASE_REQUIRED, KEY_PASSPHRASE_WRONG, KEY_UNSUPPORTED, KEY_MALFORMED.
 */
export async function parsePrivateKeyFile(text: string, passphrase?: string): Promise<SoftwareKey> {
  const body = pemBody(text, 'OPENSSH PRIVATE KEY');
  if (!body) {
    const pem = await parsePemPrivateKey(text);
    if (pem) return pem;
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      throw new KeyError('KEY_UNSUPPORTED', 'This private key format is not supported; convert it with "ssh-keygen -p -f KEY".');
    }
    throw new KeyError('KEY_MALFORMED', 'This is not an OpenSSH or PEM private key file.');
  }
  try {
    const r = new SshReader(body);
    if (new TextDecoder().decode(r.raw(MAGIC.length)) !== MAGIC) throw new KeyError('KEY_MALFORMED', 'The key file lacks the openssh-key-v1 header.');
    const cipherName = r.name();
    const kdfName = r.name();
    const kdfOptions = r.string();
    const count = r.uint32();
    if (count !== 1) throw new KeyError('KEY_UNSUPPORTED', `The key file holds ${count} keys; only files with one key are supported.`);
    const publicBlob = r.string();
    const sealed = r.rest();
    const encLen = new SshReader(sealed).uint32();
    const tagLen = CIPHERS[cipherName]?.tagLen ?? 0;
    if (sealed.length !== 4 + encLen + tagLen) throw new KeyError('KEY_MALFORMED', 'The key file has trailing or missing bytes.');
    const plain = await decryptSection(cipherName, kdfName, kdfOptions, sealed.subarray(4), passphrase);
    const p = new SshReader(plain);
    if (p.uint32() !== p.uint32()) {
      if (cipherName === 'none') throw new KeyError('KEY_MALFORMED', 'The key file\'s check numbers differ.');
      throw new KeyError('KEY_PASSPHRASE_WRONG', 'The passphrase is wrong for this private key.');
    }
    const outer = new SshReader(publicBlob);
    const publicKey = readPublicKeyFields(outer.name(), outer);
    outer.end();
    const key = await readPrivateKey(p.name(), p, publicKey);
    // Deterministic padding 1, 2, 3, ... (PROTOCOL.key).
    const pad = p.rest();
    if (!pad.every((x, i) => x === ((i + 1) & 0xff))) throw new KeyError('KEY_MALFORMED', 'The key file\'s padding is wrong.');
    return key;
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw new KeyError('KEY_MALFORMED', 'The private key file is malformed.', { cause });
  }
}
