import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { quantile } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { computeMetrics, type Metrics } from '../../pipeline/math/metrics.ts';
import {
  quantileType7,
  type StabilityRun,
  spread,
  summariseStability,
} from '../../pipeline/validate/stability.ts';

function metricsWith(r2: number | null, rmse: number | null, n = 10): Metrics {
  return { n, r2, rmse, mae: rmse, mape: null, bias: 0, status: n >= 2 ? 'ok' : 'insufficient' };
}

describe('quantileType7', () => {
  it('quantileType7(values, p) interpolates between order statistics', () => {
    expect(quantileType7([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantileType7([4, 1, 3, 2], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileType7([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileType7([7], 0.9)).toBe(7);
    expect(quantileType7([1, 2, 3], 0)).toBe(1);
    expect(quantileType7([1, 2, 3], 1)).toBe(3);
  });

  it('quantileType7(values, p) throws on an empty sample or p out of range', () => {
    expect(() => quantileType7([], 0.5)).toThrow(/empty/);
    expect(() => quantileType7([1], 1.5)).toThrow(/\[0, 1\]/);
  });

  test.prop([
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  ])('quantileType7(values, p) agrees with simple-statistics (type 7)', (values, p) => {
    const expected = quantile([...values], p);
    expect(quantileType7(values, p)).toBeCloseTo(expected, 6);
  });
});

describe('spread', () => {
  it('spread(values) ignores null and reports median, p10, p90, min, max', () => {
    const s = spread([0.9, null, 0.8, 0.85, 0.95, 0.7])!;
    expect(s.n).toBe(5);
    expect(s.median).toBeCloseTo(0.85, 12);
    expect(s.p10).toBeCloseTo(0.74, 12);
    expect(s.p90).toBeCloseTo(0.93, 12);
    expect(s.min).toBe(0.7);
    expect(s.max).toBe(0.95);
  });

  it('spread(values) is null when nothing is defined', () => {
    expect(spread([null, null])).toBeNull();
    expect(spread([])).toBeNull();
  });
});

const ALL = { used: 10, total: 10 };

describe('summariseStability', () => {
  const r2s = [0.84, 0.86, 0.87, 0.83, 0.9, 0.88, 0.86, 0.85, 0.91, 0.8];
  const runs: StabilityRun[] = r2s.map((r2, i) => ({ seed: String(i), metrics: metricsWith(r2, 10 + i) }));

  it('summariseStability(runs, targets) counts how often each target passes', () => {
    const s = summariseStability(runs, { r2_min: 0.85, rmse_max: 14 }, ALL);
    expect(s.runs).toBe(10);
    expect(s.targets).toEqual([
      { metric: 'r2', op: '>=', target: 0.85, passed: 7, failed: 3, insufficient: 0, passRate: 0.7 },
      { metric: 'rmse', op: '<=', target: 14, passed: 5, failed: 5, insufficient: 0, passRate: 0.5 },
    ]);
  });

  it('summariseStability(runs, targets) gives the type-7 spread of every metric', () => {
    const s = summariseStability(runs, {}, ALL);
    expect(s.metrics.r2!.median).toBeCloseTo(quantile(r2s, 0.5), 12);
    expect(s.metrics.r2!.p10).toBeCloseTo(quantile(r2s, 0.1), 12);
    expect(s.metrics.r2!.p90).toBeCloseTo(quantile(r2s, 0.9), 12);
    expect(s.metrics.mape).toBeNull();
    expect(s.metrics.bias!.median).toBe(0);
  });

  it('summariseStability(runs, targets) counts runs with too little data as insufficient, not passed', () => {
    const mixed: StabilityRun[] = [
      { seed: 'a', metrics: computeMetrics([1, 2, 3], [1, 2, 3]) },
      { seed: 'b', metrics: computeMetrics([1], [1]) },
      { seed: 'c', metrics: computeMetrics([2, 2], [2, 2]) },
    ];
    const [r2] = summariseStability(mixed, { r2_min: 0.5 }, ALL).targets;
    expect(r2).toMatchObject({ passed: 1, failed: 0, insufficient: 2 });
    expect(r2!.passRate).toBeCloseTo(1 / 3, 12);
  });

  it('summariseStability([], targets) lists the targets with no runs', () => {
    const s = summariseStability([], { mape_max: 0.25 }, ALL);
    expect(s.runs).toBe(0);
    expect(s.records).toEqual(ALL);
    expect(s.metrics.r2).toBeNull();
    expect(s.targets).toEqual([
      { metric: 'mape', op: '<=', target: 0.25, passed: 0, failed: 0, insufficient: 0, passRate: 0 },
    ]);
  });
});
