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

/**
 * `selectInPlace(values, k)` reorders `values` so that `values[k]` holds the value an ascending sort
 * would put there, every value before it is ≤ and every value after it is ≥ (quickselect with a
 * median-of-three pivot: linear time on average, where a sort is n·log n). No NaN.
 */
export function selectInPlace(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three as pivot, placed at mid.
    if (values[mid]! < values[lo]!) swap(values, mid, lo);
    if (values[hi]! < values[lo]!) swap(values, hi, lo);
    if (values[hi]! < values[mid]!) swap(values, hi, mid);
    const pivot = values[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return values[k]!;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * `quantileSelect(values, p)` is `quantileSorted` of the sorted values, found by selection instead
 * of a sort; `values` is reordered. Both order statistics it interpolates between are exact.
 * @example quantileSelect(Float64Array.of(4, 1, 3, 2), 0.5) // 2.5
 */
export function quantileSelect(values: Float64Array, p: number): number {
  const n = values.length;
  if (n === 0) throw new Error('quantileSelect requires at least one value');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantileSelect: p must be in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const x = selectInPlace(values, lo);
  // The next order statistic is the smallest value after position lo (as quantileSorted, the last
  // value stands in for it at p = 1).
  let next = x;
  if (lo + 1 < n) {
    next = values[lo + 1]!;
    for (let i = lo + 2; i < n; i++) if (values[i]! < next) next = values[i]!;
  }
  return x + (h - lo) * (next - x);
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
  let m = 0;
  for (let i = 0; i < values.length; i++) if (weights[i]! > 0) m++;
  if (m === 0) throw new Error('weightedMedian requires at least one positive weight');
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  for (let i = 0, k = 0; i < values.length; i++) {
    if (weights[i]! > 0) {
      v[k] = values[i]!;
      w[k++] = weights[i]!;
    }
  }
  // Equal values may come in any order: the median is the same value either way.
  const sorted = sortPairs(v, w);
  let total = 0;
  for (let i = 0; i < m; i++) total += sorted.weights[i]!;
  const half = total / 2;
  let cum = 0;
  for (let i = 0; i < m; i++) {
    cum += sorted.weights[i]!;
    if (Math.abs(cum - half) <= 1e-12 * total && i + 1 < m) {
      return (sorted.values[i]! + sorted.values[i + 1]!) / 2;
    }
    if (cum > half) return sorted.values[i]!;
  }
  return sorted.values[m - 1]!;
}

/**
 * `sortPairs(values, weights)` sorts (value, weight) pairs by value, then by weight, into new
 * arrays, with no comparator sort: it sorts a copy of the values natively and places each weight by
 * binary search at its value's run; within a run of equal values the weights are sorted natively.
 * @example sortPairs(Float64Array.of(3, 1), Float64Array.of(5, 7)) // { values: [1, 3], weights: [7, 5] }
 */
export function sortPairs(
  values: Float64Array,
  weights: Float64Array,
): { values: Float64Array; weights: Float64Array } {
  const { sorted, slot, ties } = sortedSlots(values);
  const w = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) w[slot[i]!] = weights[i]!;
  if (ties) {
    // Within a run of equal values, weights ascending (a native sort of that stretch).
    for (let start = 0; start < w.length; ) {
      let end = start + 1;
      while (end < w.length && sameValue(sorted[end]!, sorted[start]!)) end++;
      if (end - start > 1) w.subarray(start, end).sort();
      start = end;
    }
  }
  return { values: sorted, weights: w };
}

/** Equal as the runs of `sortedSlots` are: by `<` (so −0 and 0 together), NaN with NaN. */
const sameValue = (a: number, b: number): boolean => !(a < b || b < a) && Number.isNaN(a) === Number.isNaN(b);

/**
 * `values` sorted natively, and for each input position the slot it takes in that order: its
 * value's run (found by binary search), in input order within the run — the order of a stable
 * comparator sort by value, without calling a comparator. A native sort puts NaN last: NaNs form
 * the last run. `ties` says whether any run holds more than one value.
 */
export function sortedSlots(values: Float64Array): { sorted: Float64Array; slot: Int32Array; ties: boolean } {
  const n = values.length;
  const sorted = values.slice().sort();
  let finite = n;
  while (finite > 0 && Number.isNaN(sorted[finite - 1]!)) finite--;
  let ties = false;
  for (let i = 1; i < n && !ties; i++) ties = !(sorted[i - 1]! < sorted[i]!);
  const taken = ties ? new Int32Array(n) : null;
  const slot = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let lo = Number.isNaN(x) ? finite : 0;
    let hi = Number.isNaN(x) ? finite : finite - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    slot[i] = taken ? lo + taken[lo]!++ : lo;
  }
  return { sorted, slot, ties };
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

/**
 * The indices with a positive weight, ordered by (value, index), with no comparator sort
 * (`sortedSlots`).
 */
function orderByValue(values: readonly number[], weights: readonly number[]): Int32Array {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (weights[i]! > 0) m++;
  const kept = new Int32Array(m);
  const v = new Float64Array(m);
  for (let i = 0, k = 0; i < values.length; i++) {
    if (!(weights[i]! > 0)) continue;
    kept[k] = i;
    v[k++] = values[i]!;
  }
  const { slot } = sortedSlots(v);
  const order = new Int32Array(m);
  for (let k = 0; k < m; k++) order[slot[k]!] = kept[k]!;
  return order;
}

/**
 * Repeated weighted medians of one sample with different subsets left out (cross-validation
 * folds). The sample is sorted once with prefix sums of the weights; `median(excluded)` then finds
 * the first position whose cumulative remaining weight reaches half the remaining total by binary
 * search, in O(e·log e + log n·log e) for e left-out points, with the same rule as
 * `weightedMedian` (exactly half → mean of that value and the next remaining one).
 * @example new WeightedMedianIndex([1, 2, 3], [1, 1, 5]).median([2]) // 1.5 (3 left out)
 */
export class WeightedMedianIndex {
  private readonly values: Float64Array;
  private readonly prefix: Float64Array;
  /** Sorted position of each input index; −1 for a point with weight ≤ 0. */
  private readonly position: Int32Array;
  private readonly weights: Float64Array;

  constructor(values: readonly number[], weights: readonly number[]) {
    if (values.length !== weights.length) {
      throw new Error(`WeightedMedianIndex: ${values.length} values but ${weights.length} weights`);
    }
    const order = orderByValue(values, weights);
    this.values = Float64Array.from(order, (i) => values[i]!);
    this.weights = Float64Array.from(order, (i) => weights[i]!);
    this.prefix = new Float64Array(order.length);
    let cum = 0;
    for (let k = 0; k < order.length; k++) {
      cum += this.weights[k]!;
      this.prefix[k] = cum;
    }
    this.position = new Int32Array(values.length).fill(-1);
    order.forEach((i, k) => {
      this.position[i] = k;
    });
  }

  /** Points with positive weight. */
  get size(): number {
    return this.values.length;
  }

  /** Weighted median of the points not listed in `excluded` (input indices); null when none remain. */
  median(excluded: readonly number[] = []): number | null {
    const n = this.values.length;
    const pos: number[] = [];
    for (const i of excluded) {
      const p = this.position[i];
      if (p !== undefined && p >= 0) pos.push(p);
    }
    pos.sort((a, b) => a - b);
    const exPrefix = new Float64Array(pos.length);
    let ex = 0;
    for (let j = 0; j < pos.length; j++) {
      ex += this.weights[pos[j]!]!;
      exPrefix[j] = ex;
    }
    const total = (n > 0 ? this.prefix[n - 1]! : 0) - ex;
    if (!(total > 0) || pos.length >= n) return null;
    /** Excluded weight at sorted positions ≤ k. */
    const excludedUpTo = (k: number): number => {
      let lo = 0;
      let hi = pos.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pos[mid]! <= k) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : exPrefix[lo - 1]!;
    };
    const isExcluded = (k: number): boolean => {
      let lo = 0;
      let hi = pos.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (pos[mid]! < k) lo = mid + 1;
        else hi = mid;
      }
      return lo < pos.length && pos[lo] === k;
    };
    const half = total / 2;
    const tol = 1e-12 * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.prefix[mid]! - excludedUpTo(mid) >= half - tol) hi = mid;
      else lo = mid + 1;
    }
    let i = lo;
    while (i < n && isExcluded(i)) i++;
    if (i >= n) {
      i = lo;
      while (i >= 0 && isExcluded(i)) i--;
    }
    const cum = this.prefix[i]! - excludedUpTo(i);
    let next = i + 1;
    while (next < n && isExcluded(next)) next++;
    if (Math.abs(cum - half) <= tol && next < n) return (this.values[i]! + this.values[next]!) / 2;
    return this.values[i]!;
  }
}
