// Every supported signature algorithm verifies through WebCrypto or libsodium; a flipped bit never does; SHA-1 is refused by default.
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import { ALGORITHMS, NOW, issue } from './test-pki.ts';
import type { Issued, KeyAlgorithm } from './test-pki.ts';

const off = { mode: 'off' } as const;

describe('signature algorithms', () => {
  for (const [name, alg] of Object.entries(ALGORITHMS)) {
    it(`verifies ${name}, and refuses a flipped signature bit`, async () => {
      const root = await issue(`CN=${name} Root`, { ca: true, keyAlgorithm: alg, signAlgorithm: alg.sign });
      const leaf = await issue('CN=leaf', { issuer: root, signAlgorithm: alg.sign });
      const good = await validatePath({ leaf: leaf.der, anchors: [root.der], time: NOW, revocation: off });
      expect(good.errors).toEqual([]);
      const bad = leaf.der.slice();
      bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x01;
      const r = await validatePath({ leaf: bad, anchors: [root.der], time: NOW, revocation: off });
      expect(r.valid).toBe(false);
      expect(r.errors.map((e) => e.code)).toContain('SIGNATURE_INVALID');
    }, 20_000);
  }

  describe('SHA-1', () => {
    let root: Issued;
    let leaf: Issued;
    beforeAll(async () => {
      const sha1: KeyAlgorithm['sign'] = { name: 'ECDSA', hash: 'SHA-1' } as EcdsaParams;
      root = await issue('CN=Legacy Root', { ca: true });
      leaf = await issue('CN=legacy', { issuer: root, signAlgorithm: sha1 });
    });

    it('is refused by the default policy', async () => {
      const r = await validatePath({ leaf: leaf.der, anchors: [root.der], time: NOW, revocation: off });
      expect(r.errors.map((e) => e.code)).toEqual(['SIGNATURE_ALGORITHM_WEAK']);
      expect(r.errors[0]?.detail).toContain('SHA-1');
    });

    it('is accepted when the policy allows it', async () => {
      const r = await validatePath({ leaf: leaf.der, anchors: [root.der], time: NOW, revocation: off, policy: { allowSha1: true } });
      expect(r.errors).toEqual([]);
    });
  });
});
