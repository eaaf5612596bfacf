/**
 * Order statistics: type-7 quantiles on sorted data, the median, the weighted median and a
 * median/p10/p90 summary. Empty input throws (callers check first); weights ≤ 0 are ignored.
 */

/**
 * `quantileSorted(sorted, p)` is the type-7 quantile (R and numpy default): with h = (n − 1)·p,
 * q = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋). `sorted` must be ascending.
 * @example quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5) // 2.5
 */
export function quantileSorted(sorted: Float64Array | readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantileSorted requires at least one value');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantileSorted: p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Ascending copy of `values` as a Float64Array. */
export function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * `median(values)` is the type-7 0.5 quantile (mean of the two middle values for even n).
 * @example median([3, 1, 2, 10]) // 2.5
 */
export function median(values: readonly number[]): number {
  return quantileSorted(sortedCopy(values), 0.5);
}

/**
 * `weightedMedian(values, weights)` is the value where the cumulative weight of the ascending
 * values first reaches half the total; when it lands exactly on half, the mean of that value and
 * the next, so equal weights give the ordinary median.
 * @example weightedMedian([1, 2, 3], [1, 1, 5]) // 3
 */
export function weightedMedian(values: readonly number[], weights: readonly number[]): number {
  if (values.length !== weights.length) {
    throw new Error(`weightedMedian: ${values.length} values but ${weights.length} weights`);
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < values.length; i++) if (weights[i]! > 0) pairs.push([values[i]!, weights[i]!]);
  if (pairs.length === 0) throw new Error('weightedMedian requires at least one positive weight');
  pairs.sort((a, b) => a[0] - b[0]);
  let total = 0;
  for (const [, w] of pairs) total += w;
  const half = total / 2;
  let cum = 0;
  for (let i = 0; i < pairs.length; i++) {
    cum += pairs[i]![1];
    if (Math.abs(cum - half) <= 1e-12 * total && i + 1 < pairs.length) {
      return (pairs[i]![0] + pairs[i + 1]![0]) / 2;
    }
    if (cum > half) return pairs[i]![0];
  }
  return pairs[pairs.length - 1]![0];
}

/** Centre and spread of a sample: type-7 median, 10th and 90th percentiles, and its size. */
export interface SpreadSummary {
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly n: number;
}

/**
 * `spreadSummary(values)` gives the type-7 median, p10 and p90; null for an empty sample.
 * @example spreadSummary([1, 2, 3, 4, 5]) // { median: 3, p10: 1.4, p90: 4.6, n: 5 }
 */
export function spreadSummary(values: readonly number[]): SpreadSummary | null {
  if (values.length === 0) return null;
  const s = sortedCopy(values);
  return {
    median: quantileSorted(s, 0.5),
    p10: quantileSorted(s, 0.1),
    p90: quantileSorted(s, 0.9),
    n: s.length,
  };
}
