/**
 * X.509 path validation: Tessera's pki/ against PKI.js's CertificateChainValidationEngine, in the
 * same run, on the same data.
 *
 *   npx tsx bench/pki/validate.ts [iterations]
 *
 * 1. Time to validate a 3-certificate chain with CRLs, from DER (PKITS 4.1.1: trust anchor,
 *    Good CA, end entity, both CRLs; RSA-2048 with SHA-256), both engines interleaved, each keeping
 *    the public keys it imported (Tessera does; PKI.js is given the same cache, KeyCachingEngine).
 * 2. NIST PKITS: the number of runs each engine decides as PKITS expects (PKITS_DIR or
 *    ../shared/data/pkits), DSA runs counted apart.
 */
import * as pkijs from 'pkijs';
import { loadPkits, runCase } from '../../tests/pki/pkits-suite.ts';
import type { PkitsCase } from '../../tests/pki/pkits-suite.ts';

/**
 * PKI.js's engine with the key cache Tessera has (pki/signature.ts keeps imported public keys, keyed by algorithm
 * and SPKI): without it, each PKI.js validation imports every key again (about 0.2 ms per RSA-2048 key here) while
 * Tessera's repeated validations of the same chain find theirs imported, a warm cache on one side only.
 */
class KeyCachingEngine extends pkijs.CryptoEngine {
  readonly keys = new Map<string, Promise<CryptoKey>>();
  imports = 0;
  override importKey(format: KeyFormat, keyData: BufferSource | JsonWebKey, algorithm: AlgorithmIdentifier, extractable: boolean, keyUsages: KeyUsage[]): Promise<CryptoKey> {
    if (format !== 'spki' || !ArrayBuffer.isView(keyData) && !(keyData instanceof ArrayBuffer)) return super.importKey(format, keyData, algorithm, extractable, keyUsages);
    const bytes = ArrayBuffer.isView(keyData) ? new Uint8Array(keyData.buffer, keyData.byteOffset, keyData.byteLength) : new Uint8Array(keyData);
    const id = `${JSON.stringify(algorithm)}/${extractable}/${keyUsages.join(',')}/${Buffer.from(bytes).toString('hex')}`;
    let key = this.keys.get(id);
    if (!key) {
      this.imports++;
      key = super.importKey(format, keyData, algorithm, extractable, keyUsages);
      this.keys.set(id, key);
    }
    return key;
  }
}
const engine = new KeyCachingEngine({ name: 'webcrypto', crypto: globalThis.crypto });
pkijs.setEngine('webcrypto', engine);

const iterations = Number(process.argv[2] ?? 200);
const cases = loadPkits();

/** The same run as the PKITS test: revocation required, the case's policy inputs. */
async function tessera(t: PkitsCase): Promise<boolean> {
  return (await runCase(t)).valid;
}

/** A copy PKI.js accepts as BufferSource (its types want an ArrayBuffer-backed view). */
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function pkiJs(t: PkitsCase): Promise<boolean> {
  try {
    const engine = new pkijs.CertificateChainValidationEngine({
      trustedCerts: [pkijs.Certificate.fromBER(buf(t.anchor))],
      certs: [...t.intermediates, t.leaf].map((d) => pkijs.Certificate.fromBER(buf(d))),
      crls: t.crlData.map((d) => pkijs.CertificateRevocationList.fromBER(buf(d))),
      checkDate: t.validationTime,
    });
    const r = await engine.verify({
      initialPolicySet: [...t.initialPolicySet], initialExplicitPolicy: t.initialExplicitPolicy,
      initialPolicyMappingInhibit: t.initialPolicyMappingInhibit, initialInhibitPolicy: t.initialInhibitAnyPolicy,
    });
    return r.result;
  } catch {
    return false;
  }
}

async function tally(name: string, run: (t: PkitsCase) => Promise<boolean>): Promise<{ passed: number; failed: number; dsa: number }> {
  let passed = 0;
  let failed = 0;
  let dsa = 0;
  for (const t of cases) {
    const ok = (await run(t)) === t.shouldValidate;
    if (t.dsa) dsa += ok ? 1 : 0;
    else if (ok) passed++;
    else failed++;
  }
  console.log(`PKITS ${name.padEnd(8)} ${passed} of ${cases.filter((t) => !t.dsa).length} non-DSA runs as expected, ${failed} not; DSA runs as expected: ${dsa} of 3`);
  return { passed, failed, dsa };
}

async function time(run: (t: PkitsCase) => Promise<boolean>, t: PkitsCase, n: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    if (!(await run(t))) throw new Error('the benchmark chain must validate');
  }
  return (performance.now() - start) / n;
}

const chain = cases.find((t) => t.number === '4.1.1');
if (!chain) throw new Error('PKITS 4.1.1 is missing');
// Warm up both (key import caches, JIT), then interleave rounds so that load affects both alike.
await time(tessera, chain, 20);
await time(pkiJs, chain, 20);
let ours = 0;
let theirs = 0;
const rounds = 5;
for (let r = 0; r < rounds; r++) {
  // Which engine goes first alternates.
  const n = Math.ceil(iterations / rounds);
  if (r % 2 === 0) { ours += await time(tessera, chain, n); theirs += await time(pkiJs, chain, n); }
  else { theirs += await time(pkiJs, chain, n); ours += await time(tessera, chain, n); }
}
ours /= rounds;
theirs /= rounds;
console.log(`3-certificate chain + 2 CRLs (PKITS 4.1.1, RSA-2048/SHA-256), from DER, ${iterations} validations each:`);
console.log(`  tessera ${ours.toFixed(2)} ms   pkijs ${theirs.toFixed(2)} ms   ratio tessera/pkijs ${(ours / theirs).toFixed(2)} (target <= 2); both keep imported keys (PKI.js imported ${engine.imports} in all)`);
const a = await tally('tessera', tessera);
const b = await tally('pkijs', pkiJs);
console.log(`PKITS passes: tessera ${a.passed} vs pkijs ${b.passed} (target: more than pkijs)`);
