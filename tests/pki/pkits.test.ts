// NIST PKITS 1.0.1, every run of tests.json: the expected outcome, DSA counted apart as unsupported.
import { describe, expect, it } from 'vitest';
import { judge, loadPkits, pkitsDir } from './pkits-suite.ts';

const cases = loadPkits();

describe(`NIST PKITS (${pkitsDir()})`, () => {
  it('loads all runs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(249);
  });

  it('gives the expected outcome for every run', async () => {
    let passed = 0;
    let unsupported = 0;
    const failed: string[] = [];
    for (const t of cases) {
      const o = await judge(t);
      if (o.kind === 'passed') passed++;
      else if (o.kind === 'unsupported') unsupported++;
      else failed.push(o.why);
    }
    console.log(`PKITS tally: ${passed} passed, ${failed.length} failed, ${unsupported} unsupported (DSA), of ${cases.length}`);
    if (failed.length) console.log(failed.join('\n'));
    expect(failed).toEqual([]);
    expect(passed + unsupported).toBe(cases.length);
  }, 120_000);
});
