// The LEAF_KEY_USAGE reason named digitalSignature whatever the policy asked for: a policy wanting nonRepudiation as
// well (the PIV digital-signature slot) told the user that a certificate with digitalSignature lacked digitalSignature.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { CARD_POLICY, HOST_POLICY, KU, OID, validatePath } from '../../pki/index.ts';
import type { LeafPolicy } from '../../pki/index.ts';
import { NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;

beforeAll(async () => {
  root = await issue('CN=Usage Root', { ca: true });
});

async function errors(keyUsage: x509.KeyUsageFlags, leaf: LeafPolicy) {
  const cert = await issue('CN=usage card', { issuer: root, keyUsage, eku: [OID.kpClientAuth] });
  return (await validatePath({ leaf: cert.der, anchors: [root.der], time: NOW, revocation: { mode: 'off' }, policy: { leaf } })).errors;
}

describe('the key usage a policy asks for', () => {
  it('names the bit that is missing when it is not digitalSignature', async () => {
    expect(await errors(x509.KeyUsageFlags.digitalSignature, { keyUsage: KU.digitalSignature | KU.nonRepudiation })).toEqual([{
      code: 'LEAF_KEY_USAGE', certIndex: 0, detail: 'The certificate "usage card" is not allowed to be used this way (keyUsage lacks nonRepudiation).',
    }]);
    expect((await errors(x509.KeyUsageFlags.keyEncipherment, { keyUsage: KU.digitalSignature | KU.nonRepudiation }))[0]?.detail)
      .toBe('The certificate "usage card" is not allowed to be used this way (keyUsage lacks digitalSignature and nonRepudiation).');
  });

  it('keeps the digital-signature sentence for the card policy', async () => {
    expect(await errors(x509.KeyUsageFlags.keyEncipherment, CARD_POLICY)).toEqual([{
      code: 'LEAF_KEY_USAGE', certIndex: 0, detail: 'The certificate "usage card" is not allowed to make digital signatures (keyUsage lacks digitalSignature).',
    }]);
    expect(await errors(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, { keyUsage: KU.digitalSignature | KU.nonRepudiation })).toEqual([]);
  });

  // ARCHITECTURE.md: a card certificate must have KeyUsage digitalSignature. RFC 5280 §4.2.1.3 lets a certificate leave
  // keyUsage out (any use); the card policy does not, the host policy (RFC 6187 servers) still does.
  it('refuses a card certificate with no keyUsage extension; a host certificate without one still validates', async () => {
    const bare = await issue('CN=bare card', { issuer: root, noKeyUsage: true, eku: [OID.kpClientAuth, OID.kpSecureShellServer] });
    const check = async (leaf: LeafPolicy) => (await validatePath({ leaf: bare.der, anchors: [root.der], time: NOW, revocation: { mode: 'off' }, policy: { leaf } })).errors;
    expect(await check(CARD_POLICY)).toEqual([{
      code: 'LEAF_KEY_USAGE', certIndex: 0, detail: 'The certificate "bare card" has no keyUsage extension; this use needs one that allows digitalSignature.',
    }]);
    expect(await check(HOST_POLICY)).toEqual([]);
  });
});
