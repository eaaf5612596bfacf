import { readFileSync } from 'node:fs';
import { fc, test } from '@fast-check/vitest';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  amdahlEta,
  type EtaPoint,
  fitPowerLawExponent,
  fitSerialFraction,
  minimizeBounded,
  powerLawEta,
  specFormEta,
  specToSigma,
} from '../../pipeline/math/amdahl.ts';
import { createRng } from '../../pipeline/math/rng.ts';

const NS = [1, 2, 3, 4, 6, 8, 12, 16];

/** η points from a known curve with multiplicative noise of relative sd `noise` (uniform ±√3·sd). */
function curvePoints(curve: (n: number) => number, noise: number, seed: string): EtaPoint[] {
  const rng = createRng(seed);
  return NS.map((n) => ({ n, eta: curve(n) * (1 + noise * Math.sqrt(3) * (2 * rng() - 1)), weight: 1 }));
}

describe('amdahlEta', () => {
  it('amdahlEta(σ, 1) is exactly 1 for any σ', () => {
    for (const sigma of [0, 1e-9, 0.1, 0.187, 0.5, 0.813, 1]) expect(amdahlEta(sigma, 1)).toBe(1);
  });

  it('amdahlEta(0, N) is 1 (perfect scaling) and amdahlEta(1, N) is 1/N (fully serial)', () => {
    expect(amdahlEta(0, 8)).toBe(1);
    expect(amdahlEta(1, 8)).toBeCloseTo(1 / 8, 12);
  });

  it('amdahlEta(σ, N) equals speedup/N with speedup 1/(σ + (1 − σ)/N)', () => {
    const sigma = 0.3;
    for (const n of [2, 4, 8]) expect(amdahlEta(sigma, n)).toBeCloseTo(1 / (sigma + (1 - sigma) / n) / n, 12);
  });
});

describe('specFormEta', () => {
  test.prop([fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 1e4, noNaN: true })])(
    "specFormEta(s, N) equals amdahlEta(1 − s, N): the spec's s is 1 − σ",
    (s, n) => {
      expect(specFormEta(s, n)).toBeCloseTo(amdahlEta(specToSigma(s), n), 10);
    },
  );

  it("specToSigma(0.813) is 0.187: TR133's 'inflated' vLLM value is good scaling in the standard form", () => {
    expect(specToSigma(0.813)).toBeCloseTo(0.187, 12);
    // η(8) = 1/(1 + 7·0.187) ≈ 0.433, against 1/(1 + 7·0.813) ≈ 0.149 if s were read as σ.
    expect(amdahlEta(specToSigma(0.813), 8)).toBeCloseTo(0.433, 3);
    expect(amdahlEta(0.813, 8)).toBeCloseTo(0.149, 3);
  });
});

describe('TR133 §6.2 table', () => {
  const rows = parse(readFileSync('datasets/reference/tr133_serial_fractions.csv', 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  const continuous = rows.filter((r) => r.Backend !== 'ollama');

  it('its η(2/4/8) columns for vLLM/TGI are 1/(sN + 1 − s): the table put s in the standard σ slot', () => {
    expect(continuous).toHaveLength(6);
    for (const r of continuous) {
      const s = Number(r['Serial Fraction (s)']);
      for (const n of [2, 4, 8]) {
        const table = Number(r[`eta(${n})`]);
        expect(Math.abs(amdahlEta(s, n) - table)).toBeLessThan(0.015);
        // The spec's written form 1/(s + (1 − s)N), i.e. σ = 1 − s, is far from these columns.
        expect(Math.abs(specFormEta(s, n) - table)).toBeGreaterThan(0.25);
      }
    }
  });

  it('the measured TR130 vLLM/TGI curves follow σ = 1 − s, not σ = s', () => {
    const curves = parse(readFileSync('datasets/corpus/scaling.csv', 'utf8'), {
      columns: true,
      bom: true,
    }) as Record<string, string>[];
    for (const r of continuous) {
      const points = curves.filter(
        (c) => c.source_tr === 'TR130' && c.backend === r.Backend && c.model === r.Model,
      );
      expect(points).toHaveLength(4);
      const s = Number(r['Serial Fraction (s)']);
      const rmse = (sigma: number) =>
        Math.sqrt(
          points.reduce((acc, p) => acc + (Number(p.eta) - amdahlEta(sigma, Number(p.n_agents))) ** 2, 0) /
            points.length,
        );
      expect(rmse(specToSigma(s))).toBeLessThan(0.05);
      expect(rmse(s)).toBeGreaterThan(0.2);
    }
  });

  it("the spec's vLLM/TGI defaults 0.15/0.20 (its form) lie below every measured s", () => {
    const measured = rows.map((r) => Number(r['Serial Fraction (s)']));
    expect(Math.min(...measured)).toBeGreaterThan(0.2);
    expect(Math.min(...measured)).toBeCloseTo(0.387, 3);
  });
});

describe('powerLawEta', () => {
  it('powerLawEta(α, 1) is exactly 1 and powerLawEta(1, N) is 1/N', () => {
    for (const alpha of [0, 0.2, 1, 3]) expect(powerLawEta(alpha, 1)).toBe(1);
    expect(powerLawEta(1, 8)).toBeCloseTo(0.125, 12);
    expect(powerLawEta(0.5, 4)).toBeCloseTo(0.5, 12);
  });
});

describe('minimizeBounded', () => {
  it('minimizeBounded(f, lo, hi) finds an interior minimum to 1e-8', () => {
    expect(minimizeBounded((x) => (x - 0.3) ** 2, 0, 1)).toBeCloseTo(0.3, 8);
    expect(minimizeBounded((x) => Math.cosh(x - 2.2), 0, 3)).toBeCloseTo(2.2, 6);
  });

  it('minimizeBounded(f, lo, hi) returns the bound when f is monotone', () => {
    expect(minimizeBounded((x) => x, 0, 1)).toBeCloseTo(0, 10);
    expect(minimizeBounded((x) => -x, 0, 1)).toBeCloseTo(1, 10);
  });

  it('minimizeBounded(f, lo, hi) treats non-finite values as +∞ and returns lo for an empty interval', () => {
    expect(minimizeBounded((x) => (x < 0.5 ? Number.NaN : (x - 0.7) ** 2), 0, 1)).toBeCloseTo(0.7, 8);
    expect(minimizeBounded((x) => x, 2, 2)).toBe(2);
  });
});

describe('fitSerialFraction', () => {
  const problems = [0, 0.05, 0.187, 0.45, 0.62, 1];
  for (const sigma of problems) {
    // Near σ = 1 the curve is least sensitive to σ (|∂η/∂σ| = (N − 1)η²), hence 0.03 rather than 0.02.
    it(`fitSerialFraction(points) recovers σ = ${sigma} from 2%-noise data within 0.03`, () => {
      const fit = fitSerialFraction(curvePoints((n) => amdahlEta(sigma, n), 0.02, `amdahl-${sigma}`));
      expect(fit.identified).toBe(true);
      expect(Math.abs(fit.value - sigma)).toBeLessThan(0.03);
    });
  }

  it('fitSerialFraction(points) is exact on clean data', () => {
    expect(fitSerialFraction(curvePoints((n) => amdahlEta(0.3, n), 0, 'clean')).value).toBeCloseTo(0.3, 8);
  });

  it('fitSerialFraction(points) weights points by their weight', () => {
    const points = [
      { n: 4, eta: amdahlEta(0.2, 4), weight: 1000 },
      { n: 4, eta: amdahlEta(0.8, 4), weight: 1 },
    ];
    expect(fitSerialFraction(points).value).toBeLessThan(0.21);
  });

  it('fitSerialFraction([]) and N = 1-only data are unidentified with σ = 0 and zero SSE', () => {
    expect(fitSerialFraction([])).toEqual({ value: 0, sse: 0, weight: 0, points: 0, identified: false });
    const only1 = fitSerialFraction([{ n: 1, eta: 1.02, weight: 2 }]);
    expect(only1.identified).toBe(false);
    expect(Number.isFinite(only1.sse)).toBe(true);
  });

  it('fitSerialFraction(points) fits one N > 1 value exactly and clamps super-linear η to σ = 0', () => {
    expect(fitSerialFraction([{ n: 4, eta: 0.5, weight: 1 }]).value).toBeCloseTo(1 / 3, 8);
    expect(fitSerialFraction([{ n: 4, eta: 1.2, weight: 1 }]).value).toBeCloseTo(0, 8);
    expect(fitSerialFraction([{ n: 4, eta: 0.01, weight: 1 }]).value).toBeCloseTo(1, 8);
  });

  it('fitSerialFraction(points) ignores non-finite, N < 1, η ≤ 0 and zero-weight points', () => {
    const fit = fitSerialFraction([
      { n: 4, eta: 0.5, weight: 1 },
      { n: Number.NaN, eta: 0.1, weight: 1 },
      { n: 0.5, eta: 0.1, weight: 1 },
      { n: 8, eta: -1, weight: 1 },
      { n: 8, eta: 0.01, weight: 0 },
    ]);
    expect(fit.points).toBe(1);
    expect(fit.value).toBeCloseTo(1 / 3, 8);
  });
});

describe('fitPowerLawExponent', () => {
  for (const alpha of [0, 0.17, 0.35, 0.7, 1.2]) {
    it(`fitPowerLawExponent(points) recovers α = ${alpha} from 2%-noise data within 0.02`, () => {
      const fit = fitPowerLawExponent(curvePoints((n) => powerLawEta(alpha, n), 0.02, `pow-${alpha}`));
      expect(Math.abs(fit.value - alpha)).toBeLessThan(0.02);
    });
  }

  it('fitPowerLawExponent(points, alphaMax) stays within [0, alphaMax]', () => {
    expect(fitPowerLawExponent([{ n: 2, eta: 1e-6, weight: 1 }], 2).value).toBeCloseTo(2, 8);
    expect(fitPowerLawExponent([{ n: 2, eta: 1.5, weight: 1 }], 2).value).toBeCloseTo(0, 8);
  });
});

describe('one-parameter fits by sufficient statistics', () => {
  const perPointSse = (points: { n: number; eta: number; weight: number }[], f: (n: number) => number) =>
    points.reduce((s, p) => s + p.weight * (p.eta - f(p.n)) ** 2, 0);

  test.prop([
    fc.array(
      fc.record({
        n: fc.constantFrom(1, 2, 4, 8, 16),
        eta: fc.double({ min: 0.05, max: 1.2, noNaN: true }),
        weight: fc.double({ min: 0.1, max: 10, noNaN: true }),
      }),
      { minLength: 1, maxLength: 60 },
    ),
  ])(
    'the reported SSE is the per-point weighted SSE at the fitted value, and no grid value beats it',
    (points) => {
      for (const [fit, curve] of [
        [fitSerialFraction(points), amdahlEta],
        [fitPowerLawExponent(points), powerLawEta],
      ] as const) {
        const sse = perPointSse(points, (n) => curve(fit.value, n));
        expect(fit.sse).toBeCloseTo(sse, 9);
        const hi = curve === amdahlEta ? 1 : 3;
        for (let i = 0; i <= 50; i++) {
          expect(fit.sse).toBeLessThanOrEqual(perPointSse(points, (n) => curve((i / 50) * hi, n)) + 1e-9);
        }
      }
    },
  );
});
