// The binary packet protocol (RFC 4253 §6) and the packet ciphers, in memory.
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import { chachaPoly } from '../crypto/index.ts';
import { SshError } from '../errors.ts';
import { createPacketCipher, keySizes } from './cipher-suite.ts';
import type { PacketOpener } from './packet-cipher.ts';
import { ChaCha20Poly1305Cipher } from './chacha20-poly1305.ts';
import { deriveKey, exchangeHash } from './key-schedule.ts';
import { MAX_PACKET_LENGTH, MAX_PAYLOAD_LENGTH, PacketDecoder, PacketEncoder } from './packet-protocol.ts';
import { SshWriter } from '../wire/index.ts';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const SUITES: [string, string][] = [
  ['none', 'none'],
  ['chacha20-poly1305@openssh.com', 'none'], ['aes128-gcm@openssh.com', 'none'], ['aes256-gcm@openssh.com', 'none'],
  ['aes128-ctr', 'hmac-sha2-256'], ['aes192-ctr', 'hmac-sha2-512'], ['aes256-ctr', 'hmac-sha2-256-etm@openssh.com'], ['aes128-ctr', 'hmac-sha2-512-etm@openssh.com'],
];

/** An encoder and a decoder keyed alike, and the decoder's opener (none for 'none'). */
async function pair(cipher: string, mac: string): Promise<[PacketEncoder, PacketDecoder, PacketOpener | undefined]> {
  const enc = new PacketEncoder();
  const dec = new PacketDecoder();
  if (cipher === 'none') return [enc, dec, undefined];
  const sizes = keySizes(cipher, mac);
  const keys = { iv: new Uint8Array(sizes.iv).fill(1), key: new Uint8Array(sizes.key).fill(2), macKey: new Uint8Array(sizes.macKey).fill(3) };
  enc.setSealer(await createPacketCipher(cipher, mac, keys));
  const opener = await createPacketCipher(cipher, mac, keys);
  dec.setOpener(opener);
  return [enc, dec, opener];
}

describe('packet round trips', () => {
  it.each(SUITES)('%s / %s: payloads survive, split at every boundary, with correct padding', async (cipher, mac) => {
    const [enc, dec] = await pair(cipher, mac);
    const payloads = [new Uint8Array([94]), new Uint8Array(1000).fill(7), new Uint8Array(32768).map((_, i) => i & 0xff)];
    const wire: Uint8Array[] = [];
    for (const p of payloads) wire.push(await enc.encode(p));
    const all = new Uint8Array(wire.reduce((n, w) => n + w.length, 0));
    let at = 0;
    for (const w of wire) { all.set(w, at); at += w.length; }
    // Feed in 7-byte pieces, each in memory of its own: the decoder must wait for whole packets.
    const got: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 7) {
      dec.feed(all.slice(i, i + 7));
      for (let p = await dec.next(); p; p = await dec.next()) got.push(p.payload);
    }
    expect(got.map(toHex)).toEqual(payloads.map(toHex));
    expect(dec.seq).toBe(3);
  });

  it.each(SUITES)('%s / %s: a payload given as head and tail decodes as the two joined, with the same padding', async (cipher, mac) => {
    const [enc, dec] = await pair(cipher, mac);
    const [plainEnc] = await pair(cipher, mac);
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 40_000 }),
      async (head, tail) => {
        const joined = Buffer.concat([head, tail]);
        const wire = await enc.encode(head, tail);
        // The same length on the wire as the joined payload: the padding counts the tail (RFC 4253 §6).
        expect(wire.length).toBe((await plainEnc.encode(joined)).length);
        dec.feed(wire);
        const got = await dec.next();
        expect(toHex(got!.payload)).toBe(toHex(joined));
      },
    ), { numRuns: 30 });
  });

  it('the size limit counts the tail', () => {
    const enc = new PacketEncoder();
    expect(() => enc.encode(new Uint8Array(9), new Uint8Array(MAX_PAYLOAD_LENGTH - 9))).not.toThrow();
    expect(() => enc.encode(new Uint8Array(9), new Uint8Array(MAX_PAYLOAD_LENGTH - 8))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }));
    expect(enc.seq).toBe(1); // the refused message took no sequence number
  });

  it.each(SUITES.filter(([c]) => c !== 'none'))('%s / %s: a flipped bit anywhere gives MAC_MISMATCH or a typed length error', async (cipher, mac) => {
    const [enc, dec] = await pair(cipher, mac);
    const w = (await enc.encode(new Uint8Array(100).fill(9))).slice();
    w[w.length - 20]! ^= 0x01;
    dec.feed(w);
    await expect(dec.next()).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
  });

  it.each(SUITES.filter(([c]) => c !== 'none'))('%s / %s: nextBatch opens buffered packets together, in order, and defers an error to after them', async (cipher, mac) => {
    const [enc, dec] = await pair(cipher, mac);
    const payloads = Array.from({ length: 10 }, (_, i) => new Uint8Array(100 + i * 50).fill(i + 1));
    for (const p of payloads) dec.feed(await enc.encode(p));
    const bad = (await enc.encode(new Uint8Array([94, 1]))).slice();
    bad[bad.length - 1]! ^= 1;
    dec.feed(bad);
    const got = [];
    let error: unknown;
    try {
      for (let b = await dec.nextBatch(4); b.length > 0; b = await dec.nextBatch(4)) got.push(...b);
    } catch (e) { error = e; }
    expect(error).toMatchObject({ code: 'MAC_MISMATCH' });
    expect(got.map((p) => toHex(p.payload))).toEqual(payloads.map(toHex));
    expect(got.map((p) => p.seq)).toEqual(payloads.map((_, i) => i));
  });

  it.each(SUITES)('%s / %s: frameAhead as bytes arrive in random pieces keeps payloads and sequence numbers in order (property)', async (cipher, mac) => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 70000 }), async (sizes, piece) => {
      const [enc, dec] = await pair(cipher, mac);
      const payloads = sizes.map((n, i) => new Uint8Array(n).map((_, j) => (i * 31 + j) & 0xff));
      const wire = Buffer.concat(await Promise.all(payloads.map((p) => enc.encode(p))));
      const got: { seq: number; payload: Uint8Array }[] = [];
      for (let at = 0; at < wire.length; at += piece) {
        dec.feed(new Uint8Array(wire.subarray(at, at + piece)));
        dec.frameAhead();
        if (at % 3 === 0) for (const p of await dec.nextBatch()) got.push(p); // sometimes drain between pieces
      }
      for (let b = await dec.nextBatch(); b.length > 0; b = await dec.nextBatch()) got.push(...b);
      expect(got.map((p) => p.seq)).toEqual(payloads.map((_, i) => i));
      expect(got.map((p) => toHex(p.payload))).toEqual(payloads.map(toHex));
      expect(dec.bufferedBytes).toBe(0);
    }), { numRuns: 15 });
  });

  it.each(SUITES.filter(([c]) => c !== 'none'))('%s / %s: a bad packet framed ahead fails after the good ones before it; next() drains framed packets first', async (cipher, mac) => {
    const [enc, dec] = await pair(cipher, mac);
    const good = [new Uint8Array(3000).fill(1), new Uint8Array(40000).fill(2)];
    const wire = [...await Promise.all(good.map((p) => enc.encode(p)))];
    const bad = (await enc.encode(new Uint8Array(500).fill(3))).slice();
    bad[bad.length - 5]! ^= 0x80;
    for (const w of [...wire, bad, await enc.encode(new Uint8Array([94]))]) dec.feed(w);
    dec.frameAhead();
    expect(toHex((await dec.next())!.payload)).toBe(toHex(good[0]!));
    expect(toHex((await dec.nextBatch())[0]!.payload)).toBe(toHex(good[1]!));
    await expect(dec.nextBatch()).rejects.toMatchObject({ code: 'MAC_MISMATCH' });
  });

  it.each(SUITES.filter(([c]) => c !== 'none'))('%s / %s: pieces read side by side into one buffer are opened as one view, never joined (cli/slab-reads.ts)', async (cipher, mac) => {
    const [enc, dec, opener] = await pair(cipher, mac);
    const openParts = opener!.openParts ? vi.spyOn(opener as Required<PacketOpener>, 'openParts') : undefined;
    const payloads = [5000, 33000, 17, 2000].map((n, i) => new Uint8Array(n).map((_, j) => (i * 7 + j) & 0xff));
    const slab = new Uint8Array(Buffer.concat(await Promise.all(payloads.map((p) => enc.encode(p)))));
    const got: Uint8Array[] = [];
    for (let at = 0; at < slab.length; at += 4093) {
      dec.feed(slab.subarray(at, at + 4093));
      dec.frameAhead();
      for (const p of await dec.nextBatch()) got.push(p.payload);
    }
    for (let b = await dec.nextBatch(); b.length > 0; b = await dec.nextBatch()) got.push(...b.map((p) => p.payload));
    expect(got.map(toHex)).toEqual(payloads.map(toHex));
    expect(dec.bufferedBytes).toBe(0);
    if (openParts) expect(openParts).not.toHaveBeenCalled();
    // A piece in other memory is not joined to its neighbour: the packet across them goes to openParts.
    const w1 = await enc.encode(new Uint8Array(3000).fill(5));
    dec.feed(w1.slice(0, 1000));
    dec.feed(w1.slice(1000));
    dec.frameAhead();
    expect(toHex((await dec.next())!.payload)).toBe(toHex(new Uint8Array(3000).fill(5)));
    if (openParts) expect(openParts).toHaveBeenCalledTimes(1);
  });

  it('chacha20-poly1305: a packet in pieces opens (openParts) exactly as in one piece, and a flipped bit in any piece fails', async () => {
    const [enc] = await pair('chacha20-poly1305@openssh.com', 'none');
    const sizes = keySizes('chacha20-poly1305@openssh.com', 'none');
    const opener = await createPacketCipher('chacha20-poly1305@openssh.com', 'none', { iv: new Uint8Array(sizes.iv).fill(1), key: new Uint8Array(sizes.key).fill(2), macKey: new Uint8Array(0) });
    const wire = await enc.encode(new Uint8Array(5000).map((_, i) => i & 0xff));
    const parts = [wire.subarray(0, 3), wire.subarray(3, 2000), wire.subarray(2000)];
    expect(opener.packetLength(0, wire)).toBe(wire.length - 20);
    const plain = await opener.openParts!(0, parts, wire.length);
    expect(toHex(plain.subarray(1, 5001))).toBe(toHex(new Uint8Array(5000).map((_, i) => i & 0xff)));
    for (const p of parts) {
      p[p.length - 1]! ^= 1;
      expect(() => opener.openParts!(0, parts, wire.length)).toThrow(expect.objectContaining({ code: 'MAC_MISMATCH' }));
      p[p.length - 1]! ^= 1;
    }
  });

  it('new keys replace old ones: the decoder wipes the opener it replaces; the encoder hands back the sealer it replaces', async () => {
    const [enc, dec, opener] = await pair('chacha20-poly1305@openssh.com', 'none');
    const wire = await enc.encode(new Uint8Array([2, 9]));
    const [, , nextOpener] = await pair('chacha20-poly1305@openssh.com', 'none');
    const wiped = vi.spyOn(opener!, 'dispose');
    dec.setOpener(nextOpener!);
    expect(wiped).toHaveBeenCalledOnce();
    expect(() => opener!.packetLength(0, wire)).toThrow(/disposed/); // its keys are gone, and it says so
    dec.setOpener(nextOpener!); // the same keys again are kept
    expect(nextOpener!.packetLength(0, wire)).toBeGreaterThan(0);
    // The encoder leaves the replaced sealer alone: the transport wipes it once NEWKEYS, sealed with it, is sent.
    const keys = { iv: new Uint8Array(0), key: new Uint8Array(64).fill(2), macKey: new Uint8Array(0) };
    const [first, second] = await Promise.all([0, 1].map(() => createPacketCipher('chacha20-poly1305@openssh.com', 'none', keys)));
    const e = new PacketEncoder();
    e.setSealer(first!);
    expect(e.setSealer(second!)).toBe(first);
    expect((await first!.seal(0, new Uint8Array(16))).length).toBe(32);
  });

  it('sequence numbers wrap at 2^32 (RFC 4253 §6.4)', async () => {
    const [enc, dec] = await pair('chacha20-poly1305@openssh.com', 'none');
    enc.seq = 0xffffffff;
    dec.seq = 0xffffffff;
    dec.feed(await enc.encode(new Uint8Array([2])));
    dec.feed(await enc.encode(new Uint8Array([2])));
    expect((await dec.next())?.seq).toBe(0xffffffff);
    expect((await dec.next())?.seq).toBe(0);
  });

  it('refuses a packet length above 256 KiB before reading it (PACKET_TOO_LARGE)', async () => {
    const dec = new PacketDecoder();
    dec.feed(new SshWriter().uint32(MAX_PACKET_LENGTH + 8).toBytes());
    await expect(dec.next()).rejects.toMatchObject({ code: 'PACKET_TOO_LARGE' });
  });

  it('refuses misaligned lengths and short padding', async () => {
    const misaligned = new PacketDecoder();
    misaligned.feed(new SshWriter().uint32(13).toBytes());
    await expect(misaligned.next()).rejects.toMatchObject({ code: 'PACKET_BAD_LENGTH' });
    const shortPad = new PacketDecoder();
    shortPad.feed(new SshWriter().uint32(12).byte(3).raw(new Uint8Array(11)).toBytes());
    await expect(shortPad.next()).rejects.toMatchObject({ code: 'PACKET_BAD_PADDING' });
  });

  it('never crashes or hangs on garbage: a packet, undefined, or a typed error (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...SUITES), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), async ([cipher, mac], chunks) => {
      const [, dec] = await pair(cipher, mac);
      try {
        for (const c of chunks) {
          dec.feed(c);
          for (let i = 0; i < 50; i++) if (!(await dec.next())) break;
        }
      } catch (e) {
        expect(e).toBeInstanceOf(SshError);
      }
    }), { numRuns: 300 });
  });
});

describe('chacha20-poly1305@openssh.com construction (PROTOCOL.chacha20poly1305)', () => {
  it('equals an independent build from node:crypto ChaCha20 and the RFC 8439-checked Poly1305', async () => {
    const key = new Uint8Array(64).map((_, i) => i * 3);
    const seq = 0x01020304;
    const packet = new Uint8Array(4 + 28);
    packet.set([0, 0, 0, 28, 8], 0);
    packet.fill(0xab, 5);
    const ours = (await ChaCha20Poly1305Cipher.create(key)).seal(seq, packet);
    const iv = (counter: number) => { const v = Buffer.alloc(16); v[0] = counter; v.writeUInt32BE(seq, 12); return v; };
    const k2 = key.subarray(0, 32);
    const k1 = key.subarray(32);
    const encLen = createCipheriv('chacha20', k1, iv(0)).update(packet.subarray(0, 4));
    const encBody = createCipheriv('chacha20', k2, iv(1)).update(packet.subarray(4));
    const polyKey = createCipheriv('chacha20', k2, iv(0)).update(Buffer.alloc(32));
    const body = Buffer.concat([encLen, encBody]);
    const tag = (await chachaPoly()).poly1305(body, polyKey);
    expect(toHex(ours)).toBe(toHex(Buffer.concat([body, tag])));
  });
});

describe('exchange hash and key derivation (RFC 4253 §7.2, §8): a known answer', () => {
  it('equals H and keys computed independently with node:crypto', async () => {
    const str = (b: Uint8Array | string) => { const d = Buffer.from(b); const l = Buffer.alloc(4); l.writeUInt32BE(d.length); return Buffer.concat([l, d]); };
    const input = {
      clientVersion: 'SSH-2.0-Tessera_0.1', serverVersion: 'SSH-2.0-OpenSSH_9.2',
      clientKexInit: new Uint8Array([20, 1, 2]), serverKexInit: new Uint8Array([20, 3, 4]), hostKey: new Uint8Array([9, 9]),
      exchangeValues: new Uint8Array(Buffer.concat([str(Buffer.alloc(32, 1)), str(Buffer.alloc(32, 2))])),
      sharedSecret: new SshWriter().mpintBytes(new Uint8Array(32).fill(0x80)).toBytes(),
    };
    const h = await exchangeHash('SHA-256', input);
    const expectedH = createHash('sha256').update(Buffer.concat([
      str(input.clientVersion), str(input.serverVersion), str(input.clientKexInit), str(input.serverKexInit), str(input.hostKey),
      input.exchangeValues, str(Buffer.concat([Buffer.from([0]), Buffer.alloc(32, 0x80)])),
    ])).digest();
    expect(toHex(h)).toBe(expectedH.toString('hex'));
    const k1 = createHash('sha256').update(Buffer.concat([input.sharedSecret, h, Buffer.from('C'), h])).digest();
    const k2 = createHash('sha256').update(Buffer.concat([input.sharedSecret, h, k1])).digest();
    expect(toHex(await deriveKey('SHA-256', input.sharedSecret, h, 'C', h, 64))).toBe(Buffer.concat([k1, k2]).toString('hex'));
    expect(toHex(await deriveKey('SHA-256', input.sharedSecret, h, 'C', h, 16))).toBe(k1.subarray(0, 16).toString('hex'));
  });
});
