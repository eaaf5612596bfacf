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
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}
