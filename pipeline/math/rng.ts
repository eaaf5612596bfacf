/**
 * The one source of randomness. Seeds are always strings: seedrandom gives different streams for
 * `42` and `'42'`, so the config's seed string is used verbatim and recorded in the artifact.
 */
import seedrandom from 'seedrandom';

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/**
 * `createRng(seed)` returns a deterministic ARC4 stream for the seed string.
 * @example createRng('42')() // same value on every run and machine
 */
export function createRng(seed: string): Rng {
  const prng = seedrandom(seed);
  return () => prng.double();
}

/** Fisher–Yates shuffle of a copy of `items` driven by `rng`. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return Array.from(shuffledIndices(items.length, rng), (i) => items[i]!);
}

/**
 * `shuffledIndices(n, rng)` is the permutation `shuffled` applies to n items, as indices: item
 * `out[i]` of the input lands at position i. Same generator calls, same order.
 * @example shuffledIndices(3, createRng('42')) // e.g. Int32Array [2, 0, 1]
 */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
