/**
 * How much a model's validation metrics move with the split: given the metrics of K repetitions of
 * split + fit (one per seed), the median and the 10th–90th percentile band of each metric, and how
 * often each target passed. Quantiles are type 7 (linear interpolation between order statistics,
 * the R and NumPy default).
 */

import { quantile } from 'simple-statistics';
import type { TargetSet } from '../config.ts';
import type { Metrics } from '../math/metrics.ts';
import { evaluateTargets, type TargetMetric, type TargetOp } from './score.ts';

/** One repetition: the split seed and the validation metrics it produced. */
export interface StabilityRun {
  readonly seed: string;
  readonly metrics: Metrics;
}

export type StabilityMetric = 'r2' | 'rmse' | 'mae' | 'mape' | 'bias';

export const STABILITY_METRICS: readonly StabilityMetric[] = ['r2', 'rmse', 'mae', 'mape', 'bias'];

export interface MetricSpread {
  /** Runs in which the metric was defined. */
  readonly n: number;
  readonly median: number;
  /** Type-7 10th percentile. */
  readonly p10: number;
  /** Type-7 90th percentile. */
  readonly p90: number;
  readonly min: number;
  readonly max: number;
}

export interface TargetPassRate {
  readonly metric: TargetMetric;
  readonly op: TargetOp;
  readonly target: number;
  readonly passed: number;
  readonly failed: number;
  readonly insufficient: number;
  /** passed / runs (insufficient runs count in the denominator: they did not pass). */
  readonly passRate: number;
}

export interface StabilitySummary {
  /** Number of runs (seeds). */
  readonly runs: number;
  /** Records of the model's category each run split: `used` of the corpus's `total`. */
  readonly records: { readonly used: number; readonly total: number };
  /** Per metric; null when the metric was undefined in every run. */
  readonly metrics: Readonly<Record<StabilityMetric, MetricSpread | null>>;
  readonly targets: readonly TargetPassRate[];
}

const NO_METRICS: Metrics = {
  n: 0,
  r2: null,
  rmse: null,
  mae: null,
  mape: null,
  bias: null,
  status: 'insufficient',
};

/**
 * Type-7 quantile of a sample: with the values sorted ascending as x₀ … x₍ₙ₋₁₎, h = (n − 1)·p,
 * Q(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋). Throws on an empty sample or p outside [0, 1].
 * @example quantileType7([1, 2, 3, 4], 0.1) // 1.3
 */
export function quantileType7(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('quantileType7: empty sample');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantileType7: p must be in [0, 1], got ${p}`);
  // simple-statistics ≥ 7.8.9 implements the type-7 (R/numpy default) method.
  return quantile([...values], p);
}

/** Median, type-7 p10 and p90, min and max of the defined values; null when there are none. */
export function spread(values: readonly (number | null)[]): MetricSpread | null {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (defined.length === 0) return null;
  return {
    n: defined.length,
    median: quantileType7(defined, 0.5),
    p10: quantileType7(defined, 0.1),
    p90: quantileType7(defined, 0.9),
    min: Math.min(...defined),
    max: Math.max(...defined),
  };
}

/**
 * Summarises K runs of one model: the spread of each metric and, for each set target, how many runs
 * passed, failed or had insufficient data (judged exactly as `evaluateTargets` judges one run).
 * @example summariseStability(runs, { r2_min: 0.85 }).targets[0].passRate // 0.8 when 16 of 20 seeds pass
 */
export function summariseStability(
  runs: readonly StabilityRun[],
  targets: TargetSet,
  records: StabilitySummary['records'],
): StabilitySummary {
  const metrics = {} as Record<StabilityMetric, MetricSpread | null>;
  for (const m of STABILITY_METRICS) metrics[m] = spread(runs.map((r) => r.metrics[m]));

  const perRun = runs.map((r) => evaluateTargets(r.metrics, targets));
  // The set targets in order, independent of any run (runs may be empty).
  const template = evaluateTargets(NO_METRICS, targets);
  const rates = template.map(({ metric, op, target }, i): TargetPassRate => {
    let passed = 0;
    let failed = 0;
    let insufficient = 0;
    for (const results of perRun) {
      const status = results[i]!.status;
      if (status === 'pass') passed++;
      else if (status === 'fail') failed++;
      else insufficient++;
    }
    return {
      metric,
      op,
      target,
      passed,
      failed,
      insufficient,
      passRate: runs.length > 0 ? passed / runs.length : 0,
    };
  });
  return { runs: runs.length, records, metrics, targets: rates };
}
