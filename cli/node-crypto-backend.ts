// The node:crypto CryptoBackend of the `tessera` command (ssh-proto/crypto/backend.ts): OpenSSL, synchronous.
// WebCrypto's AES-GCM costs an asynchronous round trip per packet, and libsodium's WebAssembly ChaCha20 runs at a
// third of OpenSSL's speed; the ssh2 npm client reaches its speed the same way (OpenSSL, synchronously).
// The packet ciphers (chacha20-poly1305@openssh.com, AES-GCM, AES-CTR with its HMAC) run in place on OpenSSL
// through the binding ssh2 builds (cli/openssl-packet-keys.ts). Without it, Node has no raw Poly1305, so
// chacha20-poly1305@openssh.com runs on native libsodium (cli/native-chacha-poly.ts), AES-GCM on a node:crypto
// cipher object per packet, and AES-CTR on a node:crypto stream with an Hmac object per packet.
// X25519, Ed25519 and SHA-2 come from OpenSSL too: a handshake then needs no WebAssembly compiled at all.
import {
  createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, createSecretKey, diffieHellman, sign,
  timingSafeEqual, verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_CIPHERS, HASH_LENGTH, preloadLibsodium, WEB_CRYPTO_BACKEND, type AesCtrStream, type AesGcmKey, type ChaChaPolyKey, type CryptoBackend, type HmacKey,
} from '../ssh-proto/index.ts';
import { loadSodiumNative, NativeChaChaPoly } from './native-chacha-poly.ts';
import { loadOpenSslBinding, OpenSslAesCtrHmac, OpenSslAesGcm, OpenSslChaChaPoly } from './openssl-packet-keys.ts';

/** DER prefixes of an RFC 8410 key: PKCS #8 private key (then the 32-byte key) and SubjectPublicKeyInfo. */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

const privateKey = (prefix: Buffer, raw: Uint8Array): KeyObject => createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
const publicKey = (prefix: Buffer, raw: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
/** The raw 32-byte key at the end of a SubjectPublicKeyInfo. */
const rawPublic = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(-32));

const OPENSSL_HASH = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' } as const;
const TAG = 16;
const CHACHA = 'chacha20-poly1305@openssh.com';

/** AES-GCM through OpenSSL; the tag is checked by final() before the plaintext is handed out. */
function aesGcmKey(raw: Uint8Array): AesGcmKey {
  if (raw.length !== 16 && raw.length !== 32) throw new RangeError(`AES-GCM needs a key of 16 or 32 bytes, got ${raw.length}`);
  const algorithm = raw.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  const key = createSecretKey(Buffer.from(raw));
  return {
    synchronous: true,
    encrypt(iv, aad, plaintext) {
      const c = createCipheriv(algorithm, key, iv, { authTagLength: TAG });
      c.setAAD(aad);
      const body = c.update(plaintext);
      c.final();
      const out = new Uint8Array(body.length + TAG);
      out.set(body, 0);
      out.set(c.getAuthTag(), body.length);
      return out;
    },
    decrypt(iv, aad, sealed) {
      if (sealed.length < TAG) return undefined;
      const d = createDecipheriv(algorithm, key, iv, { authTagLength: TAG });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - TAG));
      const plain = d.update(sealed.subarray(0, sealed.length - TAG));
      try {
        d.final();
      } catch {
        return undefined;
      }
      return plain;
    },
  };
}

/** AES-CTR as one OpenSSL stream per direction: OpenSSL increments the whole 16-byte block, as RFC 4344 §4 asks. */
function aesCtrStream(raw: Uint8Array, iv: Uint8Array): AesCtrStream {
  if (![16, 24, 32].includes(raw.length)) throw new RangeError(`AES-CTR needs a key of 16, 24 or 32 bytes, got ${raw.length}`);
  const stream = createCipheriv(`aes-${raw.length * 8}-ctr`, createSecretKey(Buffer.from(raw)), iv.subarray(0, 16));
  return { xor: (data) => stream.update(data) };
}

function hmacKey(raw: Uint8Array, hash: keyof typeof OPENSSL_HASH): HmacKey {
  const key = createSecretKey(Buffer.from(raw));
  const sign = (data: Uint8Array) => createHmac(OPENSSL_HASH[hash], key).update(data).digest();
  return {
    sign,
    verify: (mac, data) => {
      const expected = sign(data);
      return mac.length === expected.length && timingSafeEqual(mac, expected);
    },
  };
}

/**
 * chacha20-poly1305@openssh.com in place on OpenSSL (`inPlace`, where the binding is built); else on native
 * libsodium (cli/native-chacha-poly.ts); where that addon cannot load either, libsodium's WebAssembly build, as in the page.
 */
async function chachaPolyKey(raw: Uint8Array, inPlace: boolean): Promise<ChaChaPolyKey> {
  const openssl = inPlace ? loadOpenSslBinding() : undefined;
  if (openssl) return new OpenSslChaChaPoly(openssl, raw);
  const native = await loadSodiumNative();
  return native ? new NativeChaChaPoly(native, raw) : WEB_CRYPTO_BACKEND.chachaPolyKey(raw);
}

/**
 * The `tessera` command's backend. `inPlace` (the default) runs the packet ciphers in place on OpenSSL where the ssh2
 * binding is built; without it they take the routes above, which the tests and bench/ssh-ciphers.ts also measure.
 */
export function nodeCryptoBackend({ inPlace = true } = {}): CryptoBackend {
  return {
    name: inPlace ? 'node:crypto' : 'node:crypto (no OpenSSL packet binding)',
    prepare(algorithms) {
      // ML-KEM comes from libsodium's WebAssembly, chacha20-poly1305 from a native addon: load them once chosen.
      if (!algorithms) return;
      const { kex, cipherClientToServer: c2s, cipherServerToClient: s2c } = algorithms;
      if (kex.startsWith('mlkem')) preloadLibsodium();
      if ([c2s, s2c].includes(CHACHA) && !(inPlace && loadOpenSslBinding())) void loadSodiumNative();
    },
    aesGcmKey: async (raw) => {
      const openssl = inPlace ? loadOpenSslBinding() : undefined;
      return openssl ? new OpenSslAesGcm(openssl, raw, aesGcmKey(raw)) : aesGcmKey(raw);
    },
    chachaPolyKey: (raw) => chachaPolyKey(raw, inPlace),
    aesCtrStream: async (raw, iv) => aesCtrStream(raw, iv),
    hmacKey: async (raw, hash) => hmacKey(raw, hash),
    aesCtrHmacKeys: async (raw, iv, mac, macKey) => {
      const openssl = inPlace ? loadOpenSslBinding() : undefined;
      return openssl ? new OpenSslAesCtrHmac(openssl, raw, iv, { digest: OPENSSL_HASH[mac.hash], bytes: HASH_LENGTH[mac.hash], etm: mac.etm }, macKey) : undefined;
    },
    digest: async (hash, data) => new Uint8Array(createHash(OPENSSL_HASH[hash]).update(data).digest()),
    x25519Public: async (raw) => rawPublic(createPublicKey(privateKey(PKCS8_X25519, raw))),
    x25519: async (raw, peer) => new Uint8Array(diffieHellman({ privateKey: privateKey(PKCS8_X25519, raw), publicKey: publicKey(SPKI_X25519, peer) })),
    ed25519PublicFromSeed: async (seed) => rawPublic(createPublicKey(privateKey(PKCS8_ED25519, seed))),
    ed25519Sign: async (secretKey, data) => new Uint8Array(sign(null, data, privateKey(PKCS8_ED25519, secretKey.subarray(0, 32)))),
    ed25519Verify: async (key, signature, data) => {
      try {
        return verify(null, data, publicKey(SPKI_ED25519, key), signature);
      } catch {
        return false; // not a valid encoded point
      }
    },
  };
}

export const NODE_CRYPTO_BACKEND = nodeCryptoBackend();

/**
 * The ciphers offered with this backend, AES-GCM first: with OpenSSL's AES instructions it is the fastest here
 * (bench/ssh/throughput.ts; ahead of native chacha20-poly1305 too), as Go's x/crypto/ssh and the ssh2 client order them on such
 * CPUs. Where the CPU has no AES instructions, OpenSSH's order (ChaCha20-Poly1305 first) stays.
 */
export const NODE_PREFERRED_CIPHERS: readonly string[] = hasAesInstructions()
  ? [...DEFAULT_CIPHERS.filter((c) => c.includes('-gcm@')), ...DEFAULT_CIPHERS.filter((c) => !c.includes('-gcm@'))]
  : DEFAULT_CIPHERS;

/** AES-NI (x86 flag "aes") or the ARMv8 Crypto Extensions (Features "aes"), from /proc/cpuinfo on Linux. */
function hasAesInstructions(): boolean {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return false;
  if (process.platform !== 'linux') return true; // assumed: macOS and Windows machines of these architectures have them
  try {
    return /^(flags|Features)\s*:.*\baes\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return true;
  }
}
