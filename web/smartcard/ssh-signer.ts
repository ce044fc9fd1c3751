// A card key as an SSH signer (ssh-proto's Signer): the public key blob (RFC 4253 §6.6,
// RFC 5656 §3.1, RFC 8709 §4) from the certificate's SubjectPublicKeyInfo, and the card's raw
// signature wrapped as an SSH signature blob (RFC 8332 §3, RFC 5656 §3.1.2, RFC 8709 §6).
import { WebError } from '../errors.ts';

/** What this adapter needs of card/'s CardKey. */
export interface CardSigningKey {
  readonly algorithm: string; // 'rsa-2048' | 'p-256' | 'p-384' | 'ed25519' ...
  readonly spki: Uint8Array;
  readonly needsTouch: boolean;
  sign(data: Uint8Array, hash?: 'SHA-256' | 'SHA-384' | 'SHA-512'): Promise<Uint8Array>;
}

export interface SshSigner {
  readonly publicKey: Uint8Array;
  readonly algorithms: readonly string[];
  sign(algorithm: string, data: Uint8Array): Promise<Uint8Array>;
}

const enc = new TextEncoder();

function u32(n: number): Uint8Array { return Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255); }
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
/** RFC 4251 §5 string. */
function sshString(bytes: Uint8Array | string): Uint8Array {
  const b = typeof bytes === 'string' ? enc.encode(bytes) : bytes;
  return concat(u32(b.length), b);
}
/** RFC 4251 §5 mpint from unsigned big-endian bytes: no leading zeros, a 0x00 when the top bit is set. */
function mpint(unsigned: Uint8Array): Uint8Array {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  let v = unsigned.subarray(i);
  if (v.length === 1 && v[0] === 0) v = new Uint8Array(0);
  if (v.length > 0 && (v[0]! & 0x80) !== 0) v = concat(Uint8Array.of(0), v);
  return sshString(v);
}
function fromBase64Url(s: string): Uint8Array {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

/** DER SEQUENCE { INTEGER r, INTEGER s } → [r, s] (X9.62 ECDSA-Sig-Value). */
export function parseDerSignature(der: Uint8Array): [Uint8Array, Uint8Array] {
  const bad = () => new WebError('CARD_SIGNATURE_MALFORMED', 'The card returned a malformed ECDSA signature.');
  let p = 0;
  const len = (): number => {
    const first = der[p++];
    if (first === undefined) throw bad();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n < 1 || n > 2) throw bad();
    let l = 0;
    for (let i = 0; i < n; i++) l = (l << 8) | (der[p++] ?? 0);
    return l;
  };
  if (der[p++] !== 0x30) throw bad();
  const total = len();
  if (p + total !== der.length) throw bad();
  const ints: Uint8Array[] = [];
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) throw bad();
    const l = len();
    if (l < 1 || p + l > der.length) throw bad();
    ints.push(der.subarray(p, p + l));
    p += l;
  }
  if (p !== der.length) throw bad();
  return [ints[0]!, ints[1]!];
}

const CURVES: Record<string, { name: string; curve: string; hash: 'SHA-256' | 'SHA-384'; webCurve: string }> = {
  'p-256': { name: 'ecdsa-sha2-nistp256', curve: 'nistp256', hash: 'SHA-256', webCurve: 'P-256' },
  'p-384': { name: 'ecdsa-sha2-nistp384', curve: 'nistp384', hash: 'SHA-384', webCurve: 'P-384' },
};

/** Builds the SSH signer for a card key; the card signs, the page only encodes. */
export async function cardSshSigner(key: CardSigningKey, onTouch: (waiting: boolean) => void): Promise<SshSigner> {
  const withTouch = async <T>(work: () => Promise<T>): Promise<T> => {
    if (key.needsTouch) onTouch(true);
    try { return await work(); } finally { if (key.needsTouch) onTouch(false); }
  };
  const spki = key.spki as Uint8Array<ArrayBuffer>;
  const ec = CURVES[key.algorithm];
  if (ec) {
    const jwk = await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: ec.webCurve }, true, ['verify']));
    const point = concat(Uint8Array.of(4), fromBase64Url(jwk.x ?? ''), fromBase64Url(jwk.y ?? ''));
    return {
      publicKey: concat(sshString(ec.name), sshString(ec.curve), sshString(point)),
      algorithms: [ec.name],
      async sign(algorithm, data) {
        if (algorithm !== ec.name) throw new WebError('CARD_ALGORITHM', `This card key cannot sign with ${algorithm}.`);
        const [r, s] = parseDerSignature(await withTouch(() => key.sign(data, ec.hash)));
        return concat(sshString(ec.name), sshString(concat(mpint(r), mpint(s))));
      },
    };
  }
  if (key.algorithm.startsWith('rsa-')) {
    const jwk = await crypto.subtle.exportKey('jwk', await crypto.subtle.importKey('spki', spki, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']));
    const hashes = { 'rsa-sha2-512': 'SHA-512', 'rsa-sha2-256': 'SHA-256' } as const;
    return {
      publicKey: concat(sshString('ssh-rsa'), mpint(fromBase64Url(jwk.e ?? '')), mpint(fromBase64Url(jwk.n ?? ''))),
      algorithms: ['rsa-sha2-512', 'rsa-sha2-256'],
      async sign(algorithm, data) {
        const hash = hashes[algorithm as keyof typeof hashes];
        if (!hash) throw new WebError('CARD_ALGORITHM', `This card key cannot sign with ${algorithm}.`);
        return concat(sshString(algorithm), sshString(await withTouch(() => key.sign(data, hash))));
      },
    };
  }
  if (key.algorithm === 'ed25519') {
    // SubjectPublicKeyInfo for Ed25519 is a fixed 12-byte prefix then the 32-byte key (RFC 8410 §4).
    const raw = key.spki.subarray(key.spki.length - 32);
    return {
      publicKey: concat(sshString('ssh-ed25519'), sshString(raw)),
      algorithms: ['ssh-ed25519'],
      async sign(algorithm, data) {
        if (algorithm !== 'ssh-ed25519') throw new WebError('CARD_ALGORITHM', `This card key cannot sign with ${algorithm}.`);
        return concat(sshString('ssh-ed25519'), sshString(await withTouch(() => key.sign(data))));
      },
    };
  }
  throw new WebError('CARD_ALGORITHM', `Card keys of type ${key.algorithm} cannot sign in over SSH.`);
}
