// Supplied revocation data that cannot be read (`tessera pki verify --crl/--ocsp`, staples of an RFC 6187 server).
// It was dropped without a word, so the verdict said only "no CRL ... was available" while the user had given one.
import 'reflect-metadata';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let leaf: Issued;
let rootCrl: Uint8Array;
let truncated: Uint8Array;
let unauthorized: Uint8Array;

beforeAll(async () => {
  root = await issue('CN=Unreadable Root', { ca: true });
  ca = await issue('CN=Unreadable CA', { ca: true, issuer: root });
  leaf = await issue('CN=card', { issuer: ca });
  rootCrl = (await crl(root)).der;
  const caCrl = (await crl(ca)).der;
  truncated = caCrl.subarray(0, caCrl.length - 10);
  unauthorized = new Uint8Array(AsnConvert.serialize(new ocsp.OCSPResponse({ responseStatus: ocsp.OCSPResponseStatus.unauthorized })));
});

describe('supplied CRLs and OCSP responses that cannot be read', () => {
  it('are named in the reason for an unknown status, under require and under prefer', async () => {
    for (const mode of ['require', 'prefer'] as const) {
      const r = await validatePath({
        leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
        revocation: { mode, crls: [rootCrl, truncated], ocspResponses: [unauthorized] },
      });
      expect(r.valid).toBe(mode === 'prefer');
      const [reason] = mode === 'require' ? r.errors : r.warnings;
      expect(reason).toEqual({
        code: 'REVOCATION_UNKNOWN', certIndex: 0,
        detail: 'The revocation status of "card" is unknown: no CRL from "CN=Unreadable CA" was available (supplied CRL 2 could not be read: '
          + 'Malformed DER at byte 0: content runs past its container; supplied OCSP response 1 could not be used: The OCSP responder answered with status unauthorized).',
      });
    }
  });

  it('do not stand in the way when the status is known from the rest', async () => {
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl, truncated, (await crl(ca)).der], ocspResponses: [unauthorized] },
    });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });
});
