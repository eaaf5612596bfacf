/**
 * Scores one model's predictions on held-out points against its targets (TR133 §11.2, Appendix C).
 * A target is `pass`, `fail` or `insufficient`: with fewer than 2 points, or when the metric is
 * undefined (R² with constant actuals, MAPE with all-zero actuals), there is no evidence either
 * way and the result says so instead of a fake pass.
 */

import type { TargetSet } from '../config.ts';
import type { Provenance } from '../fit/types.ts';
import { computeMetrics, type Metrics } from '../math/metrics.ts';
import { dict } from '../util/keys.ts';

/** One held-out record with the model's prediction for it. */
export interface ValidationPoint {
  /** The record id (stable across runs). */
  readonly id: string;
  readonly model: string;
  readonly backend: string;
  readonly quant: string;
  readonly gpu: string;
  readonly actual: number;
  readonly predicted: number;
  /** How the prediction was obtained; `measured` means a lookup of a configuration seen in training. */
  readonly provenance: Provenance;
  /** The query inputs that produced the prediction (context, N, ...), for the worst-points table. */
  readonly inputs: Readonly<Record<string, string | number | null>>;
}

export type TargetMetric = 'r2' | 'rmse' | 'mae' | 'mape';
export type TargetOp = '>=' | '<=';
export type TargetStatus = 'pass' | 'fail' | 'insufficient';

/** The target metrics in report order, with the config key and comparison of each. */
export const TARGET_METRICS: readonly { metric: TargetMetric; key: keyof TargetSet; op: TargetOp }[] = [
  { metric: 'r2', key: 'r2_min', op: '>=' },
  { metric: 'rmse', key: 'rmse_max', op: '<=' },
  { metric: 'mae', key: 'mae_max', op: '<=' },
  { metric: 'mape', key: 'mape_max', op: '<=' },
];

export interface TargetResult {
  readonly metric: TargetMetric;
  readonly op: TargetOp;
  readonly target: number;
  /** The achieved value, null when undefined for these points. */
  readonly value: number | null;
  readonly status: TargetStatus;
}

/** A validation point with its errors. */
export interface PointError extends ValidationPoint {
  /** ŷ − y (positive: over-prediction). */
  readonly error: number;
  readonly absError: number;
  /** |ŷ − y| / |y|; null when y = 0. */
  readonly relError: number | null;
}

export interface ModelScore {
  /** Metrics over every scored point. */
  readonly metrics: Metrics;
  /** Metrics per backend, keys sorted. */
  readonly byBackend: Readonly<Record<string, Metrics>>;
  /** Points answered by a lookup of a configuration seen in training (`provenance: 'measured'`). */
  readonly inCorpus: Metrics;
  /** Every other point: derived, extrapolated, default or unknown predictions. */
  readonly outOfSample: Metrics;
  readonly targets: readonly TargetResult[];
  readonly worst: {
    /** Largest |ŷ − y| first. */
    readonly byAbsolute: readonly PointError[];
    /** Largest |ŷ − y| / |y| first (points with y = 0 left out). */
    readonly byRelative: readonly PointError[];
  };
  /** Points left out because the actual or the prediction is not a finite number. */
  readonly skipped: number;
}

export interface ScoreOptions {
  /**
   * How many worst points to keep in each ranking.
   * @default 5
   */
  readonly worstK?: number;
}

export const DEFAULT_SCORE_OPTIONS: Required<ScoreOptions> = { worstK: 5 };

function resolveScoreOptions(options: ScoreOptions): Required<ScoreOptions> {
  const worstK = options.worstK ?? DEFAULT_SCORE_OPTIONS.worstK;
  if (!Number.isInteger(worstK) || worstK < 0) {
    throw new Error(`scoreModel: worstK must be a non-negative integer, got ${worstK}`);
  }
  return { worstK };
}

/**
 * `scoreMetrics(points)` is `scoreModel(points, targets).metrics` alone: the overall metrics over the
 * points whose actual and prediction are finite, without the per-backend, provenance and worst-point
 * breakdowns (what the stability study needs from each of its seeds).
 */
export function scoreMetrics(points: readonly ValidationPoint[]): Metrics {
  return metricsOf(points.filter((p) => Number.isFinite(p.actual) && Number.isFinite(p.predicted)));
}

function metricsOf(points: readonly ValidationPoint[]): Metrics {
  const actual = new Float64Array(points.length);
  const predicted = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    actual[i] = points[i]!.actual;
    predicted[i] = points[i]!.predicted;
  }
  return computeMetrics(actual, predicted);
}

/**
 * Compares metrics with the targets that are set, in `TARGET_METRICS` order: `r2 >= r2_min`,
 * `rmse <= rmse_max`, `mae <= mae_max`, `mape <= mape_max`. Fewer than 2 points, or an undefined
 * metric value, gives `insufficient`.
 * @example evaluateTargets(computeMetrics([1, 2, 3], [1, 2, 3]), { r2_min: 0.95 }) // [{ metric: 'r2', op: '>=', target: 0.95, value: 1, status: 'pass' }]
 */
export function evaluateTargets(metrics: Metrics, targets: TargetSet): TargetResult[] {
  const out: TargetResult[] = [];
  for (const { metric, key, op } of TARGET_METRICS) {
    const target = targets[key];
    if (target === undefined) continue;
    const value = metrics[metric];
    let status: TargetStatus;
    if (metrics.status === 'insufficient' || metrics.n < 2 || value === null) status = 'insufficient';
    else status = (op === '>=' ? value >= target : value <= target) ? 'pass' : 'fail';
    out.push({ metric, op, target, value, status });
  }
  return out;
}

/** Adds the error columns to a point: e = ŷ − y, |e|, |e|/|y| (null when y = 0). */
export function pointError(point: ValidationPoint): PointError {
  const error = point.predicted - point.actual;
  const absError = Math.abs(error);
  return {
    ...point,
    error,
    absError,
    relError: point.actual !== 0 ? absError / Math.abs(point.actual) : null,
  };
}

/**
 * The `k` points with the largest `error`, largest first, ties by id: one pass keeping a sorted
 * list of at most k (no sort of every point), error columns added to the winners only.
 */
function worstOf(
  points: readonly ValidationPoint[],
  k: number,
  error: (p: ValidationPoint) => number,
): PointError[] {
  const top: { p: ValidationPoint; e: number }[] = [];
  const before = (a: { p: ValidationPoint; e: number }, b: { p: ValidationPoint; e: number }) =>
    a.e > b.e || (a.e === b.e && a.p.id < b.p.id);
  for (const p of points) {
    if (k === 0) break;
    const e = error(p);
    // Most points lose to the current k-th: tell before making an entry for them.
    if (top.length === k) {
      const last = top[k - 1]!;
      if (!(e > last.e || (e === last.e && p.id < last.p.id))) continue;
    }
    const item = { p, e };
    let i = top.length === k ? k - 1 : top.length;
    top[i] = item;
    while (i > 0 && before(top[i]!, top[i - 1]!)) {
      const tmp = top[i - 1]!;
      top[i - 1] = top[i]!;
      top[i] = tmp;
      i--;
    }
  }
  return top.map((t) => pointError(t.p));
}

/**
 * Scores a model's validation points: overall metrics (n, R², RMSE, MAE, MAPE, bias), per backend,
 * in-corpus (`provenance === 'measured'`) vs out-of-sample, the targets, and the `worstK` points by
 * absolute and by relative error (ties broken by id, so the ranking is deterministic). Points whose
 * actual or prediction is not finite are counted in `skipped` and left out of every metric.
 */
export function scoreModel(
  points: readonly ValidationPoint[],
  targets: TargetSet,
  options: ScoreOptions = {},
): ModelScore {
  const { worstK } = resolveScoreOptions(options);
  const scored = points.filter((p) => Number.isFinite(p.actual) && Number.isFinite(p.predicted));
  const metrics = metricsOf(scored);

  const groups = new Map<string, ValidationPoint[]>();
  for (const p of scored) {
    const list = groups.get(p.backend);
    if (list) list.push(p);
    else groups.set(p.backend, [p]);
  }
  const byBackend = dict<Metrics>(
    [...groups.keys()].sort().map((backend) => [backend, metricsOf(groups.get(backend)!)] as const),
  );

  const byAbsolute = worstOf(scored, worstK, (p) => Math.abs(p.predicted - p.actual));
  const byRelative = worstOf(
    scored.filter((p) => p.actual !== 0),
    worstK,
    (p) => Math.abs(p.predicted - p.actual) / Math.abs(p.actual),
  );

  return {
    metrics,
    byBackend,
    inCorpus: metricsOf(scored.filter((p) => p.provenance === 'measured')),
    outOfSample: metricsOf(scored.filter((p) => p.provenance !== 'measured')),
    targets: evaluateTargets(metrics, targets),
    worst: { byAbsolute, byRelative },
    skipped: points.length - scored.length,
  };
}

/** What an `insufficient` target counts as in the gate. */
export type InsufficientPolicy = 'not-met' | 'ignore';

export interface GateOptions {
  /**
   * `not-met`: an insufficient target fails the gate (no evidence is not a pass).
   * `ignore`: insufficient targets are reported but do not decide the gate.
   * @default 'not-met'
   */
  readonly insufficient?: InsufficientPolicy;
}

export const DEFAULT_GATE_OPTIONS: Required<GateOptions> = { insufficient: 'not-met' };

/** A target outcome named by its model. */
export interface GateEntry extends TargetResult {
  readonly model: string;
}

export interface GateResult {
  readonly status: 'pass' | 'fail';
  readonly policy: InsufficientPolicy;
  /** Targets evaluated in total. */
  readonly total: number;
  readonly passed: number;
  readonly failed: readonly GateEntry[];
  readonly insufficient: readonly GateEntry[];
}

/**
 * The gate over every model's targets: `pass` only when every target passes; an `insufficient`
 * target counts as not met unless `options.insufficient` is `ignore`. With no targets at all the
 * gate passes (nothing was required). Models are visited in sorted order.
 * @example gateStatus({ vram: { targets: [{ metric: 'r2', op: '>=', target: 0.95, value: 0.97, status: 'pass' }] } }).status // 'pass'
 */
export function gateStatus(
  results: Readonly<Record<string, { readonly targets: readonly TargetResult[] }>>,
  options: GateOptions = {},
): GateResult {
  const policy = options.insufficient ?? DEFAULT_GATE_OPTIONS.insufficient;
  const failed: GateEntry[] = [];
  const insufficient: GateEntry[] = [];
  let total = 0;
  let passed = 0;
  for (const model of Object.keys(results).sort()) {
    for (const t of results[model]!.targets) {
      total++;
      if (t.status === 'pass') passed++;
      else if (t.status === 'fail') failed.push({ model, ...t });
      else insufficient.push({ model, ...t });
    }
  }
  const ok = failed.length === 0 && (policy === 'ignore' || insufficient.length === 0);
  return { status: ok ? 'pass' : 'fail', policy, total, passed, failed, insufficient };
}
