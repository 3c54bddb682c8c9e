/** Percentile (nearest-rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** `12.3` with one decimal, for tables. */
export const ms = (v: number) => v.toFixed(1);

/** Prints one labelled row of p50/p99/min/max for a sample of durations in ms. */
export function summarize(label: string, samples: number[]): { p50: number; p99: number } {
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(
    `${label.padEnd(40)} n=${samples.length}  p50=${ms(p50)} ms  p99=${ms(p99)} ms  min=${ms(Math.min(...samples))}  max=${ms(Math.max(...samples))}`,
  );
  return { p50, p99 };
}
