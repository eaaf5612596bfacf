import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addLogLogPoint,
  combineLogLogSums,
  DEFAULT_POWER_LAW_OPTIONS,
  emptyLogLogSums,
  evaluatePowerLaw,
  fitPowerLaw,
  powerLawFromLogLogSums,
} from '../../pipeline/math/power-law.ts';
import { createRng } from '../../pipeline/math/rng.ts';

/** `@default` values documented in an interface, by option name (JSON-parsable values only). */
function documentedDefaults(path: string): Map<string, unknown> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  const out = new Map<string, unknown>();
  for (const m of text.matchAll(/@default ([^\n]+?)\s*\*\/\s*readonly (\w+)\?/g)) {
    try {
      out.set(m[2]!, JSON.parse(m[1]!));
    } catch {
      // not a JSON literal (prose default): not compared
    }
  }
  return out;
}

function noisyPowerLaw(a: number, b: number, seed: string, noise: number) {
  const rng = createRng(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 40; i++) {
    const xi = 0.5 + i * 0.5;
    x.push(xi);
    y.push(evaluatePowerLaw(a, b, xi) * (1 + noise * (2 * rng() - 1)));
  }
  return { x, y };
}

describe('fitPowerLaw', () => {
  it('fitPowerLaw(x, y) recovers a and b within 2% from data with ±1% seeded noise', () => {
    const { x, y } = noisyPowerLaw(300, 0.6, 'power-law-1', 0.01);
    const fit = fitPowerLaw(Object.freeze(x), Object.freeze(y));
    expect(fit.converged).toBe(true);
    expect(fit.method).toBe('levenberg-marquardt');
    expect(Math.abs(fit.a / 300 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.b / 0.6 - 1)).toBeLessThan(0.02);
    expect(fit.sse).toBeLessThan(fit.seedSse);
    expect(fit.n).toBe(40);
  });

  it('fitPowerLaw recovers a nearly flat law (b = 0.09) within 2%', () => {
    const { x, y } = noisyPowerLaw(72, 0.09, 'power-law-flat', 0.005);
    const fit = fitPowerLaw(x, y);
    expect(Math.abs(fit.a / 72 - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.b / 0.09 - 1)).toBeLessThan(0.02);
  });

  it('fitPowerLaw on exact data converges at the log-log seed', () => {
    const fit = fitPowerLaw([1, 2, 4, 8], [100, 50, 25, 12.5]);
    expect(fit.converged).toBe(true);
    expect(fit.a).toBeCloseTo(100, 6);
    expect(fit.b).toBeCloseTo(1, 8);
  });

  it('fitPowerLaw with maxIterations 0 reports non-convergence and keeps the seed', () => {
    const { x, y } = noisyPowerLaw(300, 0.6, 'power-law-2', 0.05);
    const fit = fitPowerLaw(x, y, { maxIterations: 0 });
    expect(fit.converged).toBe(false);
    expect(fit.method).toBe('log-log');
    expect(fit.note).toMatch(/did not improve/);
    expect(Number.isFinite(fit.a) && Number.isFinite(fit.b)).toBe(true);
  });

  it('fitPowerLaw keeps b inside its bounds', () => {
    const { x, y } = noisyPowerLaw(300, 0.6, 'power-law-3', 0.01);
    const fit = fitPowerLaw(x, y, { maxB: 0.3 });
    expect(fit.b).toBeLessThanOrEqual(0.3);
    expect(fit.b).toBeGreaterThanOrEqual(0);
  });

  it('fitPowerLaw(x, y, { weights }) lets a heavy point dominate', () => {
    const x = [1, 2, 4];
    const y = [100, 50, 40];
    const light = fitPowerLaw(x, y);
    const heavy = fitPowerLaw(x, y, { weights: [1, 1, 1000] });
    expect(Math.abs(evaluatePowerLaw(heavy.a, heavy.b, 4) - 40)).toBeLessThan(
      Math.abs(evaluatePowerLaw(light.a, light.b, 4) - 40),
    );
  });

  it('fitPowerLaw with relative errors recovers exact data', () => {
    const fit = fitPowerLaw([1, 3, 9, 27], [50, 25, 12.5, 6.25], { relative: true });
    expect(fit.b).toBeCloseTo(Math.log(2) / Math.log(3), 6);
    expect(fit.a).toBeCloseTo(50, 4);
  });

  it('fitPowerLaw with fewer than two distinct x falls back to the mean, not NaN', () => {
    const fit = fitPowerLaw([2, 2, 2], [10, 20, 30]);
    expect(fit.method).toBe('mean');
    expect(fit.converged).toBe(false);
    expect(fit.b).toBe(0);
    expect(fit.a).toBeCloseTo(20, 12);
  });

  it('fitPowerLaw with no usable point gives a = b = 0 and ignores non-positive values', () => {
    const empty = fitPowerLaw([], []);
    expect([empty.a, empty.b, empty.sse]).toEqual([0, 0, 0]);
    expect(empty.converged).toBe(false);
    const filtered = fitPowerLaw([0, -1, 1, 2, 4], [5, 5, 100, 50, 25]);
    expect(filtered.n).toBe(3);
    expect(filtered.b).toBeCloseTo(1, 6);
  });

  it('fitPowerLaw throws on mismatched lengths or inverted bounds', () => {
    expect(() => fitPowerLaw([1], [1, 2])).toThrow(/1 x but 2 y/);
    expect(() => fitPowerLaw([1, 2], [1, 2], { minB: 2, maxB: 1 })).toThrow(/min ≤ max/);
  });

  it('DEFAULT_POWER_LAW_OPTIONS agrees with the documented @default values', () => {
    const docs = documentedDefaults('../../pipeline/math/power-law.ts');
    for (const [key, value] of Object.entries(DEFAULT_POWER_LAW_OPTIONS)) {
      expect(docs.get(key), key).toEqual(value);
    }
  });
});

describe('powerLawFromLogLogSums', () => {
  const sumsOf = (x: readonly number[], y: readonly number[], w?: readonly number[]) => {
    const s = emptyLogLogSums();
    for (const [i, xi] of x.entries()) addLogLogPoint(s, Math.log(xi), Math.log(y[i]!), w ? w[i]! : 1);
    return s;
  };

  it('powerLawFromLogLogSums(sums) recovers an exact law', () => {
    const fit = powerLawFromLogLogSums(
      sumsOf([1, 2, 4, 8], [300, 300 * 2 ** -0.6, 300 * 4 ** -0.6, 300 * 8 ** -0.6]),
    )!;
    expect(fit.a).toBeCloseTo(300, 9);
    expect(fit.b).toBeCloseTo(0.6, 12);
  });

  it('powerLawFromLogLogSums of total − subset equals the fit on the rest', () => {
    const { x, y } = noisyPowerLaw(120, 0.4, 'sums', 0.05);
    const w = x.map((_, i) => 1 + (i % 3));
    const total = sumsOf(x, y, w);
    const held = sumsOf(x.slice(0, 10), y.slice(0, 10), w.slice(0, 10));
    const rest = sumsOf(x.slice(10), y.slice(10), w.slice(10));
    const a = powerLawFromLogLogSums(combineLogLogSums(total, held, -1))!;
    const b = powerLawFromLogLogSums(rest)!;
    expect(a.a).toBeCloseTo(b.a, 8);
    expect(a.b).toBeCloseTo(b.b, 10);
  });

  it('powerLawFromLogLogSums is null without weight or with one distinct x, and clamps to bounds', () => {
    expect(powerLawFromLogLogSums(emptyLogLogSums())).toBeNull();
    expect(powerLawFromLogLogSums(sumsOf([2, 2], [1, 3]))).toBeNull();
    const steep = powerLawFromLogLogSums(sumsOf([1, 2], [100, 1]), { maxB: 2 })!;
    expect(steep.b).toBe(2);
  });
});

describe('fitPowerLaw (Levenberg–Marquardt)', () => {
  it('fitPowerLaw ends at a stationary point of the weighted SSE', () => {
    const { x, y } = noisyPowerLaw(300, 0.6, 'lm-stationary', 0.05);
    const fit = fitPowerLaw(x, y);
    expect(fit.method).toBe('levenberg-marquardt');
    // Gradient of Σ (y − a·x^−b)² vanishes at the optimum.
    let ga = 0;
    let gb = 0;
    x.forEach((xi, i) => {
      const p = xi ** -fit.b;
      const r = y[i]! - fit.a * p;
      ga += r * p;
      gb += r * fit.a * p * Math.log(xi);
    });
    expect(Math.abs(ga) / fit.a).toBeLessThan(1e-6);
    expect(Math.abs(gb)).toBeLessThan(1e-3);
  });

  it('fitPowerLaw never takes more than maxIterations steps', () => {
    const { x, y } = noisyPowerLaw(300, 0.6, 'lm-cap', 0.2);
    expect(fitPowerLaw(x, y, { maxIterations: 2 }).iterations).toBeLessThanOrEqual(2);
  });
});
