import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { fitCost, predictCost } from '../../pipeline/fit/cost.ts';

const coefficients = fitCost([]).coefficients;

describe('predictCost properties', () => {
  test.prop([
    fc.double({ min: 0.01, max: 1e5, noNaN: true }),
    fc.double({ min: 0, max: 100, noNaN: true }),
    fc.integer({ min: 1, max: 64 }),
  ])(
    'predictCost: $/1M × tok/s × 3600 / 1e6 gives back the rate; monthly = 720 × rate × instances',
    (tps, rate, k) => {
      const p = predictCost(coefficients, { tokPerS: tps, hwCostPerHour: rate, instances: k });
      expect((p.usdPer1M * tps * 3600) / 1e6).toBeCloseTo(rate, 9);
      expect(p.monthlyUsd).toBeCloseTo(rate * k * 720, 6);
      expect(Number.isFinite(p.usdPer1M) && p.usdPer1M >= 0).toBe(true);
    },
  );

  test.prop([fc.double({ min: 0.01, max: 1e5, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true })])(
    'predictCost: more tok/s never costs more per token',
    (tps, factor) => {
      const slow = predictCost(coefficients, { tokPerS: tps });
      const fast = predictCost(coefficients, { tokPerS: tps * factor });
      expect(fast.usdPer1M).toBeLessThanOrEqual(slow.usdPer1M);
    },
  );
});
