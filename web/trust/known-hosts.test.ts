import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatKnownHostsLine, hostName, parseKnownHosts } from './known-hosts.ts';

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
  // Matching (hashed names, wildcards, negation, @cert-authority) is ssh-proto's, tested there against ssh-keygen -F.
  it('keeps lines in a storable shape and writes them back unchanged', () => {
    const k1 = ed25519Blob(); const k2 = ed25519Blob();
    const entries = parseKnownHosts(`# comment\n[h]:2222 ssh-ed25519 ${b64(k1)} me@x\n@revoked * ssh-ed25519 ${b64(k2)}\n`);
    expect(entries).toEqual([
      { marker: '', hosts: '[h]:2222', keyType: 'ssh-ed25519', keyBase64: b64(k1), comment: 'me@x' },
      { marker: '@revoked', hosts: '*', keyType: 'ssh-ed25519', keyBase64: b64(k2), comment: '' },
    ]);
    expect(formatKnownHostsLine(entries[0]!)).toBe(`[h]:2222 ssh-ed25519 ${b64(k1)} me@x`);
    expect(hostName('H.example', 22)).toBe('h.example');
    expect(hostName('h', 2222)).toBe('[h]:2222');
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parseKnownHosts('host ssh-ed25519')).toThrow(/line 1/);
    expect(() => parseKnownHosts(`\nhost ssh-rsa ${b64(ed25519Blob())}`)).toThrow(/line 2/);
    expect(() => parseKnownHosts('host ssh-ed25519 !!!')).toThrow(expect.objectContaining({ code: 'KNOWN_HOSTS_INVALID' }));
  });
});
