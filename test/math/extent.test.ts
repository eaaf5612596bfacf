import { describe, expect, it } from 'vitest';
import { appendAll, extent } from '../../pipeline/math/extent.ts';

describe('extent', () => {
  it('extent(values) gives [min, max] of the finite values', () => {
    expect(extent([3, Number.NaN, 1, 2, Number.POSITIVE_INFINITY])).toEqual([1, 3]);
    expect(extent([])).toBeNull();
  });

  it('extent and appendAll handle a million values without overflowing the stack', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => i % 1000);
    expect(extent(big)).toEqual([0, 999]);
    const out: number[] = [];
    appendAll(out, big);
    expect(out).toHaveLength(1_000_000);
  });
});
