import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createRng, shuffled, shuffledIndices } from '../../pipeline/math/rng.ts';

describe('shuffledIndices', () => {
  test.prop([fc.integer({ min: 0, max: 300 }), fc.string()])(
    'shuffledIndices(n, rng) is a permutation of 0 … n − 1, the same for the same seed',
    (n, seed) => {
      const p = shuffledIndices(n, createRng(seed));
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(shuffledIndices(n, createRng(seed))).toEqual(p);
    },
  );

  test.prop([fc.array(fc.string(), { maxLength: 60 }), fc.string()])(
    'shuffled(items, rng) places items in the order shuffledIndices gives',
    (items, seed) => {
      const order = shuffledIndices(items.length, createRng(seed));
      expect(shuffled(items, createRng(seed))).toEqual(Array.from(order, (i) => items[i]));
    },
  );

  it('shuffledIndices is Fisher–Yates from the end: the first draw picks position n − 1', () => {
    const draws = [0.99, 0.0, 0.5];
    let k = 0;
    const rng = () => draws[k++]!;
    // n = 4: i = 3 swaps with floor(0.99·4) = 3, i = 2 with 0, i = 1 with floor(0.5·2) = 1.
    expect(Array.from(shuffledIndices(4, rng))).toEqual([2, 1, 0, 3]);
  });
});
