// The crypto backends (ssh-proto/crypto/backend.ts) against the same published vectors and cross-checks: the
// default (WebCrypto + libsodium, the page's) and node:crypto (the `tessera` command's, cli/node-crypto-backend.ts),
// with its packet ciphers in place on OpenSSL (cli/openssl-packet-keys.ts) and without (native libsodium, node:crypto).
// The chacha20-poly1305@openssh.com packets are also rebuilt independently (node:crypto ChaCha20 and libsodium's
// own Poly1305 wrapper, as OpenSSH's PROTOCOL.chacha20poly1305 describes), and each backend opens the other's.
import { createCipheriv, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import sodiumWrappers from 'libsodium-wrappers-sumo';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeChaChaPoly } from '../../cli/native-chacha-poly.ts';
import { NODE_CRYPTO_BACKEND, nodeCryptoBackend } from '../../cli/node-crypto-backend.ts';
import { loadOpenSslBinding, OpenSslAesGcm, OpenSslChaChaPoly } from '../../cli/openssl-packet-keys.ts';
import { setCryptoBackend, WEB_CRYPTO_BACKEND, type CryptoBackend } from '../../ssh-proto/index.ts';
import { x25519SharedSecret } from '../../ssh-proto/crypto/index.ts';
import { createPacketCipher, keySizes, PacketDecoder, PacketEncoder } from '../../ssh-proto/transport/index.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const NODE_WITHOUT_BINDING = nodeCryptoBackend({ inPlace: false });
const BACKENDS: [string, CryptoBackend][] = [WEB_CRYPTO_BACKEND, NODE_CRYPTO_BACKEND, NODE_WITHOUT_BINDING].map((b) => [b.name, b]);

/** chacha20-poly1305@openssh.com built from node:crypto ChaCha20 and libsodium's crypto_onetimeauth (not the backends' code). */
async function independentChaChaPoly(key: Uint8Array, seq: number, packet: Uint8Array): Promise<Uint8Array> {
  await sodiumWrappers.ready;
  const iv = (counter: number) => { const v = Buffer.alloc(16); v[0] = counter; v.writeUInt32BE(seq, 12); return v; };
  const k2 = key.subarray(0, 32);
  const length = createCipheriv('chacha20', key.subarray(32), iv(0)).update(packet.subarray(0, 4));
  const body = createCipheriv('chacha20', k2, iv(1)).update(packet.subarray(4));
  const polyKey = createCipheriv('chacha20', k2, iv(0)).update(Buffer.alloc(32));
  const sealed = Buffer.concat([length, body]);
  return Buffer.concat([sealed, sodiumWrappers.crypto_onetimeauth(sealed, polyKey)]);
}

afterEach(() => { setCryptoBackend(WEB_CRYPTO_BACKEND); });

it('the node:crypto backend runs the packet ciphers in place on OpenSSL: ssh2 built its binding here (g++ and make at npm ci)', async () => {
  expect(loadOpenSslBinding(), 'ssh2 has no built binding: install g++ and make, then npm rebuild ssh2').toBeDefined();
  const chacha = await NODE_CRYPTO_BACKEND.chachaPolyKey(new Uint8Array(64));
  expect(chacha).toBeInstanceOf(OpenSslChaChaPoly);
  chacha.dispose();
  const gcm = await NODE_CRYPTO_BACKEND.aesGcmKey(new Uint8Array(16));
  expect(gcm).toBeInstanceOf(OpenSslAesGcm);
  gcm.dispose!(); // its contexts freed and its key zeroed: any use now throws, never a crash or a silent answer
  expect(() => gcm.encrypt(new Uint8Array(12), new Uint8Array(4), new Uint8Array(16))).toThrow(/disposed/);
  expect(() => gcm.decrypt(new Uint8Array(12), new Uint8Array(4), new Uint8Array(32))).toThrow(/disposed/);
  // Without the binding: native libsodium. Its own fallback (libsodium's WebAssembly) is the web backend's key, tested below.
  const sodium = await NODE_WITHOUT_BINDING.chachaPolyKey(new Uint8Array(64));
  expect(sodium).toBeInstanceOf(NativeChaChaPoly);
  sodium.dispose();
});

it('on OpenSSL the transport seals packets in place (PacketSealer.sealInPlace), AES-CTR + HMAC included; the other routes copy', async () => {
  for (const [cipher, mac] of [['chacha20-poly1305@openssh.com', 'none'], ['aes128-gcm@openssh.com', 'none'], ['aes256-gcm@openssh.com', 'none'],
    ['aes128-ctr', 'hmac-sha2-256'], ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com']] as const) {
    const sizes = keySizes(cipher, mac);
    const keys = { iv: new Uint8Array(sizes.iv), key: new Uint8Array(sizes.key), macKey: new Uint8Array(sizes.macKey) };
    // The interop test below checks the bytes: the in-place seal and open on this backend against the web backend's.
    expect((await createPacketCipher(cipher, mac, keys, NODE_CRYPTO_BACKEND)).sealInPlace, cipher).toBeTypeOf('function');
    expect((await createPacketCipher(cipher, mac, keys, WEB_CRYPTO_BACKEND)).sealInPlace, cipher).toBeUndefined();
    expect((await createPacketCipher(cipher, mac, keys, NODE_WITHOUT_BINDING)).sealInPlace, cipher).toBeUndefined();
    const disposed = await createPacketCipher(cipher, mac, keys, NODE_CRYPTO_BACKEND);
    disposed.dispose?.();
    expect(() => disposed.sealInPlace!(0, new Uint8Array(128)), cipher).toThrow(/disposed/);
    expect(() => disposed.open(0, new Uint8Array(128)), cipher).toThrow(/disposed/);
  }
});

it('AES-GCM in place on OpenSSL equals node:crypto for SSH packets, follows any IV it is given, and refuses a changed bit (property)', async () => {
  await fc.assert(fc.asyncProperty(fc.constantFrom(16, 32), fc.array(fc.record({ size: fc.integer({ min: 0, max: 40000 }), skip: fc.boolean() }), { minLength: 1, maxLength: 6 }),
    async (keyLength, packets) => {
      const key = randomBytes(keyLength);
      const iv = randomBytes(12);
      iv.fill(0xff, 4, 11); // the invocation counter carries across bytes (RFC 5647 §7.1)
      const k = await NODE_CRYPTO_BACKEND.aesGcmKey(key);
      expect(k).toBeInstanceOf(OpenSslAesGcm);
      for (const { size, skip } of packets) {
        if (skip) iv.writeUInt32BE((iv.readUInt32BE(8) + 7) >>> 0, 8); // a jump: the key makes a new context for it
        const aad = Buffer.alloc(4);
        aad.writeUInt32BE(size);
        const plain = randomBytes(size);
        const c = createCipheriv(keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, iv);
        c.setAAD(aad);
        const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
        const sealed = await k.encrypt(iv, aad, plain);
        expect(toHex(sealed)).toBe(toHex(expected));
        const bad = Buffer.from(sealed);
        bad[Math.floor(bad.length / 2)]! ^= 1;
        expect(await k.decrypt(iv, aad, bad)).toBeUndefined();
        expect(toHex((await k.decrypt(iv, aad, Buffer.from(sealed)))!)).toBe(toHex(plain));
        for (let i = 11; i >= 4; i--) { iv[i] = (iv[i]! + 1) & 0xff; if (iv[i] !== 0) break; }
      }
    }), { numRuns: 30 });
});

describe.each(BACKENDS)('crypto backend %s', (_name, backend) => {
  it('AES-GCM: McGrew-Viega test cases 4 (AES-128) and 16 (AES-256), and a changed tag or AAD is refused', async () => {
    const iv = hex('cafebabefacedbaddecaf888');
    const aad = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const plain = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const cases = [
      ['feffe9928665731c6d6a8f9467308308', '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091'
        + '5bc94fbc3221a5db94fae95ae7121a47'],
      ['feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308', '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662'
        + '76fc6ece0f4e1768cddf8853bb2d551b'],
    ] as const;
    for (const [key, sealed] of cases) {
      const k = await backend.aesGcmKey(hex(key));
      expect(toHex(await k.encrypt(iv, aad, plain))).toBe(sealed);
      expect(toHex((await k.decrypt(iv, aad, hex(sealed)))!)).toBe(toHex(plain));
      const bad = hex(sealed);
      bad[bad.length - 1]! ^= 1;
      expect(await k.decrypt(iv, aad, bad)).toBeUndefined();
      expect(await k.decrypt(iv, aad.subarray(1), hex(sealed))).toBeUndefined();
      expect(await k.decrypt(iv, aad, hex(sealed).subarray(0, 10))).toBeUndefined();
    }
  });

  it('chacha20-poly1305@openssh.com equals the independent construction at any length and sequence number (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(0, 1, 0x01020304, 0xffffffff),
      fc.integer({ min: 1, max: 40000 }), async (key, seq, size) => {
        const packet = new Uint8Array(4 + size).map((_, i) => (i * 7) & 0xff);
        new DataView(packet.buffer).setUint32(0, size);
        const k = await backend.chachaPolyKey(key);
        const sealed = k.seal(seq, packet);
        expect(toHex(sealed)).toBe(toHex(await independentChaChaPoly(key, seq, packet)));
        expect(k.length(seq, sealed)).toBe(size);
        expect(toHex(k.open(seq, sealed.slice())!)).toBe(toHex(packet.subarray(4))); // open may decrypt in place
        const cut = Math.floor(sealed.length / 3);
        const end = sealed.length;
        // Pieces cut in the payload, inside the length, and inside the tag.
        for (const cuts of [[cut, cut + 5], [2, cut], [end - 10, end - 3], [3, end - 16, end - 15]]) {
          const parts = [0, ...cuts].map((from, i) => sealed.slice(from, [...cuts, end][i]));
          expect(toHex(k.openParts(seq, parts, end)!)).toBe(toHex(packet.subarray(4)));
        }
        k.dispose();
      }), { numRuns: 25 });
  });

  it('chacha20-poly1305@openssh.com refuses a flipped bit anywhere, leaving the bytes as they were, and the wrong sequence number', async () => {
    const key = new Uint8Array(64).map((_, i) => i);
    const k = await backend.chachaPolyKey(key);
    const packet = new Uint8Array(4 + 100).fill(3);
    packet.set([0, 0, 0, 100]);
    const sealed = k.seal(9, packet);
    for (const at of [0, 3, 4, 50, sealed.length - 17, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 0x40;
      const before = toHex(bad);
      expect(k.open(9, bad)).toBeUndefined();
      expect(toHex(bad)).toBe(before); // a key that decrypts in place does so only after the tag checked
      expect(k.openParts(9, [bad.subarray(0, 30), bad.subarray(30)], bad.length)).toBeUndefined();
      expect(toHex(bad)).toBe(before);
    }
    expect(k.open(10, sealed)).toBeUndefined();
    expect(toHex(k.open(9, sealed)!)).toBe(toHex(packet.subarray(4)));
  });

  it('a chacha20-poly1305@openssh.com key refuses every use after dispose() (its keys are wiped): never a silent answer', async () => {
    const k = await backend.chachaPolyKey(new Uint8Array(64).fill(1));
    const packet = new Uint8Array(4 + 12);
    packet[3] = 12;
    const sealed = k.seal(0, packet);
    k.dispose();
    expect(() => k.seal(1, packet)).toThrow(/disposed/);
    expect(() => k.length(0, sealed)).toThrow(/disposed/);
    expect(() => k.open(0, sealed.slice())).toThrow(/disposed/);
    expect(() => k.openParts(0, [sealed.slice(0, 9), sealed.slice(9)], sealed.length)).toThrow(/disposed/);
    k.dispose(); // twice is harmless
  });

  it('X25519: RFC 7748 §6.1 public keys and shared secret; a low-order point gives the typed error', async () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(await backend.x25519Public(alice))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPublic = await backend.x25519Public(bob);
    expect(toHex(bobPublic)).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(toHex(await backend.x25519(alice, bobPublic))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    setCryptoBackend(backend);
    await expect(x25519SharedSecret(alice, new Uint8Array(32))).rejects.toMatchObject({ code: 'X25519_ZERO_SHARED_SECRET' });
    await expect(x25519SharedSecret(alice, hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800'))).rejects.toMatchObject({ code: 'X25519_ZERO_SHARED_SECRET' });
  });

  it('Ed25519: RFC 8032 §7.1 test 2 (public key, signature), a changed message or signature fails', async () => {
    const seed = hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
    const pub = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
    const msg = hex('72');
    const sig = '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00';
    expect(toHex(await backend.ed25519PublicFromSeed(seed))).toBe(toHex(pub));
    const secretKey = new Uint8Array([...seed, ...pub]);
    expect(toHex(await backend.ed25519Sign(secretKey, msg))).toBe(sig);
    expect(await backend.ed25519Verify(pub, hex(sig), msg)).toBe(true);
    expect(await backend.ed25519Verify(pub, hex(sig), hex('73'))).toBe(false);
    const bad = hex(sig);
    bad[10]! ^= 1;
    expect(await backend.ed25519Verify(pub, bad, msg)).toBe(false);
  });

  it('AES-CTR: SP 800-38A F.5.1 (AES-128), the counter running on across calls; F.5.5 (AES-256) first block', async () => {
    const plain = hex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
    const ctr = await backend.aesCtrStream(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'));
    const first = await ctr.xor(plain.subarray(0, 16));
    const second = await ctr.xor(plain.subarray(16));
    expect(toHex(first) + toHex(second)).toBe('874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff');
    const ctr256 = await backend.aesCtrStream(hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'), hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'));
    expect(toHex(await ctr256.xor(plain.subarray(0, 16)))).toBe('601ec313775789a5b7a7f504bbf3d228');
    // The counter carries across 64-bit boundaries as one 128-bit number (RFC 4344 §4).
    const wrap = await backend.aesCtrStream(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('00000000000000ffffffffffffffffff'));
    const reference = await backend.aesCtrStream(hex('2b7e151628aed2a6abf7158809cf4f3c'), hex('00000000000001000000000000000000'));
    await wrap.xor(new Uint8Array(16));
    expect(toHex(await wrap.xor(new Uint8Array(16)))).toBe(toHex(await reference.xor(new Uint8Array(16))));
  });

  it('HMAC: RFC 4231 test case 2 (SHA-256, SHA-512); a changed MAC or a short one fails', async () => {
    const data = new TextEncoder().encode('what do ya want for nothing?');
    const cases = [
      ['SHA-256', '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
      ['SHA-512', '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'],
    ] as const;
    for (const [hash, expected] of cases) {
      const k = await backend.hmacKey(new TextEncoder().encode('Jefe'), hash);
      const mac = await k.sign(data);
      expect(toHex(mac)).toBe(expected);
      expect(await k.verify(mac, data)).toBe(true);
      const bad = new Uint8Array(mac);
      bad[5]! ^= 1;
      expect(await k.verify(bad, data)).toBe(false);
      expect(await k.verify(mac.subarray(0, 16), data)).toBe(false);
    }
  });

  it('SHA-2: the FIPS 180-4 "abc" digests', async () => {
    const abc = new TextEncoder().encode('abc');
    expect(toHex(await backend.digest('SHA-256', abc))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(await backend.digest('SHA-384', abc))).toMatch(/^cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7$/);
    expect(toHex(await backend.digest('SHA-512', abc))).toMatch(/^ddaf35a193617aba/);
  });

  it.each([
    ['chacha20-poly1305@openssh.com', 'none'], ['aes128-gcm@openssh.com', 'none'], ['aes256-gcm@openssh.com', 'none'],
    ['aes128-ctr', 'hmac-sha2-256'], ['aes256-ctr', 'hmac-sha2-512-etm@openssh.com'], ['aes192-ctr', 'hmac-sha2-256-etm@openssh.com'],
  ])('%s / %s packets: this backend and the other one interoperate both ways; a flipped bit gives MAC_MISMATCH', async (cipher, mac) => {
      const sizes = keySizes(cipher, mac);
      const keys = { iv: new Uint8Array(sizes.iv).fill(1), key: new Uint8Array(sizes.key).fill(2), macKey: new Uint8Array(sizes.macKey).fill(3) };
      const other = backend === WEB_CRYPTO_BACKEND ? NODE_CRYPTO_BACKEND : WEB_CRYPTO_BACKEND;
      for (const [from, to] of [[backend, other], [other, backend]] as const) {
        const enc = new PacketEncoder();
        const dec = new PacketDecoder();
        enc.setSealer(await createPacketCipher(cipher, mac, keys, from));
        dec.setOpener(await createPacketCipher(cipher, mac, keys, to));
        const payloads = [new Uint8Array([94]), new Uint8Array(32768).map((_, i) => i & 0xff), new Uint8Array(1000).fill(5)];
        const wire = Buffer.concat(await Promise.all(payloads.map((p) => enc.encode(p))));
        const got = [];
        for (let at = 0; at < wire.length; at += 20000) {
          dec.feed(new Uint8Array(wire.subarray(at, at + 20000)));
          dec.frameAhead();
          for (let b = await dec.nextBatch(); b.length > 0; b = await dec.nextBatch()) got.push(...b);
        }
        expect(got.map((p) => toHex(p.payload))).toEqual(payloads.map(toHex));
        const bad = (await enc.encode(new Uint8Array(200).fill(1))).slice();
        bad[bad.length - 30]! ^= 1;
        dec.feed(bad);
        await expect(dec.next()).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
      }
    });
});
