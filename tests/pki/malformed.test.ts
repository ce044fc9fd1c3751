// Malformed input never crashes and is never accepted: a corpus of damaged PKITS and test-PKI
// structures, and fast-check properties over arbitrary and mutated bytes.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkiParseError, decodePemOrDer, parseCertificate, parseCrl, parseOcspResponse, validatePath } from '../../pki/index.ts';
import { pkitsDir } from './pkits-suite.ts';
import { NOW, issue, ocspResponse } from './test-pki.ts';
import type { Issued } from './test-pki.ts';

const dir = pkitsDir();
const read = (sub: string, name: string) => new Uint8Array(readFileSync(join(dir, sub, name)));
const anchor = read('certs', 'TrustAnchorRootCertificate.crt');
const goodCa = read('certs', 'GoodCACert.crt');
const goodLeaf = read('certs', 'ValidCertificatePathTest1EE.crt');
const goodCrl = read('crls', 'GoodCACRL.crl');
const rootCrl = read('crls', 'TrustAnchorRootCRL.crl');
const pkitsTime = new Date('2020-01-01T00:00:00Z');

/** Only a PkiParseError may come out of a parser. */
function parsesOrRefuses(parse: (b: Uint8Array) => unknown, b: Uint8Array): void {
  try {
    parse(b);
  } catch (err) {
    if (!(err instanceof PkiParseError)) throw err;
  }
}

// Parsed once: only the damaged structure is parsed again in each run.
const parsed = { anchor: parseCertificate(anchor), ca: parseCertificate(goodCa), crl: parseCrl(goodCrl), rootCrl: parseCrl(rootCrl) };

/** Revocation is checked only when the CRL is the damaged part (it cannot rescue a damaged certificate). */
function validatePkits(leaf: Uint8Array, ca?: Uint8Array, crl?: Uint8Array) {
  return validatePath({
    leaf, intermediates: [ca ?? parsed.ca], anchors: [parsed.anchor], time: pkitsTime,
    revocation: crl ? { mode: 'require', crls: [parsed.rootCrl, crl] } : { mode: 'off' },
  });
}

describe('malformed corpus', () => {
  it('the undamaged seeds validate (the corpus starts from a good path)', async () => {
    expect((await validatePkits(goodLeaf)).valid).toBe(true);
  });

  it('every truncation of a certificate, CRL and OCSP response is a typed parse error', async () => {
    const leaf = await issue('CN=seed', { ca: true });
    const resp = await ocspResponse(leaf, leaf, { status: 'good' });
    for (const [parse, seed] of [[parseCertificate, goodLeaf], [parseCrl, goodCrl], [parseOcspResponse, resp]] as const) {
      for (let n = 0; n < seed.length; n++) {
        expect(() => parse(seed.subarray(0, n))).toThrow(PkiParseError);
      }
    }
  });

  it('no single-byte change anywhere in the leaf, its CA or its CRL is accepted', async () => {
    let refused = 0;
    // One change per byte, rotating through a low bit, the high bit (tag class, long lengths) and all bits.
    const rotation = [0x01, 0x80, 0xff];
    for (const [which, seed] of [['leaf', goodLeaf], ['ca', goodCa], ['crl', goodCrl]] as const) {
      for (let pos = 0; pos < seed.length; pos++) {
        for (const f of [rotation[pos % 3] as number]) {
          const bad = seed.slice();
          bad[pos] = (bad[pos] as number) ^ f;
          const r = which === 'leaf' ? await validatePkits(bad) : which === 'ca' ? await validatePkits(goodLeaf, bad) : await validatePkits(goodLeaf, undefined, bad);
          if (r.valid) throw new Error(`a change at byte ${pos} (xor ${f}) of the ${which} was accepted`);
          if (r.errors.some((e) => e.code === 'INTERNAL_ERROR')) throw new Error(`a change at byte ${pos} of the ${which} hit an internal fault`);
          refused++;
        }
      }
    }
    expect(refused).toBe(goodLeaf.length + goodCa.length + goodCrl.length);
  }, 120_000);

  it('a PEM file with broken base64 or no block is a typed error', () => {
    const enc = new TextEncoder();
    expect(() => decodePemOrDer(enc.encode('-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n'))).toThrow(PkiParseError);
    expect(() => decodePemOrDer(enc.encode('hello'), 'CERTIFICATE')).toThrow(PkiParseError);
  });
});

describe('properties (fast-check)', () => {
  let ecRoot: Issued;
  let ecLeaf: Issued;
  beforeAll(async () => {
    ecRoot = await issue('CN=Property Root', { ca: true });
    ecLeaf = await issue('CN=property leaf', { issuer: ecRoot });
  });

  it('parsers never throw anything but PkiParseError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      parsesOrRefuses(parseCertificate, b);
      parsesOrRefuses(parseCrl, b);
      parsesOrRefuses(parseOcspResponse, b);
      parsesOrRefuses((x) => decodePemOrDer(x), b);
    }), { numRuns: 500 });
  });

  it('parsers never throw anything but PkiParseError on DER-shaped garbage', () => {
    const tlv = fc.letrec<{ node: Uint8Array }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.tuple(fc.constantFrom(0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x17, 0x18, 0x80, 0x81, 0x82), fc.uint8Array({ maxLength: 20 }))
          .map(([t, v]) => Uint8Array.from([t, v.length, ...v])),
        fc.tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa3), fc.array(tie('node'), { maxLength: 4 })).map(([t, kids]) => {
          const body = kids.flatMap((k) => Array.from(k));
          return Uint8Array.from(body.length < 128 ? [t, body.length, ...body] : [t, 0x81, body.length & 0xff, ...body.slice(0, 255)]);
        }),
      ),
    })).node;
    fc.assert(fc.property(tlv, (b) => {
      parsesOrRefuses(parseCertificate, b);
      parsesOrRefuses(parseCrl, b);
      parsesOrRefuses(parseOcspResponse, b);
    }), { numRuns: 500 });
  });

  it('a mutated certificate never validates and never throws', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      async (edits) => {
        const bad = ecLeaf.der.slice();
        for (const [pos, x] of edits) bad[pos % bad.length] = (bad[pos % bad.length] as number) ^ x;
        // Two edits of one byte can cancel out (seed 1718726101: both hit byte 41 with 0x66): not a mutation.
        fc.pre(bad.some((v, i) => v !== ecLeaf.der[i]));
        const r = await validatePath({ leaf: bad, anchors: [ecRoot.der], time: NOW, revocation: { mode: 'off' } });
        expect(r.valid).toBe(false);
        expect(r.errors.length).toBeGreaterThan(0);
        expect(r.errors.map((e) => e.code)).not.toContain('INTERNAL_ERROR');
      },
    ), { numRuns: 300 });
  }, 60_000);

  it('arbitrary bytes as leaf, intermediates or anchors never validate', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 3 }), async (leaf, pool) => {
      const r = await validatePath({ leaf, intermediates: pool, anchors: [...pool, ecRoot.der], time: NOW, revocation: { mode: 'off' } });
      expect(r.valid).toBe(false);
      expect(r.errors.map((e) => e.code)).not.toContain('INTERNAL_ERROR');
    }), { numRuns: 200 });
  });
});
