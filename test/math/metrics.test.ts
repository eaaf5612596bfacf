import { describe, expect, it } from 'vitest';
import { computeMetrics } from '../../pipeline/math/metrics.ts';

describe('computeMetrics', () => {
  it('computeMetrics(actual, predicted) gives R², RMSE, MAE, MAPE and bias', () => {
    const m = computeMetrics(Object.freeze([1, 2, 3, 4]), Object.freeze([1, 2, 3, 5]));
    expect(m.n).toBe(4);
    expect(m.rmse).toBeCloseTo(0.5, 10);
    expect(m.mae).toBeCloseTo(0.25, 10);
    expect(m.mape).toBeCloseTo(0.0625, 10);
    expect(m.bias).toBeCloseTo(0.25, 10);
    expect(m.r2).toBeCloseTo(1 - 1 / 5, 10);
    expect(m.status).toBe('ok');
  });

  it('computeMetrics with one point is insufficient and has no R²', () => {
    const m = computeMetrics([3], [4]);
    expect(m.status).toBe('insufficient');
    expect(m.r2).toBeNull();
  });

  it('computeMetrics with constant actuals leaves R² undefined instead of -Infinity', () => {
    const m = computeMetrics([2, 2, 2], [2, 3, 2]);
    expect(m.r2).toBeNull();
    expect(m.rmse).toBeGreaterThan(0);
  });

  it('computeMetrics skips zero actuals in MAPE', () => {
    expect(computeMetrics([0, 2], [1, 3]).mape).toBeCloseTo(0.5, 10);
    expect(computeMetrics([0, 0], [1, 1]).mape).toBeNull();
  });

  it('computeMetrics throws on length mismatch', () => {
    expect(() => computeMetrics([1], [1, 2])).toThrow(/1 actuals but 2 predictions/);
  });
});
