// The gate on hostile input: whatever bytes sit in the certificate slot, the decision is a typed GateError with a
// reason (never a crash, never a signature); a missing certificate is refused in kiosk mode and cannot be overridden.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCardCertificate, GateError, type GatePolicy } from '../../identity/index.ts';
import { issue, NOW } from '../pki/test-pki.ts';

describe('checkCardCertificate on bad input', () => {
  it('garbage DER in the slot: CERTIFICATE_REJECTED with a reason, for any bytes', async () => {
    const ca = await issue('CN=Gate Input CA', { ca: true });
    const policy: GatePolicy = { mode: 'kiosk', anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW };
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
      const err = await checkCardCertificate({ certificate: bytes, keySpki: new Uint8Array([0x30, 0x00]), keyLabel: 'PIV Authentication' }, policy)
        .then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(GateError);
      expect(['CERTIFICATE_REJECTED', 'CERTIFICATE_KEY_MISMATCH']).toContain((err as GateError).code);
    }), { numRuns: 150 });
  });

  it('a truncated real certificate is refused with a sentence', async () => {
    const ca = await issue('CN=Gate Input CA 2', { ca: true });
    const leaf = await issue('CN=Leaf', { issuer: ca });
    const policy: GatePolicy = { mode: 'kiosk', anchors: [ca.der], revocation: { mode: 'off' }, time: () => NOW };
    const err = await checkCardCertificate({ certificate: leaf.der.subarray(0, 100), keySpki: new Uint8Array(1), keyLabel: 'PIV Authentication' }, policy)
      .then(() => undefined, (e: unknown) => e) as GateError;
    expect(err.code).toBe('CERTIFICATE_REJECTED');
    expect(err.message).toMatch(/PIV Authentication/);
  });

  it('no certificate: NO_CERTIFICATE; a personal-mode override is not offered without one', async () => {
    let asked = 0;
    const policy: GatePolicy = { mode: 'personal', anchors: [], revocation: { mode: 'off' }, override: async () => { asked++; return true; } };
    const err = await checkCardCertificate({ certificate: undefined, keySpki: new Uint8Array(1), keyLabel: 'Card Authentication' }, policy)
      .then(() => undefined, (e: unknown) => e) as GateError;
    expect(err.code).toBe('NO_CERTIFICATE');
    expect(err.message).toMatch(/has no certificate/);
    expect(asked).toBe(0);
  });
});
