/**
 * `extent(values)` is [min, max] of the finite values in one pass, or null when there are none.
 * Unlike `Math.min(...values)` it does not spread the array onto the call stack, which throws
 * "Maximum call stack size exceeded" for a few hundred thousand values.
 * @example extent([3, 1, 2]) // [1, 3]
 */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Appends every item of `items` to `target` without spreading them as call arguments. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
