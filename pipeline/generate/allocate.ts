/**
 * How many rows each category file gets out of a requested total: TR133 §2.2's loaded record
 * counts set the proportions (throughput 10,815 and latency 7,877 of 19,676 dominate; scaling has
 * 12), split by the largest-remainder method so the counts add up exactly. Once the total allows it,
 * every category also gets a floor of rows so that each model can still be fitted.
 */

import { CATEGORIES, type Category } from '../records.ts';

/** TR133 §2.2 loaded record counts per category. */
export const TR133_RECORD_COUNTS: Readonly<Record<Category, number>> = {
  throughput: 10815,
  vram: 510,
  quality: 42,
  latency: 7877,
  cost: 420,
  scaling: 12,
};

/** Rows each category gets at least, when the total is at least their sum (214). */
export const MIN_ROWS_PER_CATEGORY: Readonly<Record<Category, number>> = {
  throughput: 30,
  vram: 60,
  quality: 40,
  latency: 30,
  cost: 30,
  scaling: 24,
};

/**
 * `allocateRecords(total)` splits `total` rows across the six categories in TR133 proportions
 * (largest remainder, ties in `CATEGORIES` order), then raises each to its floor, taking the
 * difference from the categories with the most rows above their floor. The counts sum to `total`.
 * @example allocateRecords(19676) // { throughput: 10803, vram: 510, quality: 42, latency: 7877, cost: 420, scaling: 24 }
 */
export function allocateRecords(total: number): Record<Category, number> {
  const weightSum = CATEGORIES.reduce((s, c) => s + TR133_RECORD_COUNTS[c], 0);
  const exact = CATEGORIES.map((c) => (total * TR133_RECORD_COUNTS[c]) / weightSum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, n) => s + n, 0);
  const byRemainder = CATEGORIES.map((_, i) => i).sort(
    (a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b,
  );
  for (const i of byRemainder) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  const floors = CATEGORIES.map((c) => MIN_ROWS_PER_CATEGORY[c]);
  if (total >= floors.reduce((s, n) => s + n, 0)) {
    let excess = 0;
    counts.forEach((n, i) => {
      if (n < floors[i]!) {
        excess += floors[i]! - n;
        counts[i] = floors[i]!;
      }
    });
    while (excess > 0) {
      let donor = 0;
      for (let i = 1; i < counts.length; i++) {
        if (counts[i]! - floors[i]! > counts[donor]! - floors[donor]!) donor = i;
      }
      const take = Math.min(excess, counts[donor]! - floors[donor]!);
      counts[donor]! -= take;
      excess -= take;
    }
  }
  const out = {} as Record<Category, number>;
  CATEGORIES.forEach((c, i) => {
    out[c] = counts[i]!;
  });
  return out;
}
