// NIST PKITS 1.0.1, every run of tests.json: the expected outcome, DSA counted apart as unsupported.
import { describe, expect, it } from 'vitest';
import { validatePath } from '../../pki/index.ts';
import type { ValidationResult } from '../../pki/index.ts';
import { loadPkits, pkitsDir } from './pkits-suite.ts';
import type { PkitsCase } from './pkits-suite.ts';

const cases = loadPkits();

async function run(t: PkitsCase): Promise<ValidationResult> {
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
      ...(t.eku ? { leaf: { allowedEkus: t.eku, requireEku: true } } : {}),
    },
    revocation: { mode: 'require', crls: t.crlData },
  });
}

/** Where PKITS states the user-constrained policy set, ours must equal it (as a set). */
function policySetMatches(t: PkitsCase, r: ValidationResult): boolean {
  if (!t.expectedUserConstrainedPolicySet) return true;
  return JSON.stringify([...t.expectedUserConstrainedPolicySet].sort()) === JSON.stringify([...r.userConstrainedPolicySet].sort());
}

describe(`NIST PKITS (${pkitsDir()})`, () => {
  it('loads all runs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(249);
  });

  it('gives the expected outcome for every run', async () => {
    let passed = 0;
    let unsupported = 0;
    const failed: string[] = [];
    for (const t of cases) {
      const r = await run(t);
      const dsaRefused = t.dsa && r.errors.some((e) => e.code === 'SIGNATURE_ALGORITHM_UNSUPPORTED');
      if (dsaRefused) unsupported++;
      else if (r.valid === t.shouldValidate && policySetMatches(t, r)) passed++;
      else failed.push(`${t.name}: expected ${t.shouldValidate ? 'valid' : 'invalid'} ${JSON.stringify(t.expectedUserConstrainedPolicySet ?? '')}, got ${r.valid ? `valid ${JSON.stringify(r.userConstrainedPolicySet)}` : r.errors.map((e) => `${e.code} ${e.detail}`).join(' | ')}`);
    }
    console.log(`PKITS tally: ${passed} passed, ${failed.length} failed, ${unsupported} unsupported (DSA), of ${cases.length}`);
    if (failed.length) console.log(failed.join('\n'));
    expect(failed).toEqual([]);
  }, 120_000);
});
