// Summaries of benchmark rounds: the median, and for the per-round ratios of two clients, their geometric mean with
// ±2 standard errors.

/** The middle value, or the mean of the two middle ones; NaN for no values. */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

/**
 * Per-round ratios of two clients as "median M, mean G [lo, hi] (n rounds)": G is their geometric mean and [lo, hi]
 * ±2 standard errors of it. Single rounds swing by ±10% on a shared machine; the interval says whether the rounds
 * tell two clients apart (it excludes 1) or not. One round has no interval ("no interval"). With few rounds ±2
 * standard errors is narrower than a 95% confidence interval (Student's t for 1 and 2 degrees of freedom is 12.7 and
 * 4.3, not 2): an interval from 2 or 3 rounds that excludes 1 is a hint, not evidence.
 */
export function ratioSummary(ratios: readonly number[]): string {
  const f = (v: number) => v.toFixed(2);
  const n = ratios.length;
  if (n === 0) return 'no rounds';
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const head = `median ${f(median(ratios))}, mean ${f(Math.exp(mean))}`;
  if (n < 2) return `${head} (1 round: no interval)`;
  const se = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) / n);
  return `${head} [${f(Math.exp(mean - 2 * se))}, ${f(Math.exp(mean + 2 * se))}] (${n} rounds)`;
}

/** `xs` rotated left by `k`: round k's order of the clients, so that no client always runs first or right after another. */
export const rotated = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]!);
