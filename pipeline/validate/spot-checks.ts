/**
 * TR133 §12 spot checks: named predictions compared with a range (`min`/`max`), an exact value
 * (`equals` ± `tolerance`, absolute) or the same quantity for another query (`compare`). Predictions
 * come from a callback, so this module needs no model code; a callback that throws or returns no
 * value makes that check `error`, never a crash and never a pass.
 */

import type { PredictQuery, SpotCheckConfig } from '../config.ts';
import type { Provenance } from '../fit/types.ts';
import { formatNumber } from '../util/markdown.ts';

export type SpotQuantity = SpotCheckConfig['quantity'];

/** What the prediction callback returns. */
export interface QuantityPrediction {
  readonly value: number | null;
  readonly provenance: Provenance;
  readonly note?: string;
}

/** Predicts `quantity` for `query` from the fitted models (supplied by the caller). */
export type PredictQuantity = (quantity: SpotQuantity, query: PredictQuery) => QuantityPrediction;

export interface SpotCheckResult {
  readonly id: string;
  readonly description: string;
  readonly quantity: SpotQuantity;
  /** The prediction for `query`; null when it could not be made. */
  readonly value: number | null;
  readonly provenance: Provenance | null;
  /** For `compare` checks: the prediction for the other query. */
  readonly compareValue: number | null;
  /** Human-readable expectation, e.g. `3–12 GB` or `< tok/s of llama3.2-3b Q4_K_M ollama`. */
  readonly expected: string;
  readonly status: 'pass' | 'fail' | 'error';
  /** What was compared, or why the check could not be evaluated. */
  readonly detail: string;
}

/** Display unit per quantity. */
export const QUANTITY_UNITS: Readonly<Record<SpotQuantity, string>> = {
  vram_gb: 'GB',
  tok_per_s: 'tok/s',
  quality: '',
  eta: '',
  usd_per_1m: 'USD/1M tok',
  monthly_usd: 'USD/month',
  p95_ms: 'ms',
};

const OP_SYMBOL = { lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

/** `value unit` with consistent number formatting. */
function withUnit(value: number, quantity: SpotQuantity): string {
  const unit = QUANTITY_UNITS[quantity];
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/**
 * A compact description of a query: model, then quant, backend, GPU and the numeric options that
 * are set, e.g. `llama3.2-3b FP16 ollama ctx=2048`.
 */
export function describeQuery(query: PredictQuery): string {
  const parts: string[] = [query.model];
  if (query.quant !== undefined) parts.push(query.quant);
  if (query.backend !== undefined) parts.push(query.backend);
  if (query.gpu !== undefined) parts.push(query.gpu);
  if (query.context !== undefined) parts.push(`ctx=${query.context}`);
  if (query.concurrency !== undefined) parts.push(`N=${query.concurrency}`);
  if (query.tok_per_s !== undefined) parts.push(`${formatNumber(query.tok_per_s)} tok/s`);
  if (query.hw_cost_per_hour !== undefined) parts.push(`$${formatNumber(query.hw_cost_per_hour)}/h`);
  return parts.join(' ');
}

/** The `min`/`max` part of an expectation (`3–12 GB`, `>= 3 GB`), or null when neither is set. */
function describeRange(check: SpotCheckConfig): string | null {
  const q = check.quantity;
  if (check.min !== undefined && check.max !== undefined) {
    const unit = QUANTITY_UNITS[q];
    return `${formatNumber(check.min)}–${formatNumber(check.max)}${unit ? ` ${unit}` : ''}`;
  }
  if (check.min !== undefined) return `>= ${withUnit(check.min, q)}`;
  if (check.max !== undefined) return `<= ${withUnit(check.max, q)}`;
  return null;
}

/** The expectation of a check as text, every condition joined with `and`; empty when none is set. */
export function describeExpectation(check: SpotCheckConfig): string {
  const parts: string[] = [];
  const range = describeRange(check);
  if (range !== null) parts.push(range);
  if (check.equals !== undefined) {
    parts.push(`= ${withUnit(check.equals, check.quantity)} ± ${formatNumber(check.tolerance)}`);
  }
  if (check.compare !== undefined) {
    parts.push(`${OP_SYMBOL[check.compare.op]} ${check.quantity} of ${describeQuery(check.compare.query)}`);
  }
  return parts.join(' and ');
}

type Outcome =
  | { ok: true; prediction: QuantityPrediction & { value: number } }
  | { ok: false; reason: string };

function safePredict(predict: PredictQuantity, quantity: SpotQuantity, query: PredictQuery): Outcome {
  let prediction: QuantityPrediction;
  try {
    prediction = predict(quantity, query);
  } catch (err) {
    return { ok: false, reason: `prediction failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  const value = prediction?.value;
  if (value === null || value === undefined) {
    const note = prediction?.note ? `: ${prediction.note}` : '';
    return { ok: false, reason: `no ${quantity} prediction for ${describeQuery(query)}${note}` };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ok: false, reason: `${quantity} prediction for ${describeQuery(query)} is not a finite number` };
  }
  return { ok: true, prediction: { ...prediction, value } };
}

function compareOp(op: 'lt' | 'le' | 'gt' | 'ge', a: number, b: number): boolean {
  if (op === 'lt') return a < b;
  if (op === 'le') return a <= b;
  if (op === 'gt') return a > b;
  return a >= b;
}

/**
 * Evaluates one spot check. Every condition that is set must hold: `min <= v`, `v <= max`,
 * `|v − equals| <= tolerance`, `v op v'` for `compare`. A check with no condition is an `error`.
 * @example runSpotCheck({ id: 'vram-3b', description: '…', quantity: 'vram_gb', query: { model: 'llama3.2-3b' }, min: 3, max: 12, tolerance: 1e-6 }, () => ({ value: 7.52, provenance: 'derived' })).status // 'pass'
 */
export function runSpotCheck(check: SpotCheckConfig, predict: PredictQuantity): SpotCheckResult {
  const expected = describeExpectation(check);
  const base = { id: check.id, description: check.description, quantity: check.quantity, expected };
  const failure = (detail: string, value: number | null = null, provenance: Provenance | null = null) => ({
    ...base,
    value,
    provenance,
    compareValue: null,
    status: 'error' as const,
    detail,
  });
  if (expected === '') return failure('the check sets none of min, max, equals or compare');

  const own = safePredict(predict, check.quantity, check.query);
  if (!own.ok) return failure(own.reason);
  const v = own.prediction.value;
  const provenance = own.prediction.provenance;

  const passed: boolean[] = [];
  const details: string[] = [];
  const range = describeRange(check);
  if (range !== null) {
    const inRange =
      (check.min === undefined || v >= check.min) && (check.max === undefined || v <= check.max);
    passed.push(inRange);
    details.push(`${withUnit(v, check.quantity)} ${inRange ? 'satisfies' : 'violates'} ${range}`);
  }
  if (check.equals !== undefined) {
    const diff = Math.abs(v - check.equals);
    passed.push(diff <= check.tolerance);
    details.push(
      `${withUnit(v, check.quantity)} vs ${withUnit(check.equals, check.quantity)} (|Δ| ${formatNumber(diff)})`,
    );
  }
  let compareValue: number | null = null;
  if (check.compare !== undefined) {
    const other = safePredict(predict, check.quantity, check.compare.query);
    if (!other.ok) return failure(other.reason, v, provenance);
    compareValue = other.prediction.value;
    const holds = compareOp(check.compare.op, v, compareValue);
    passed.push(holds);
    details.push(
      `${withUnit(v, check.quantity)} ${holds ? '' : 'not '}${OP_SYMBOL[check.compare.op]} ${withUnit(compareValue, check.quantity)}`,
    );
  }
  return {
    ...base,
    value: v,
    provenance,
    compareValue,
    status: passed.every(Boolean) ? 'pass' : 'fail',
    detail: own.prediction.note ? `${details.join('; ')} (${own.prediction.note})` : details.join('; '),
  };
}

/** Evaluates every check in config order. */
export function runSpotChecks(
  checks: readonly SpotCheckConfig[],
  predict: PredictQuantity,
): SpotCheckResult[] {
  return checks.map((check) => runSpotCheck(check, predict));
}
