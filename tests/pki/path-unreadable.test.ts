// Trusted anchors and intermediates that cannot be read were dropped without a word: with a damaged anchor in a
// kiosk's site policy (or none configured) every card was refused as "its issuer ... was not found", which sends an
// administrator looking for a missing intermediate instead of at the policy.
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;
let ca: Issued;
let leaf: Issued;

beforeAll(async () => {
  root = await issue('CN=Readable Root', { ca: true });
  ca = await issue('CN=Readable CA', { ca: true, issuer: root });
  leaf = await issue('CN=card', { issuer: ca });
});

const damaged = (der: Uint8Array) => der.subarray(0, der.length - 1);

describe('the verdict names certificates it could not read', () => {
  it('says there is no trusted anchor when the only one given is damaged', async () => {
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [damaged(root.der)], time: NOW, revocation: { mode: 'off' } });
    expect(r.errors).toEqual([{
      code: 'NO_PATH',
      detail: '"card" cannot be checked: there is no trusted anchor to check it against; trusted anchor 1 could not be read: Malformed DER at byte 0: content runs past its container.',
    }]);
  });

  it('says there is no trusted anchor when none is given', async () => {
    const r = await validatePath({ leaf: leaf.der, intermediates: [ca.der], anchors: [], time: NOW, revocation: { mode: 'off' } });
    expect(r.errors).toEqual([{ code: 'NO_PATH', detail: '"card" cannot be checked: there is no trusted anchor to check it against.' }]);
  });

  it('names a damaged intermediate next to the issuer that was not found', async () => {
    const r = await validatePath({ leaf: leaf.der, intermediates: [damaged(ca.der)], anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
    expect(r.errors).toEqual([{
      code: 'NO_PATH',
      detail: 'No chain of certificates links "card" to a trusted anchor (its issuer "CN=Readable CA" was not found; intermediate certificate 1 could not be read: Malformed DER at byte 0: content runs past its container).',
    }]);
  });

  it('still validates when the damaged certificate was not needed', async () => {
    const r = await validatePath({ leaf: leaf.der, intermediates: [damaged(ca.der), ca.der], anchors: [damaged(root.der), root.der], time: NOW, revocation: { mode: 'off' } });
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
  });
});
