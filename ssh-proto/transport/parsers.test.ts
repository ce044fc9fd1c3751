// Parsers fed by the server before any key is agreed: version lines and KEXINIT. Typed errors only, never a hang.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SshError } from '../errors.ts';
import { encodeKexInit, negotiate, parseKexInit } from './kexinit.ts';
import { MAX_PRE_BANNER_BYTES, VersionExchange } from './version-exchange.ts';

const enc = new TextEncoder();
const kexInit = (over: Partial<Parameters<typeof encodeKexInit>[0]> = {}) => ({
  kex: ['curve25519-sha256'], hostKey: ['ssh-ed25519'], cipherC2S: ['aes128-gcm@openssh.com'], cipherS2C: ['aes128-gcm@openssh.com'],
  macC2S: ['hmac-sha2-256'], macS2C: ['hmac-sha2-256'], compressionC2S: ['none'], compressionS2C: ['none'],
  languagesC2S: [], languagesS2C: [], firstKexPacketFollows: false, ...over,
});

describe('version exchange', () => {
  it('accepts CR LF and bare LF, SSH-2.0 and SSH-1.99, and keeps the bytes after the line', () => {
    expect(new VersionExchange().feed(enc.encode('SSH-2.0-OpenSSH_9.2 Debian\r\n\x00\x00'))).toMatchObject({ serverVersion: 'SSH-2.0-OpenSSH_9.2 Debian', rest: new Uint8Array([0, 0]) });
    expect(new VersionExchange().feed(enc.encode('SSH-1.99-Old\n'))?.serverVersion).toBe('SSH-1.99-Old');
  });

  it('waits for a line split across chunks', () => {
    const v = new VersionExchange();
    expect(v.feed(enc.encode('hello\r\nSSH-2.'))).toBeUndefined();
    expect(v.feed(enc.encode('0-x\r\n'))).toMatchObject({ serverVersion: 'SSH-2.0-x', preBanner: ['hello'] });
  });

  it('refuses a line without a newline that grows past the limit', () => {
    const v = new VersionExchange();
    expect(() => v.feed(new Uint8Array(MAX_PRE_BANNER_BYTES + 1).fill(0x41))).toThrow(expect.objectContaining({ code: 'BANNER_TOO_LONG' }));
  });

  it('on any input: a result, undefined, or a typed error (property)', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(enc.encode('SSH-2.0-x\r\n'), enc.encode('\n'), enc.encode('SSH-'))), { maxLength: 20 }), (chunks) => {
      const v = new VersionExchange();
      try {
        for (const c of chunks) if (v.feed(c)) return;
      } catch (e) {
        expect(e).toBeInstanceOf(SshError);
      }
    }), { numRuns: 500 });
  });
});

describe('KEXINIT', () => {
  it('round-trips and negotiates the first client choice the server supports (RFC 4253 §7.1)', () => {
    const client = parseKexInit(encodeKexInit(kexInit({ cipherC2S: ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com'] })));
    const server = parseKexInit(encodeKexInit(kexInit({ cipherC2S: ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] })));
    const n = negotiate(client, server);
    expect(n.cipherClientToServer).toBe('chacha20-poly1305@openssh.com');
    expect(n.macClientToServer).toBe('none'); // AEAD: MAC implicit
    expect(n.macServerToClient).toBe('none');
  });

  it('never crashes on garbage (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const b = bytes.slice();
      if (b.length > 0) b[0] = 20;
      try { parseKexInit(b); } catch (e) { expect(e).toBeInstanceOf(SshError); }
    }), { numRuns: 500 });
  });
});
