/** Loads NIST PKITS (or any folder laid out the same way: certs/, crls/, tests.json). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePemOrDer, validatePath } from '../../pki/index.ts';
import type { ValidationResult } from '../../pki/index.ts';

export interface PkitsTest {
  readonly name: string;
  readonly number: string;
  readonly certs: readonly string[];
  readonly crls: readonly string[];
  readonly shouldValidate: boolean;
  readonly initialPolicySet: readonly string[];
  readonly initialExplicitPolicy: boolean;
  readonly initialPolicyMappingInhibit: boolean;
  readonly initialInhibitAnyPolicy: boolean;
  readonly expectedUserConstrainedPolicySet?: readonly string[];
  /** Optional validation time (ISO 8601); the suite's default is 2020-01-01. */
  readonly time?: string;
  /** Optional OIDs the leaf must allow. */
  readonly eku?: readonly string[];
}

export interface PkitsCase extends PkitsTest {
  /** Trust anchor, intermediates (in file order), leaf. */
  readonly anchor: Uint8Array;
  readonly intermediates: readonly Uint8Array[];
  readonly leaf: Uint8Array;
  readonly crlData: readonly Uint8Array[];
  readonly validationTime: Date;
  /** DSA runs (4.1.4-4.1.6): a validator may refuse them as unsupported. */
  readonly dsa: boolean;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** PKITS_DIR, else ../shared/data/pkits beside the repository. */
export function pkitsDir(): string {
  return process.env.PKITS_DIR ? resolve(process.env.PKITS_DIR) : resolve(repoRoot, '..', 'shared', 'data', 'pkits');
}

export function loadPkits(dir = pkitsDir()): PkitsCase[] {
  const suite = JSON.parse(readFileSync(join(dir, 'tests.json'), 'utf8')) as { tests: PkitsTest[] };
  const cache = new Map<string, Uint8Array>();
  // DER as PKITS ships it; a PEM file (one structure) is read as well.
  const read = (p: string): Uint8Array => {
    let b = cache.get(p);
    if (!b) {
      const raw = new Uint8Array(readFileSync(p));
      b = raw[0] === 0x30 ? raw : (decodePemOrDer(raw)[0] as Uint8Array);
      cache.set(p, b);
    }
    return b;
  };
  return suite.tests.map((t) => {
    const certs = t.certs.map((c) => read(join(dir, 'certs', c)));
    return {
      ...t,
      anchor: certs[0] as Uint8Array,
      intermediates: certs.slice(1, -1),
      leaf: certs[certs.length - 1] as Uint8Array,
      crlData: t.crls.map((c) => read(join(dir, 'crls', c))),
      validationTime: new Date(t.time ?? '2020-01-01T00:00:00Z'),
      dsa: ['4.1.4', '4.1.5', '4.1.6'].includes(t.number),
    };
  });
}

/** Runs one case as PKITS asks: its anchor, its CRLs (revocation required), its policy inputs, `time` and `eku`. */
export function runCase(t: PkitsCase): Promise<ValidationResult> {
  return validatePath({
    leaf: t.leaf,
    intermediates: t.intermediates,
    anchors: [t.anchor],
    time: t.validationTime,
    policy: {
      policies: {
        initialPolicySet: t.initialPolicySet,
        initialExplicitPolicy: t.initialExplicitPolicy,
        initialPolicyMappingInhibit: t.initialPolicyMappingInhibit,
        initialInhibitAnyPolicy: t.initialInhibitAnyPolicy,
      },
      // `eku`: each OID must be allowed by the leaf (RFC 5280 §4.2.1.12: no EKU extension allows any).
      ...(t.eku ? { leaf: { requiredEkus: t.eku } } : {}),
    },
    revocation: { mode: 'require', crls: t.crlData },
  });
}

export type Outcome = { readonly kind: 'passed' } | { readonly kind: 'unsupported' } | { readonly kind: 'failed'; readonly why: string };

/** Passed: the expected outcome (and policy set, where stated). Unsupported: a DSA run refused as such. */
export async function judge(t: PkitsCase): Promise<Outcome> {
  const r = await runCase(t);
  if (t.dsa && r.errors.some((e) => e.code === 'SIGNATURE_ALGORITHM_UNSUPPORTED')) return { kind: 'unsupported' };
  const policyOk = !t.expectedUserConstrainedPolicySet
    || JSON.stringify([...t.expectedUserConstrainedPolicySet].sort()) === JSON.stringify([...r.userConstrainedPolicySet].sort());
  if (r.valid === t.shouldValidate && policyOk) return { kind: 'passed' };
  const got = r.valid ? `valid ${JSON.stringify(r.userConstrainedPolicySet)}` : r.errors.map((e) => `${e.code} ${e.detail}`).join(' | ');
  return { kind: 'failed', why: `${t.name}: expected ${t.shouldValidate ? 'valid' : 'invalid'} ${JSON.stringify(t.expectedUserConstrainedPolicySet ?? '')}, got ${got}` };
}
