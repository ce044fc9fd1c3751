import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SshReader, SshWriter } from './index.ts';
import { SshProtocolError } from '../errors.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RFC 4251 §5 data types', () => {
  // The examples of RFC 4251 §5 for mpint.
  it.each([
    [0n, '00000000'],
    [0x9a378f9b2e332a7n, '0000000809a378f9b2e332a7'],
    [0x80n, '000000020080'],
  ])('encodes mpint %s as %s', (v, want) => {
    expect(hex(new SshWriter().mpint(v).toBytes())).toBe(want);
    expect(new SshReader(Buffer.from(want, 'hex')).mpint()).toBe(v);
  });

  it('rejects negative and non-minimal mpints', () => {
    expect(() => new SshReader(Buffer.from('00000001ff', 'hex')).mpint()).toThrow(SshProtocolError);
    expect(() => new SshReader(Buffer.from('000000020001', 'hex')).mpint()).toThrow(/leading zero/);
  });

  it('converts a 256 KiB mpint in linear time (a byte-at-a-time shift took seconds)', () => {
    const magnitude = new Uint8Array(256 * 1024).fill(0x11);
    const t0 = performance.now();
    const v = new SshReader(new SshWriter().mpintBytes(magnitude).toBytes()).mpint();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(v).toBe(BigInt(`0x${'11'.repeat(256 * 1024)}`));
  });

  it('peekLength reads the next length field without taking it', () => {
    const r = new SshReader(new SshWriter().string('abc').toBytes());
    expect(r.peekLength()).toBe(3);
    expect(r.name()).toBe('abc');
    expect(() => r.peekLength()).toThrow(expect.objectContaining({ code: 'WIRE_SHORT_READ' }));
  });

  it('reads a 200 KB name (a spread into String.fromCharCode threw RangeError)', () => {
    const long = 'a'.repeat(200_000);
    expect(new SshReader(new SshWriter().string(long).toBytes()).name()).toBe(long);
  });

  it('reads name-lists and refuses empty names', () => {
    const w = new SshWriter().nameList(['zlib', 'none']).string('a,,b');
    const r = new SshReader(w.toBytes());
    expect(r.nameList()).toEqual(['zlib', 'none']);
    expect(() => r.nameList()).toThrow(SshProtocolError);
  });

  it('throws a typed error on a short read, never undefined', () => {
    const r = new SshReader(Buffer.from('0000000a6162', 'hex'));
    expect(() => r.string()).toThrow(expect.objectContaining({ code: 'WIRE_SHORT_READ' }));
  });

  it('refuses trailing bytes and invalid UTF-8', () => {
    const r = new SshReader(Buffer.from('00000001ff00', 'hex'));
    expect(() => r.utf8()).toThrow(expect.objectContaining({ code: 'WIRE_BAD_UTF8' }));
    expect(() => r.end()).toThrow(expect.objectContaining({ code: 'WIRE_TRAILING_BYTES' }));
  });

  it('round-trips every type (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 0xffffffff }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.uint8Array({ maxLength: 64 }), fc.bigInt({ min: 0n, max: 1n << 600n }), fc.boolean(),
      (u32, u64, bytes, big, bool) => {
        const w = new SshWriter(1).uint32(u32).uint64(u64).string(bytes).mpint(big).boolean(bool);
        const r = new SshReader(w.toBytes());
        expect([r.uint32(), r.uint64(), hex(r.string()), r.mpint(), r.boolean()]).toEqual([u32, u64, hex(bytes), big, bool]);
        r.end();
      },
    ));
  });

  it('never crashes on garbage: only typed errors (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = new SshReader(bytes);
      try {
        for (;;) { r.string(); r.nameList(); r.mpint(); }
      } catch (e) {
        expect(e).toBeInstanceOf(SshProtocolError);
      }
    }));
  });
});
