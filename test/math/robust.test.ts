import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  median,
  quantileSelect,
  quantileSorted,
  selectInPlace,
  sortPairs,
  spreadSummary,
  WeightedMedianIndex,
  weightedMedian,
} from '../../pipeline/math/robust.ts';

describe('quantileSorted', () => {
  it('quantileSorted(sorted, p) uses the type-7 method', () => {
    const s = Float64Array.of(3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20);
    expect(quantileSorted(s, 0.5)).toBe(9);
    expect(quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted(Float64Array.of(1, 2, 3, 4, 5), 0.1)).toBeCloseTo(1.4, 12);
  });

  it('quantileSorted throws on empty input or p outside [0, 1]', () => {
    expect(() => quantileSorted([], 0.5)).toThrow(/at least one value/);
    expect(() => quantileSorted([1], 1.5)).toThrow(/p must be in/);
  });
});

describe('median', () => {
  it('median(values) sorts numerically', () => {
    expect(median(Object.freeze([10, 9, 100, 2]))).toBeCloseTo(9.5, 12);
  });
});

describe('weightedMedian', () => {
  it('weightedMedian with equal weights is the ordinary median', () => {
    expect(weightedMedian([4, 1, 3, 2], [1, 1, 1, 1])).toBeCloseTo(2.5, 12);
    expect(weightedMedian([5, 1, 3], [2, 2, 2])).toBe(3);
  });

  it('weightedMedian follows the weight', () => {
    expect(weightedMedian([1, 2, 3], [1, 1, 5])).toBe(3);
    expect(weightedMedian([1, 2, 3], [5, 1, 1])).toBe(1);
  });

  it('weightedMedian ignores non-positive weights and throws when none remain', () => {
    expect(weightedMedian([1, 100], [1, 0])).toBe(1);
    expect(() => weightedMedian([1], [0])).toThrow(/positive weight/);
  });
});

describe('spreadSummary', () => {
  it('spreadSummary(values) gives median, p10, p90 and n', () => {
    const s = spreadSummary([5, 4, 3, 2, 1])!;
    expect(s.median).toBe(3);
    expect(s.p10).toBeCloseTo(1.4, 12);
    expect(s.p90).toBeCloseTo(4.6, 12);
    expect(s.n).toBe(5);
    expect(spreadSummary([])).toBeNull();
  });
});

describe('WeightedMedianIndex', () => {
  it('new WeightedMedianIndex(values, weights).median() is the weighted median', () => {
    const idx = new WeightedMedianIndex([4, 1, 3, 2], [1, 1, 1, 1]);
    expect(idx.median()).toBeCloseTo(2.5, 12);
    expect(new WeightedMedianIndex([1, 2, 3], [1, 1, 5]).median()).toBe(3);
  });

  it('WeightedMedianIndex.median(excluded) leaves those points out', () => {
    const idx = new WeightedMedianIndex([1, 2, 3], [1, 1, 5]);
    expect(idx.median([2])).toBeCloseTo(1.5, 12);
    expect(idx.median([0, 1])).toBe(3);
    expect(idx.median([0, 1, 2])).toBeNull();
  });

  test.prop([
    fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 4 })), {
      minLength: 1,
      maxLength: 30,
    }),
    fc.array(fc.nat(), { maxLength: 10 }),
  ])('WeightedMedianIndex.median(excluded) equals weightedMedian of the remaining points', (points, drop) => {
    const values = points.map(([v]) => v / 4);
    const weights = points.map(([, w]) => w);
    const excluded = [...new Set(drop.map((d) => d % points.length))];
    const keep = points.map((_, i) => i).filter((i) => !excluded.includes(i) && weights[i]! > 0);
    const got = new WeightedMedianIndex(values, weights).median(excluded);
    if (keep.length === 0) expect(got).toBeNull();
    else
      expect(got).toBeCloseTo(
        weightedMedian(
          keep.map((i) => values[i]!),
          keep.map((i) => weights[i]!),
        ),
        12,
      );
  });
});

describe('sortPairs', () => {
  const reference = (values: number[], weights: number[]) => {
    const order = values
      .map((_, i) => i)
      .sort((a, b) => values[a]! - values[b]! || weights[a]! - weights[b]!);
    return { values: order.map((i) => values[i]!), weights: order.map((i) => weights[i]!) };
  };

  test.prop([
    fc
      .array(fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 9 })), { maxLength: 80 })
      .map((pairs) => pairs.map(([v, w]) => [v / 4, w] as const)),
  ])('sortPairs sorts by value then weight, with or without ties, like a comparator sort', (pairs) => {
    const values = pairs.map((p) => p[0]);
    const weights = pairs.map((p) => p[1]);
    const got = sortPairs(Float64Array.from(values), Float64Array.from(weights));
    const want = reference(values, weights);
    expect(Array.from(got.values)).toEqual(want.values);
    expect(Array.from(got.weights)).toEqual(want.weights);
  });

  it('sortPairs puts NaN values last, as a run of their own, weights ascending', () => {
    const s = sortPairs(Float64Array.of(Number.NaN, 1, Number.NaN, 1, 0.5), Float64Array.of(3, 2, 1, 4, 9));
    expect(Array.from(s.values)).toEqual([0.5, 1, 1, Number.NaN, Number.NaN]);
    expect(Array.from(s.weights)).toEqual([9, 2, 4, 1, 3]);
  });

  it('sortPairs leaves its inputs untouched', () => {
    const v = Float64Array.of(3, 1, 2);
    const w = Float64Array.of(30, 10, 20);
    const s = sortPairs(v, w);
    expect(Array.from(s.values)).toEqual([1, 2, 3]);
    expect(Array.from(s.weights)).toEqual([10, 20, 30]);
    expect(Array.from(v)).toEqual([3, 1, 2]);
  });
});

describe('quantileSelect', () => {
  test.prop([
    fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), {
      minLength: 1,
      maxLength: 200,
    }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ])('quantileSelect equals quantileSorted of the sorted values, and keeps the same values', (values, p) => {
    const sorted = Float64Array.from(values).sort();
    const work = Float64Array.from(values);
    expect(quantileSelect(work, p)).toBe(quantileSorted(sorted, p));
    expect(Array.from(work.sort())).toEqual(Array.from(sorted));
  });

  it('selectInPlace puts the k-th smallest value at k, smaller before and larger after', () => {
    const v = Float64Array.of(5, 1, 4, 1, 5, 9, 2, 6, 5, 3);
    expect(selectInPlace(v, 4)).toBe(4);
    expect(Array.from(v.subarray(0, 4)).every((x) => x <= 4)).toBe(true);
    expect(Array.from(v.subarray(5)).every((x) => x >= 4)).toBe(true);
  });
});
