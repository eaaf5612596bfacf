/**
 * Draws used by the generator on top of the one uniform stream (`createRng`): a choice from a list,
 * an integer range, a standard normal (Box–Muller) and log-normal noise. Each consumes a fixed
 * number of uniforms, so the same seed gives the same corpus on every machine.
 */

import type { Rng } from '../math/rng.ts';

/**
 * `pick(rng, items)` returns items[⌊u·n⌋] for one uniform u; `items` must not be empty.
 * @example pick(createRng('1'), ['a', 'b']) // 'a' or 'b', the same on every run
 */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick: empty list');
  return item;
}

/**
 * `intBetween(rng, lo, hi)` is a uniform integer in [lo, hi] (both inclusive).
 * @example intBetween(createRng('1'), 3, 5) // 3, 4 or 5
 */
export function intBetween(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/**
 * `standardNormal(rng)` = √(−2 ln u₁) · cos(2π u₂) with u₁ ∈ (0, 1] (Box–Muller, two uniforms).
 * @example standardNormal(createRng('1')) // a draw from N(0, 1)
 */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * `logNormalFactor(rng, sigma)` = exp(σ·z), z ~ N(0, 1): multiplicative noise with median 1.
 * @example logNormalFactor(createRng('1'), 0.05) // ≈ 1 ± 5 %
 */
export function logNormalFactor(rng: Rng, sigma: number): number {
  return Math.exp(sigma * standardNormal(rng));
}
