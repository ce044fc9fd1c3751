// The benchmark summaries (bench/ssh/stats.ts).
import { expect, it } from 'vitest';
import { median, ratioSummary } from './stats.ts';

it('median: the middle value, or the mean of the two middle ones', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
});

it('ratioSummary: the geometric mean of the ratios with ±2 standard errors, which includes 1 when the rounds do not tell the clients apart', () => {
  expect(ratioSummary([1, 1, 1])).toBe('median 1.00, mean 1.00 [1.00, 1.00]');
  // ln 0.9 and ln 1.1: mean -0.0050, sample deviation 0.1419, standard error 0.1003; exp(-0.0050 ± 0.2007).
  expect(ratioSummary([0.9, 1.1])).toBe('median 1.00, mean 0.99 [0.81, 1.22]');
  // Every round ahead by 20-30%: the interval excludes 1.
  expect(ratioSummary([1.2, 1.25, 1.3, 1.22, 1.28])).toMatch(/mean 1\.25 \[1\.2\d, 1\.2\d\]/);
});
