/**
 * Cost model (TR133 §8): algebra, no curve.
 *   $/1M tokens = rate ($/h) ÷ (tok/s × 3600) × 10⁶
 *   $/h (fleet) = rate × instances,  monthly = $/h (fleet) × 720   (24 h × 30 days)
 * `tokPerS` is one instance's throughput, so $/1M tokens does not depend on the instance count.
 *
 * Nothing is fitted into the formula. The fit records the configured default rate and, as a check on the
 * data, the hourly rate each GPU's cost records imply (usd_per_1m × tok/s × 3600 / 10⁶, weighted median
 * per GPU) from records that carry both numbers. `predictCostRecord` recomputes a record's $/1M from its
 * own tok/s and hourly rate so validation can score the formula.
 */

import { z } from 'zod';
import { extent } from '../math/extent.ts';
import { weightedMedian } from '../math/robust.ts';
import type { CostRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { dict } from '../util/keys.ts';
import type { Diagnostics, FitResult } from './types.ts';
import { residualSummary } from './types.ts';

/** Hours in the billing month the spec uses (24 × 30). */
export const HOURS_PER_MONTH = 720;

export const CostCoefficientsSchema = z.strictObject({
  /** Hourly cost used when the query gives none (config `defaults.hw_cost_per_hour`). */
  hw_cost_per_hour: z.number().nonnegative(),
  hours_per_month: z.number().positive(),
  /** Hourly rate implied by records with both $/1M and tok/s, per GPU (weighted median), with counts. */
  implied_rates: z.record(
    z.string(),
    z.strictObject({
      rate: z.number().nonnegative(),
      records: z.number().int().positive(),
      min: z.number().nonnegative(),
      max: z.number().nonnegative(),
    }),
  ),
  /** Record metrics the implied rates were computed from. */
  implied_rate_metrics: z.array(z.string()),
  /** True when any record contributed (implied rates); the formula itself is never fitted. */
  fitted: z.boolean(),
});
export type CostCoefficients = z.infer<typeof CostCoefficientsSchema>;

/** Options of `fitCost`. */
export interface CostOptions {
  /**
   * Default hourly rate in USD (config `defaults.hw_cost_per_hour`; TR133 §8.2 reference RTX 4080 rate).
   * @default 0.035
   */
  readonly hwCostPerHour?: number;
  /**
   * Cost metrics whose $/1M is pure decode cost, so that rate = $/1M × tok/s × 3600 / 10⁶ holds.
   * @default ['per_1m_tokens', 'decode']
   */
  readonly impliedRateMetrics?: readonly string[];
}

export const DEFAULT_COST_OPTIONS: Required<CostOptions> = {
  hwCostPerHour: 0.035,
  impliedRateMetrics: ['per_1m_tokens', 'decode'],
};

/** Applies defaults and checks ranges; a bad option is a `PipelineError`. */
export function resolveCostOptions(options: CostOptions = {}): Required<CostOptions> {
  const o: Required<CostOptions> = {
    hwCostPerHour: options.hwCostPerHour ?? DEFAULT_COST_OPTIONS.hwCostPerHour,
    impliedRateMetrics: options.impliedRateMetrics ?? DEFAULT_COST_OPTIONS.impliedRateMetrics,
  };
  if (!(Number.isFinite(o.hwCostPerHour) && o.hwCostPerHour >= 0)) {
    throw new PipelineError(
      'options',
      `cost: hwCostPerHour must be a finite number ≥ 0, got ${o.hwCostPerHour}`,
    );
  }
  return o;
}

/**
 * `usdPerMillionTokens(rate, tokPerS)` = rate ÷ (tok/s × 3600) × 10⁶.
 * @example usdPerMillionTokens(0.035, 100) // ≈ 0.0972
 */
export function usdPerMillionTokens(hourlyRate: number, tokPerS: number): number {
  return (hourlyRate / (tokPerS * 3600)) * 1e6;
}

/**
 * `fitCost(train, options)` stores the default rate and the per-GPU implied hourly rates; diagnostics
 * score the formula on records that carry their own rate and throughput.
 * @example fitCost([], { hwCostPerHour: 0.035 }).coefficients.hw_cost_per_hour // 0.035
 */
export function fitCost(
  train: readonly CostRecord[],
  options: CostOptions = {},
): FitResult<CostCoefficients> {
  const o = resolveCostOptions(options);
  const metrics = new Set(o.impliedRateMetrics);
  const byGpu = new Map<string, { value: number; weight: number }[]>();
  for (const r of train) {
    if (!metrics.has(r.metric)) continue;
    if (r.tokPerS === null || !(r.tokPerS > 0) || !(r.usdPer1M >= 0) || !Number.isFinite(r.usdPer1M))
      continue;
    if (!Number.isFinite(r.tokPerS) || !(r.weight > 0)) continue;
    const rate = (r.usdPer1M * r.tokPerS * 3600) / 1e6;
    const list = byGpu.get(r.gpu) ?? [];
    list.push({ value: rate, weight: r.weight });
    byGpu.set(r.gpu, list);
  }
  const implied = dict<CostCoefficients['implied_rates'][string]>();
  for (const gpu of [...byGpu.keys()].sort()) {
    const list = byGpu.get(gpu)!;
    implied[gpu] = {
      rate: weightedMedian(
        list.map((i) => i.value),
        list.map((i) => i.weight),
      ),
      records: list.length,
      min: extent(list.map((i) => i.value))![0],
      max: extent(list.map((i) => i.value))![1],
    };
  }

  const coefficients: CostCoefficients = {
    hw_cost_per_hour: o.hwCostPerHour,
    hours_per_month: HOURS_PER_MONTH,
    implied_rates: implied,
    implied_rate_metrics: [...o.impliedRateMetrics],
    fitted: byGpu.size > 0,
  };
  const errors: number[] = [];
  for (const r of train) {
    const p = predictCostRecord(coefficients, r);
    if (p.status === 'ok') errors.push(p.usdPer1M! - r.usdPer1M);
  }
  const notes = [
    `${errors.length} of ${train.length} cost records carry both tok/s and an hourly rate (formula check)`,
  ];
  for (const gpu of Object.keys(implied)) {
    const i = implied[gpu]!;
    notes.push(`${gpu}: implied rate ${i.rate.toFixed(4)} $/h from ${i.records} records`);
  }
  const status: Diagnostics['status'] = train.length === 0 ? 'empty' : 'fitted';
  return {
    coefficients,
    diagnostics: { n: errors.length, converged: true, status, residuals: residualSummary(errors), notes },
  };
}

export interface CostQuery {
  /** One instance's decode throughput, tok/s (> 0). */
  readonly tokPerS: number;
  /** Hourly rate of one instance (the GPU registry's `costPerHour`); defaults to `hw_cost_per_hour`. */
  readonly hwCostPerHour?: number;
  /** Instances running 24/7. @default 1 */
  readonly instances?: number;
}

export interface CostPrediction {
  readonly usdPer1M: number;
  /** Fleet hourly cost: rate × instances. */
  readonly usdPerHour: number;
  /** Fleet monthly cost: rate × instances × 720. */
  readonly monthlyUsd: number;
  /** `query` when the caller gave the rate, `default` when `hw_cost_per_hour` was used. */
  readonly rateSource: 'query' | 'default';
}

/**
 * `predictCost(coefficients, { tokPerS, hwCostPerHour?, instances? })` applies the formula.
 * Throws `PipelineError` for tok/s ≤ 0, a negative rate or a non-positive instance count.
 * @example predictCost(c, { tokPerS: 100, hwCostPerHour: 0.035 }) // { usdPer1M ≈ 0.0972, monthlyUsd: 25.2, ... }
 */
export function predictCost(coefficients: CostCoefficients, query: CostQuery): CostPrediction {
  const { tokPerS } = query;
  if (!(Number.isFinite(tokPerS) && tokPerS > 0)) {
    throw new PipelineError('argument', `cost: tokPerS must be a positive finite number, got ${tokPerS}`);
  }
  const rate = query.hwCostPerHour ?? coefficients.hw_cost_per_hour;
  if (!(Number.isFinite(rate) && rate >= 0)) {
    throw new PipelineError('argument', `cost: hwCostPerHour must be a finite number ≥ 0, got ${rate}`);
  }
  const instances = query.instances ?? 1;
  if (!(Number.isFinite(instances) && instances > 0)) {
    throw new PipelineError('argument', `cost: instances must be a positive number, got ${instances}`);
  }
  const usdPerHour = rate * instances;
  return {
    usdPer1M: usdPerMillionTokens(rate, tokPerS),
    usdPerHour,
    monthlyUsd: usdPerHour * coefficients.hours_per_month,
    rateSource: query.hwCostPerHour === undefined ? 'default' : 'query',
  };
}

export interface CostRecordPrediction {
  /** `ok` when the record has a positive tok/s and a rate (its own, or the default when allowed). */
  readonly status: 'ok' | 'insufficient';
  readonly usdPer1M: number | null;
  readonly actual: number;
  readonly rateSource: 'record' | 'default' | null;
}

/**
 * `predictCostRecord(coefficients, record, { useDefaultRate })` recomputes a record's $/1M from its own
 * tok/s and hourly rate; `insufficient` when either is missing. With `useDefaultRate`, a record without a
 * rate is priced at `hw_cost_per_hour` instead (rateSource `default`).
 * @example predictCostRecord(c, { ...rec, tokPerS: 49.2, hourlyRate: 0.035 }).usdPer1M // ≈ 0.1976
 */
export function predictCostRecord(
  coefficients: CostCoefficients,
  record: CostRecord,
  options: { readonly useDefaultRate?: boolean } = {},
): CostRecordPrediction {
  const tps = record.tokPerS;
  const ownRate = record.hourlyRate !== null && Number.isFinite(record.hourlyRate) && record.hourlyRate >= 0;
  const rate = ownRate ? record.hourlyRate! : options.useDefaultRate ? coefficients.hw_cost_per_hour : null;
  if (tps === null || !(Number.isFinite(tps) && tps > 0) || rate === null) {
    return { status: 'insufficient', usdPer1M: null, actual: record.usdPer1M, rateSource: null };
  }
  return {
    status: 'ok',
    usdPer1M: usdPerMillionTokens(rate, tps),
    actual: record.usdPer1M,
    rateSource: ownRate ? 'record' : 'default',
  };
}
