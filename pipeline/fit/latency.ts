/**
 * Latency model (TR133 §9): a per-(model, backend) service time S plus M/D/1 queueing.
 *
 * Fit: S = weighted median of the single-request (concurrency 1, closed-loop) latencies of each
 * (model, backend) pair, in ms (`service_times`), weights = samples behind each published mean.
 * Predict: S (measured, or avgOutputTokens / tokPerS · 1000 when derived from throughput), then
 *   C = N·η(N)/S,  ρ = λ/C,  W = ρ / (2C(1 − ρ)),  p95 = S + k·W
 * with status `ok` (ρ < cap), `infeasible` (cap ≤ ρ < 1: numbers reported, configuration rejected) or
 * `saturated` (ρ ≥ 1: no finite wait exists, so waitMs and p95Ms are null). Outputs are never negative
 * or infinite.
 */

import { z } from 'zod';
import { extent } from '../math/extent.ts';
import { md1Wait, serviceCapacity, tailLatency } from '../math/queue.ts';
import { weightedMedian } from '../math/robust.ts';
import type { LatencyRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict } from '../util/keys.ts';
import { type Diagnostics, type FitResult, type Provenance, residualSummary } from './types.ts';

/**
 * How the service time is chosen when both a measured value and a throughput are available:
 * - `quant_aware`: the measured time when the pair is measured and the query's quant (if given) is one
 *   of the quants behind that measurement; otherwise the throughput-derived time; otherwise the measured
 *   time for another quant (provenance `extrapolated`).
 * - `measured_first`: the measured time whenever the pair is measured, else throughput-derived.
 * - `throughput_first`: the throughput-derived time whenever `tokPerS` is given (TR133 §9.2's planner rule).
 */
export type ServiceTimeRule = 'quant_aware' | 'measured_first' | 'throughput_first';

export const SERVICE_TIME_RULES: readonly ServiceTimeRule[] = [
  'quant_aware',
  'measured_first',
  'throughput_first',
];

const finite = z.number();
const nonNegative = z.number().nonnegative();

export const LatencyCoefficientsSchema = z.strictObject({
  /** Weighted median single-request latency per `model|backend`, ms. */
  service_times: z.record(z.string(), z.number().positive()),
  /** Utilisation cap: ρ at or above it is infeasible (reference key name; TR133 §9.3). */
  safety_factor: z.number().gt(0).lt(1),
  /** k in p95 = S + k·W. */
  tail_factor: z.number().positive(),
  /** Output tokens per request for the throughput-derived service time. */
  avg_output_tokens: z.number().positive(),
  service_time_rule: z.enum(SERVICE_TIME_RULES as [ServiceTimeRule, ...ServiceTimeRule[]]),
  /** Canonical quants behind each measured service time (sorted), for the `quant_aware` rule. */
  service_time_quants: z.record(z.string(), z.array(z.string())),
  /** Spread of the measurements behind each service time. */
  service_time_stats: z.record(
    z.string(),
    z.strictObject({
      records: z.number().int().nonnegative(),
      weight: nonNegative,
      min: finite,
      max: finite,
    }),
  ),
  /** Latency metrics that count as single-request service times. */
  service_metrics: z.array(z.string()),
  fitted: z.boolean(),
});
export type LatencyCoefficients = z.infer<typeof LatencyCoefficientsSchema>;

/** Options of `fitLatency`. */
export interface LatencyOptions {
  /**
   * Record `metric` values treated as end-to-end single-request latency.
   * @default ['wall_ms']
   */
  readonly serviceMetrics?: readonly string[];
  /**
   * Utilisation cap (config `defaults.utilisation_cap`).
   * @default 0.7
   */
  readonly utilisationCap?: number;
  /**
   * Tail factor k in p95 = S + k·W (config `defaults.tail_factor`).
   * @default 3
   */
  readonly tailFactor?: number;
  /**
   * Output tokens per request for throughput-derived service times (config `defaults.avg_output_tokens`).
   * @default 128
   */
  readonly avgOutputTokens?: number;
  /**
   * Service-time rule stored in the coefficients (queries may override it).
   * @default 'quant_aware'
   */
  readonly rule?: ServiceTimeRule;
}

export const DEFAULT_LATENCY_OPTIONS: Required<LatencyOptions> = {
  serviceMetrics: ['wall_ms'],
  utilisationCap: 0.7,
  tailFactor: 3,
  avgOutputTokens: 128,
  rule: 'quant_aware',
};

/** Applies defaults and checks ranges; a bad option is a `PipelineError`. */
export function resolveLatencyOptions(options: LatencyOptions = {}): Required<LatencyOptions> {
  const o = { ...DEFAULT_LATENCY_OPTIONS, ...definedOnly(options) };
  if (!(o.utilisationCap > 0 && o.utilisationCap < 1)) {
    throw new PipelineError('options', `latency: utilisationCap must be in (0, 1), got ${o.utilisationCap}`);
  }
  if (!(o.tailFactor > 0 && Number.isFinite(o.tailFactor))) {
    throw new PipelineError('options', `latency: tailFactor must be a positive number, got ${o.tailFactor}`);
  }
  if (!(o.avgOutputTokens > 0 && Number.isFinite(o.avgOutputTokens))) {
    throw new PipelineError(
      'options',
      `latency: avgOutputTokens must be a positive number, got ${o.avgOutputTokens}`,
    );
  }
  if (!SERVICE_TIME_RULES.includes(o.rule)) {
    throw new PipelineError('options', `latency: rule must be one of ${SERVICE_TIME_RULES.join(', ')}`);
  }
  return o;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** True for a record that measures a single request in isolation (the service time). */
function isServiceRecord(r: LatencyRecord, metrics: ReadonlySet<string>): boolean {
  return (
    metrics.has(r.metric) &&
    r.concurrency === 1 &&
    r.arrivalRate === null &&
    Number.isFinite(r.ms) &&
    r.ms > 0 &&
    Number.isFinite(r.weight) &&
    r.weight > 0
  );
}

/**
 * `fitLatency(train, options)` computes the weighted median service time per (model, backend) from the
 * single-request records (metric in `serviceMetrics`, concurrency 1, no arrival rate). Other records
 * are ignored (they are queueing measurements, not service times).
 * @example fitLatency(records).coefficients.service_times['llama3.2-1b|ollama'] // e.g. 722
 */
export function fitLatency(
  train: readonly LatencyRecord[],
  options: LatencyOptions = {},
): FitResult<LatencyCoefficients> {
  const o = resolveLatencyOptions(options);
  const metrics = new Set(o.serviceMetrics);
  type Pair = { key: string; ms: number[]; weights: number[]; quants: Set<string> };
  const groups: Pair[] = [];
  // model → backend → pair, with the last pair remembered: no key or closure per record.
  const byPair = new Map<string, Map<string, Pair>>();
  let last: Pair | null = null;
  let lastModel = '';
  let lastBackend = '';
  let skipped = 0;
  for (const r of train) {
    if (!isServiceRecord(r, metrics)) {
      skipped++;
      continue;
    }
    let pair: Pair | null = last;
    if (pair === null || r.model !== lastModel || r.backend !== lastBackend) {
      let byBackend = byPair.get(r.model);
      if (!byBackend) {
        byBackend = new Map();
        byPair.set(r.model, byBackend);
      }
      pair = byBackend.get(r.backend) ?? null;
      if (!pair) {
        pair = { key: compositeKey(r.model, r.backend), ms: [], weights: [], quants: new Set<string>() };
        byBackend.set(r.backend, pair);
        groups.push(pair);
      }
      last = pair;
      lastModel = r.model;
      lastBackend = r.backend;
    }
    pair.ms.push(r.ms);
    pair.weights.push(r.weight);
    pair.quants.add(r.quant);
  }

  const serviceTimes = dict<number>();
  const quants = dict<string[]>();
  const stats = dict<LatencyCoefficients['service_time_stats'][string]>();
  const residuals: number[] = [];
  groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { key, ms, weights, quants: seen } of groups) {
    const median = weightedMedian(ms, weights);
    serviceTimes[key] = median;
    quants[key] = [...seen].sort();
    let weight = 0;
    for (const w of weights) weight += w;
    const [min, max] = extent(ms)!;
    stats[key] = { records: ms.length, weight, min, max };
    for (const y of ms) residuals.push(median - y);
  }

  const pairs = Object.keys(serviceTimes).length;
  const notes: string[] = [
    `service time = weighted median of ${o.serviceMetrics.join('/')} at concurrency 1 without an arrival rate`,
    `${skipped} of ${train.length} latency records are not single-request service times and were not used`,
  ];
  if (pairs === 0) notes.push('no service times: every query needs tokPerS (throughput-derived time)');
  const status: Diagnostics['status'] = train.length === 0 ? 'empty' : pairs === 0 ? 'fallback' : 'fitted';
  return {
    coefficients: {
      service_times: serviceTimes,
      safety_factor: o.utilisationCap,
      tail_factor: o.tailFactor,
      avg_output_tokens: o.avgOutputTokens,
      service_time_rule: o.rule,
      service_time_quants: quants,
      service_time_stats: stats,
      service_metrics: [...o.serviceMetrics],
      fitted: pairs > 0,
    },
    diagnostics: {
      n: residuals.length,
      converged: true,
      status,
      residuals: residualSummary(residuals),
      notes,
    },
  };
}

/** A latency question: which deployment, how loaded. */
export interface LatencyQuery {
  readonly model: string;
  readonly backend: string;
  /** Canonical quant of the deployment, used by the `quant_aware` rule. */
  readonly quant?: string;
  /** Single-stream decode throughput (tok/s) for the throughput-derived service time. */
  readonly tokPerS?: number;
  /** Output tokens per request; defaults to the coefficients' `avg_output_tokens`. */
  readonly avgOutputTokens?: number;
  /** Instances (or concurrent agents) serving the stream, N ≥ 1. */
  readonly n: number;
  /** Per-agent efficiency η(N) ∈ (0, 1] at this N (from the scaling model). */
  readonly eta: number;
  /** Poisson arrival rate λ in requests per second, ≥ 0. */
  readonly requestRate: number;
  /** ρ at or above this is infeasible; defaults to the coefficients' `safety_factor`. */
  readonly utilisationCap?: number;
  /** k in p95 = S + k·W; defaults to the coefficients' `tail_factor`. */
  readonly tailFactor?: number;
  /** Overrides the coefficients' `service_time_rule`. */
  readonly rule?: ServiceTimeRule;
}

export type LatencyStatus = 'ok' | 'infeasible' | 'saturated';

export interface LatencyPrediction {
  readonly serviceMs: number;
  /** Where S came from. */
  readonly serviceSource: 'measured' | 'throughput';
  /** Aggregate capacity C = N·η/S in requests per second. */
  readonly capacityRps: number;
  readonly rho: number;
  /** M/D/1 mean wait in ms; null when saturated. */
  readonly waitMs: number | null;
  /** S + k·W in ms; null when saturated. */
  readonly p95Ms: number | null;
  readonly status: LatencyStatus;
  /** `measured` (this pair's service time), `derived` (from throughput), `extrapolated` (another quant's). */
  readonly provenance: Provenance;
}

function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function positiveOrThrow(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new PipelineError('argument', `latency: ${name} must be a positive finite number, got ${value}`);
  }
}

/** The service time (ms) a query resolves to, and how. Throws when neither source is available. */
export function resolveServiceTime(
  coefficients: LatencyCoefficients,
  query: Pick<LatencyQuery, 'model' | 'backend' | 'quant' | 'tokPerS' | 'avgOutputTokens' | 'rule'>,
): {
  readonly serviceMs: number;
  readonly source: 'measured' | 'throughput';
  readonly provenance: Provenance;
} {
  positiveOrThrow('tokPerS', query.tokPerS);
  positiveOrThrow('avgOutputTokens', query.avgOutputTokens);
  const key = compositeKey(query.model, query.backend);
  const measured = own(coefficients.service_times, key);
  const tokens = query.avgOutputTokens ?? coefficients.avg_output_tokens;
  const derived = query.tokPerS === undefined ? undefined : (tokens / query.tokPerS) * 1000;
  const rule = query.rule ?? coefficients.service_time_rule;
  const fromMeasured = (provenance: Provenance) =>
    ({ serviceMs: measured!, source: 'measured', provenance }) as const;
  const fromThroughput = () =>
    ({ serviceMs: derived!, source: 'throughput', provenance: 'derived' }) as const;

  if (rule === 'throughput_first') {
    if (derived !== undefined) return fromThroughput();
    if (measured !== undefined) return fromMeasured('measured');
  } else if (rule === 'measured_first') {
    if (measured !== undefined) return fromMeasured('measured');
    if (derived !== undefined) return fromThroughput();
  } else {
    const quants = own(coefficients.service_time_quants, key) ?? [];
    const quantMatches = query.quant === undefined || quants.includes(query.quant);
    if (measured !== undefined && quantMatches) return fromMeasured('measured');
    if (derived !== undefined) return fromThroughput();
    if (measured !== undefined) return fromMeasured('extrapolated');
  }
  throw new PipelineError(
    'argument',
    `latency: no measured service time for ${query.model} on ${query.backend} and no tokPerS given`,
  );
}

/**
 * `predictLatency(coefficients, query)` runs the M/D/1 approximation for N instances at λ req/s.
 * @example
 * // S = 1000 ms, N = 1, η = 1, λ = 0.5 req/s ⇒ C = 1, ρ = 0.5, W = 500 ms, p95 = 2500 ms
 * predictLatency(c, { model: 'm', backend: 'b', tokPerS: 128, n: 1, eta: 1, requestRate: 0.5 })
 */
export function predictLatency(coefficients: LatencyCoefficients, query: LatencyQuery): LatencyPrediction {
  if (!(Number.isFinite(query.n) && query.n >= 1)) {
    throw new PipelineError('argument', `latency: n must be a finite number ≥ 1, got ${query.n}`);
  }
  if (!(Number.isFinite(query.eta) && query.eta > 0 && query.eta <= 1)) {
    throw new PipelineError('argument', `latency: eta must be in (0, 1], got ${query.eta}`);
  }
  if (!(Number.isFinite(query.requestRate) && query.requestRate >= 0)) {
    throw new PipelineError(
      'argument',
      `latency: requestRate must be a finite number ≥ 0, got ${query.requestRate}`,
    );
  }
  const cap = query.utilisationCap ?? coefficients.safety_factor;
  if (!(cap > 0 && cap <= 1)) {
    throw new PipelineError('argument', `latency: utilisationCap must be in (0, 1], got ${cap}`);
  }
  const tail = query.tailFactor ?? coefficients.tail_factor;
  if (!(Number.isFinite(tail) && tail >= 0)) {
    throw new PipelineError('argument', `latency: tailFactor must be a finite number ≥ 0, got ${tail}`);
  }
  const service = resolveServiceTime(coefficients, query);
  const capacityRps = serviceCapacity(service.serviceMs / 1000, query.n, query.eta);
  const { rho, wait } = md1Wait(query.requestRate, capacityRps);
  const waitMs = wait === null ? null : wait * 1000;
  const status: LatencyStatus = waitMs === null ? 'saturated' : rho >= cap ? 'infeasible' : 'ok';
  return {
    serviceMs: service.serviceMs,
    serviceSource: service.source,
    capacityRps,
    rho,
    waitMs,
    p95Ms: waitMs === null ? null : tailLatency(service.serviceMs, waitMs, tail),
    status,
    provenance: service.provenance,
  };
}

/** Prediction for one single-request latency record, for validation. */
export interface LatencyRecordPrediction {
  /** `ok` with a prediction, or `insufficient` (unseen pair and no throughput given). */
  readonly status: 'ok' | 'insufficient';
  readonly predictedMs: number | null;
  readonly actualMs: number;
  readonly source: 'measured' | 'throughput' | null;
}

/**
 * `predictLatencyRecord(coefficients, record, { tokPerS })` predicts a single-request record's latency:
 * the pair's service time when the (model, backend) pair was fitted, else the throughput-derived time
 * avgOutputTokens / tokPerS · 1000 from the caller's throughput prediction for that configuration.
 * @example predictLatencyRecord(c, rec).predictedMs // the pair's weighted median wall_ms
 */
export function predictLatencyRecord(
  coefficients: LatencyCoefficients,
  record: LatencyRecord,
  options: { readonly tokPerS?: number; readonly avgOutputTokens?: number } = {},
): LatencyRecordPrediction {
  const measured = own(coefficients.service_times, compositeKey(record.model, record.backend));
  if (measured !== undefined) {
    return { status: 'ok', predictedMs: measured, actualMs: record.ms, source: 'measured' };
  }
  const { tokPerS } = options;
  if (tokPerS === undefined || !(Number.isFinite(tokPerS) && tokPerS > 0)) {
    return { status: 'insufficient', predictedMs: null, actualMs: record.ms, source: null };
  }
  const tokens = options.avgOutputTokens ?? coefficients.avg_output_tokens;
  return { status: 'ok', predictedMs: (tokens / tokPerS) * 1000, actualMs: record.ms, source: 'throughput' };
}
