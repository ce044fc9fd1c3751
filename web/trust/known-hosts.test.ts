import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fingerprintSha256, keyTypeOf } from './fingerprint.ts';
import { formatKnownHostsLine, hostsMatch, lookupHostKey, parseKnownHosts } from './known-hosts.ts';

/** An ssh-ed25519 public key blob (RFC 8709 §4) from node:crypto, an independent source. */
function ed25519Blob(): Uint8Array {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const raw = der.subarray(der.length - 32);
  const name = Buffer.from('ssh-ed25519');
  const out = Buffer.alloc(4 + name.length + 4 + 32);
  out.writeUInt32BE(name.length, 0); name.copy(out, 4); out.writeUInt32BE(32, 4 + name.length); raw.copy(out, 8 + name.length);
  return new Uint8Array(out);
}
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('known_hosts', () => {
  it('fingerprints exactly as ssh-keygen -l (unpadded base64 SHA-256 of the blob)', async () => {
    const blob = ed25519Blob();
    const expected = 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
    expect(await fingerprintSha256(blob)).toBe(expected);
    expect(keyTypeOf(blob)).toBe('ssh-ed25519');
  });

  it('matches plain, [host]:port, wildcard, negated and hashed names', async () => {
    expect(await hostsMatch('a.example.com,b.example.com', 'b.example.com')).toBe(true);
    expect(await hostsMatch('[127.0.0.1]:2222', '[127.0.0.1]:2222')).toBe(true);
    expect(await hostsMatch('[127.0.0.1]:2222', '127.0.0.1')).toBe(false);
    expect(await hostsMatch('*.example.com,!bad.example.com', 'ok.example.com')).toBe(true);
    expect(await hostsMatch('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    const salt = Buffer.from('0123456789abcdef0123');
    const hash = createHmac('sha1', salt).update('[10.0.0.1]:2200').digest('base64');
    expect(await hostsMatch(`|1|${salt.toString('base64')}|${hash}`, '[10.0.0.1]:2200')).toBe(true);
    expect(await hostsMatch(`|1|${salt.toString('base64')}|${hash}`, '10.0.0.1')).toBe(false);
  });

  it('finds match, changed, revoked and unknown', async () => {
    const k1 = ed25519Blob(); const k2 = ed25519Blob();
    const entries = parseKnownHosts(`# comment\n[h]:2222 ssh-ed25519 ${b64(k1)} me@x\n@revoked * ssh-ed25519 ${b64(k2)}\n`);
    expect(entries).toHaveLength(2);
    expect((await lookupHostKey(entries, 'h', 2222, k1)).status).toBe('match');
    expect((await lookupHostKey(entries, 'h', 2222, k2)).status).toBe('revoked');
    const k3 = ed25519Blob();
    expect((await lookupHostKey(entries, 'h', 2222, k3)).status).toBe('changed');
    expect((await lookupHostKey(entries, 'other', 22, k3)).status).toBe('unknown');
    expect(formatKnownHostsLine(entries[0]!)).toBe(`[h]:2222 ssh-ed25519 ${b64(k1)} me@x`);
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parseKnownHosts('host ssh-ed25519')).toThrow(/line 1 is incomplete/);
    expect(() => parseKnownHosts(`\nhost ssh-rsa ${b64(ed25519Blob())}`)).toThrow(/line 2: the key does not match/);
    expect(() => parseKnownHosts('host ssh-ed25519 !!!')).toThrow(expect.objectContaining({ code: 'KNOWN_HOSTS_INVALID' }));
  });
});
