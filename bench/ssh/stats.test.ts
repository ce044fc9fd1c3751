// The benchmark summaries (bench/ssh/stats.ts).
import { expect, it } from 'vitest';
import { median, ratioSummary, rotated } from './stats.ts';

it('median: the middle value, or the mean of the two middle ones; NaN for none', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(median([7])).toBe(7);
  expect(median([])).toBeNaN();
});

it('ratioSummary: the geometric mean of the ratios with ±2 standard errors, which includes 1 when the rounds do not tell the clients apart', () => {
  expect(ratioSummary([1, 1, 1])).toBe('median 1.00, mean 1.00 [1.00, 1.00] (3 rounds)');
  // ln 0.9 and ln 1.1: mean -0.0050, sample deviation 0.1419, standard error 0.1003; exp(-0.0050 ± 0.2007).
  expect(ratioSummary([0.9, 1.1])).toBe('median 1.00, mean 0.99 [0.81, 1.22] (2 rounds)');
  // Geometric, not arithmetic: 0.5 and 2 average to 1.
  expect(ratioSummary([0.5, 2])).toMatch(/^median 1\.25, mean 1\.00 \[/);
  // Every round ahead by 20-30%: the interval excludes 1.
  expect(ratioSummary([1.2, 1.25, 1.3, 1.22, 1.28])).toMatch(/mean 1\.25 \[1\.2\d, 1\.2\d\] \(5 rounds\)/);
});

it('ratioSummary: one round has no interval (it printed [NaN, NaN]), no rounds say so', () => {
  expect(ratioSummary([1.16])).toBe('median 1.16, mean 1.16 (1 round: no interval)');
  expect(ratioSummary([])).toBe('no rounds');
});

it('rotated: each round starts one client later', () => {
  expect(rotated(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
  expect(rotated(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
  expect(rotated(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
});
