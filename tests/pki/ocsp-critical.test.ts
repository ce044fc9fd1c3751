// RFC 6960 §4.4: an OCSP response with an extension that is critical and not understood is not used (review 9,
// finding 5). Both responseExtensions and singleExtensions; the nonce is understood, critical or not.
import 'reflect-metadata';
import { OctetString } from '@peculiar/asn1-schema';
import * as asn from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { NOW, crl, issue, ocspResponse } from './test-pki.ts';
import type { OcspOptions } from './test-pki.ts';

const ext = (extnID: string, critical: boolean, value = new Uint8Array([0x05, 0x00])) => new asn.Extension({ extnID, critical, extnValue: new OctetString(value) });

describe('critical extensions in OCSP responses', () => {
  it('refuses an unknown critical responseExtension or singleExtension, ignores non-critical ones', async () => {
    const root = await issue('CN=Root', { ca: true });
    const ca = await issue('CN=Issuing CA', { ca: true, issuer: root });
    const leaf = await issue('CN=alice', { issuer: ca });
    const rootCrl = (await crl(root)).der;
    const run = async (o: Partial<OcspOptions>) => {
      const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
        revocation: { mode: 'require', crls: [rootCrl], ocspResponses: [await ocspResponse(leaf, ca, { status: 'good', ...o })] } });
      return { codes: r.errors.map((e) => e.code), detail: r.errors[0]?.detail ?? '' };
    };
    const unknownOid = '1.3.6.1.4.1.99999.7';
    let r = await run({ responseExtensions: [ext(unknownOid, true)] });
    expect(r.codes).toEqual(['REVOCATION_UNKNOWN']);
    expect(r.detail).toContain(`the OCSP response has an unknown critical extension (${unknownOid})`);
    r = await run({ singleExtensions: [ext(unknownOid, true)] });
    expect(r.codes).toEqual(['REVOCATION_UNKNOWN']);
    // id-pkix-ocsp-crl (§4.4.2) is not processed here, so critical it is not understood either.
    expect((await run({ singleExtensions: [ext('1.3.6.1.5.5.7.48.1.3', true)] })).codes).toEqual(['REVOCATION_UNKNOWN']);
    expect((await run({ responseExtensions: [ext(unknownOid, false)], singleExtensions: [ext(unknownOid, false)] })).codes).toEqual([]);
    const nonce = new Uint8Array(16).fill(7);
    expect((await run({ responseExtensions: [ext('1.3.6.1.5.5.7.48.1.2', true, new Uint8Array([0x04, 16, ...nonce]))] })).codes).toEqual([]);
  });
});
