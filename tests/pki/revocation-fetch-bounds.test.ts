// How much one validation may fetch. URLs come from certificates and from fetched, not yet verified CRLs
// (freshestCRL, RFC 5280 §5.2.6): a CRL forged on the plain-HTTP path named 40 delta URLs that never answer, and
// each was fetched in turn, one timeout after another (41 fetches; 13 minutes with the 20 s default timeout).
import 'reflect-metadata';
import * as asn from '@peculiar/asn1-x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_FETCHES, validatePath } from '../../pki/index.ts';
import type { FetchLike } from '../../pki/index.ts';
import { NOW, crl, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let rootCrl: Uint8Array;

const stalled = (n: number) => Array.from({ length: n }, (_, i) => `http://stall.example/${i}.crl`);
const dps = (urls: readonly string[]) => urls.map((u) => new asn.DistributionPoint({
  distributionPoint: new asn.DistributionPointName({ fullName: [new asn.GeneralName({ uniformResourceIdentifier: u })] }),
}));

beforeAll(async () => {
  root = await issue('CN=Bounds Root', { ca: true });
  ca = await issue('CN=Bounds CA', { ca: true, issuer: root });
  rootCrl = (await crl(root)).der;
});

describe('the fetches of one validation are bounded', () => {
  it(`makes at most ${MAX_FETCHES} fetches when a forged CRL names 40 delta CRLs that never answer`, async () => {
    const forger = await issue('CN=Bounds CA', { ca: true }); // the CA's name, another key
    const freshest = new x509.Extension('2.5.29.46', false, AsnConvert.serialize(new asn.FreshestCRL(dps(stalled(40)))));
    const forged = (await crl(forger, { extra: [freshest] })).der;
    const leaf = await issue('CN=flooded', { issuer: ca, crlUrl: 'http://crl.example/ca.crl' });
    const calls: string[] = [];
    const fetch: FetchLike = async (url) => {
      calls.push(url);
      if (url === 'http://crl.example/ca.crl') return { ok: true, status: 200, arrayBuffer: async () => forged.slice().buffer };
      return new Promise(() => undefined); // never answers
    };
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW, revocation: { mode: 'require', crls: [rootCrl], fetch, fetchTimeoutMs: 50 } });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    expect(calls).toHaveLength(MAX_FETCHES);
    const detail = r.errors[0]?.detail ?? '';
    expect(detail).toContain('http://stall.example/0.crl gave no answer within 0.05 s');
    expect(detail).toMatch(/; and \d+ more\)\.$/);
  }, 60_000);

  it('stops fetching when the time for the validation\'s fetches is used up', async () => {
    const leaf = await issue('CN=slow everywhere', { issuer: ca, extra: [new x509.Extension('2.5.29.31', false, AsnConvert.serialize(new asn.CRLDistributionPoints(dps(stalled(10)))))] });
    const calls: string[] = [];
    const fetch: FetchLike = (url) => {
      calls.push(url);
      return new Promise(() => undefined);
    };
    const r = await validatePath({
      leaf: leaf.der, intermediates: [ca.der], anchors: [root.der], time: NOW,
      revocation: { mode: 'require', crls: [rootCrl], fetch, fetchTimeoutMs: 60_000, fetchBudgetMs: 300 },
    });
    expect(r.errors.map((e) => e.code)).toEqual(['REVOCATION_UNKNOWN']);
    // The first fetch waits out the budget (not its own 60 s); a timer that fires a little early (the event loop's
    // clock is cached) may let another start in the time left, but never all ten.
    expect(calls.length).toBeLessThan(10);
    expect(r.errors[0]?.detail).toContain('was not fetched (the 0.3 s for this validation\'s fetches were used up)');
  }, 60_000);
});
