import { describe, expect, it } from 'vitest';
import { intBetween, logNormalFactor, pick, standardNormal } from '../../pipeline/generate/random.ts';
import { createRng } from '../../pipeline/math/rng.ts';

describe('generator draws', () => {
  it('pick(rng, items) returns only listed items and throws on an empty list', () => {
    const rng = createRng('pick');
    for (let i = 0; i < 100; i++) expect(['a', 'b', 'c']).toContain(pick(rng, ['a', 'b', 'c']));
    expect(() => pick(rng, [])).toThrow(/empty/);
  });

  it('intBetween(rng, lo, hi) covers both ends and nothing outside', () => {
    const rng = createRng('int');
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(intBetween(rng, 3, 5));
    expect([...seen].sort()).toEqual([3, 4, 5]);
  });

  it('standardNormal(rng) has mean ≈ 0 and variance ≈ 1 over 20,000 draws', () => {
    const rng = createRng('normal');
    const xs = Array.from({ length: 20_000 }, () => standardNormal(rng));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('logNormalFactor(rng, σ) has median 1 and log-sd σ', () => {
    const rng = createRng('lognormal');
    const logs = Array.from({ length: 20_000 }, () => Math.log(logNormalFactor(rng, 0.05))).sort(
      (a, b) => a - b,
    );
    expect(Math.abs(logs[10_000]!)).toBeLessThan(0.002);
    const sd = Math.sqrt(logs.reduce((s, x) => s + x * x, 0) / logs.length);
    expect(sd).toBeCloseTo(0.05, 2);
  });
});
