// What the user is told when no path is found. Before, every such case said the leaf's own issuer "was not found":
// also when that issuer was there and the one above it was missing, when the chain was only longer than the depth
// limit (12), when the leaf was a self-signed certificate that is not an anchor, and when the pool only looped back.
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { ValidationResult } from '../../pki/index.ts';
import { NOW, issue } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

let root: Issued;

beforeAll(async () => {
  root = await issue('CN=Verdict Root', { ca: true });
});

function run(leaf: Issued, intermediates: readonly Issued[]): Promise<ValidationResult> {
  return validatePath({ leaf: leaf.der, intermediates: intermediates.map((c) => c.der), anchors: [root.der], time: NOW, revocation: { mode: 'off' } });
}

describe('the reason when no path is found', () => {
  it('names the missing certificate above an intermediate that is present', async () => {
    const missing = await issue('CN=Missing CA', { ca: true });
    const present = await issue('CN=Present CA', { ca: true, issuer: missing });
    const leaf = await issue('CN=orphan', { issuer: present });
    expect((await run(leaf, [present])).errors).toEqual([{
      code: 'NO_PATH', detail: 'No chain of certificates links "orphan" to a trusted anchor (the issuer "CN=Missing CA" of "Present CA" was not found).',
    }]);
  });

  it('still names the leaf\'s own issuer when that is what is missing', async () => {
    const stranger = await issue('CN=Stranger CA', { ca: true });
    const leaf = await issue('CN=lost', { issuer: stranger });
    expect((await run(leaf, [])).errors).toEqual([{
      code: 'NO_PATH', detail: 'No chain of certificates links "lost" to a trusted anchor (its issuer "CN=Stranger CA" was not found).',
    }]);
  });

  it('says a chain longer than the depth limit was not followed, instead of a missing issuer', async () => {
    let top = root;
    const levels: Issued[] = [];
    for (let i = 0; i < 13; i++) {
      top = await issue(`CN=Level ${i}`, { ca: true, issuer: top });
      levels.push(top);
    }
    const leaf = await issue('CN=deep', { issuer: top });
    expect((await run(leaf, levels)).errors).toEqual([{
      code: 'PATH_WORK_LIMIT', detail: 'No chain of at most 12 certificates links "deep" to a trusted anchor; longer chains are not followed.',
    }]);
    // One level less fits: 12 certificates below the anchor.
    const shallow = await issue('CN=shallow', { issuer: levels[10] as Issued });
    expect((await run(shallow, levels)).valid).toBe(true);
  }, 60_000);

  it('says a self-signed certificate is not a trusted anchor', async () => {
    const self = await issue('CN=self made');
    expect((await run(self, [])).errors).toEqual([{
      code: 'NO_PATH', detail: 'No chain of certificates links "self made" to a trusted anchor (it is self-signed and is not one of the trusted anchors).',
    }]);
    // The same above an intermediate: a private root the user was given, not configured as an anchor.
    const privateRoot = await issue('CN=Private Root', { ca: true });
    const ca = await issue('CN=Private CA', { ca: true, issuer: privateRoot });
    const leaf = await issue('CN=private user', { issuer: ca });
    expect((await run(leaf, [ca, privateRoot])).errors[0]?.detail).toBe(
      'No chain of certificates links "private user" to a trusted anchor ("Private Root" is self-signed and is not one of the trusted anchors).',
    );
  });

  it('says when the certificates at hand only lead back into the chain (cross-certified loop)', async () => {
    const a = await issue('CN=Loop A', { ca: true });
    const b = await issue('CN=Loop B', { ca: true, issuer: a });
    const aByB = await issue('CN=Loop A', { ca: true, issuer: b, keys: a.keys });
    const leaf = await issue('CN=in loop', { issuer: aByB });
    expect((await run(leaf, [aByB, b])).errors).toEqual([{
      code: 'NO_PATH', detail: 'No chain of certificates links "in loop" to a trusted anchor ("Loop B" leads only back to certificates already in the chain).',
    }]);
  });
});
