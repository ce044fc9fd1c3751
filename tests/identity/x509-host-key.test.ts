// x509HostKeyVerifier on RFC 6187 host-key blobs built here (the live AsyncSSH case is x509-host-asyncssh.test.ts):
// a secureShellServer certificate from the trusted CA is accepted; a client-only EKU, an untrusted CA and malformed
// blobs are refused with typed errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GateError, IdentityError, parseX509v3Blob, x509HostKeyVerifier, x509v3PublicKeyBlob } from '../../identity/index.ts';
import { OID } from '../../pki/index.ts';
import { issue, NOW } from '../pki/test-pki.ts';

describe('X.509 host keys (RFC 6187) through pki/ HOST_POLICY', () => {
  it('accepts a secureShellServer certificate from the anchor; refuses wrong EKU and untrusted CA', async () => {
    const ca = await issue('CN=Host CA', { ca: true });
    const other = await issue('CN=Other Host CA', { ca: true });
    const verify = x509HostKeyVerifier({ host: 'host.example', anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW });
    const good = await issue('CN=host.example', { issuer: ca, eku: [OID.kpSecureShellServer] });
    const alg = 'x509v3-ecdsa-sha2-nistp256';
    await expect(verify({ algorithm: alg, blob: x509v3PublicKeyBlob(alg, [good.der]) })).resolves.toBeUndefined();
    const clientOnly = await issue('CN=host2.example', { issuer: ca, eku: [OID.kpSecureShellClient] });
    const e1 = await verify({ algorithm: alg, blob: x509v3PublicKeyBlob(alg, [clientOnly.der]) }).then(() => undefined, (e: unknown) => e) as GateError;
    expect(e1).toBeInstanceOf(GateError);
    expect(e1.reasons.map((r) => r.code)).toContain('LEAF_EKU');
    const foreign = await issue('CN=host3.example', { issuer: other, eku: [OID.kpSecureShellServer] });
    await expect(verify({ algorithm: alg, blob: x509v3PublicKeyBlob(alg, [foreign.der]) })).rejects.toBeInstanceOf(GateError);
    await expect(verify({ algorithm: 'ssh-ed25519', blob: new Uint8Array(51) })).rejects.toThrow(/no other trust/);
  });

  it('malformed blobs are typed errors, never crashes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try { parseX509v3Blob(bytes); } catch (err) { expect(err).toBeInstanceOf(IdentityError); }
    }), { numRuns: 300 });
    expect(parseX509v3Blob(x509v3PublicKeyBlob('x509v3-ssh-ed25519', [new Uint8Array([1])], [new Uint8Array([2])])))
      .toEqual({ algorithm: 'x509v3-ssh-ed25519', chain: [new Uint8Array([1])], ocspResponses: [new Uint8Array([2])] });
  });
});
