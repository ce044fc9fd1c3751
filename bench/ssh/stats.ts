// Summaries of benchmark rounds: the median, and for the per-round ratios of two clients, their geometric mean with
// ±2 standard errors.

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/**
 * Per-round ratios of two clients as "median M, mean G [lo, hi]": G is their geometric mean and [lo, hi] ±2 standard
 * errors of it. Single rounds swing by ±10% on a shared machine; the interval says whether the rounds tell two
 * clients apart (it excludes 1) or not.
 */
export function ratioSummary(ratios: readonly number[]): string {
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const se = logs.length > 1 ? Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1) / logs.length) : NaN;
  const f = (v: number) => v.toFixed(2);
  return `median ${f(median(ratios))}, mean ${f(Math.exp(mean))} [${f(Math.exp(mean - 2 * se))}, ${f(Math.exp(mean + 2 * se))}]`;
}
