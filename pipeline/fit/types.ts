/**
 * The contract every model module follows:
 *   fitX(train, options) → FitResult<XCoefficients>     (training split only; never throws on data)
 *   predictX(coefficients, query, ctx) → XPrediction     (total over its documented domain)
 * Coefficients are plain JSON (they go into the artifact verbatim); diagnostics say how the fit went.
 */

/** How a prediction was obtained, from most to least trustworthy. */
export type Provenance = 'measured' | 'derived' | 'extrapolated' | 'default' | 'unknown';

export interface ResidualSummary {
  readonly rmse: number;
  readonly mae: number;
  /** mean(ŷ − y) on the training data. */
  readonly bias: number;
  readonly maxAbs: number;
}

export interface Diagnostics {
  /** Training records (or groups) the fit used. */
  readonly n: number;
  readonly converged: boolean;
  /** `fitted` from data, `fallback` to documented defaults (too little data), `empty` (no data at all). */
  readonly status: 'fitted' | 'fallback' | 'empty';
  /** Residuals on the training data; null when there was nothing to score. */
  readonly residuals: ResidualSummary | null;
  /** Human-readable notes: why a fallback was taken, which variant won, what was clamped. */
  readonly notes: readonly string[];
}

export interface FitResult<C> {
  readonly coefficients: C;
  readonly diagnostics: Diagnostics;
}

import type { BackendSpec, GpuSpec, ModelSpec, QuantSpec } from '../records.ts';

/** Registry lookups by canonical id, as the fit and predict stages need them. */
export interface SpecLookup {
  model(id: string): ModelSpec | undefined;
  quant(id: string): QuantSpec | undefined;
  gpu(id: string): GpuSpec | undefined;
  backend(id: string): BackendSpec | undefined;
}

/**
 * `residualSummary(errors)` summarises residuals e = ŷ − y: RMSE, MAE, bias (mean e) and max |e|;
 * null when there are none. Shared by the scaling, quality and cost fits.
 * @example residualSummary([1, -1]) // { rmse: 1, mae: 1, bias: 0, maxAbs: 1 }
 */
export function residualSummary(errors: readonly number[]): ResidualSummary | null {
  if (errors.length === 0) return null;
  let sse = 0;
  let sae = 0;
  let sum = 0;
  let maxAbs = 0;
  for (const e of errors) {
    sse += e * e;
    sae += Math.abs(e);
    sum += e;
    maxAbs = Math.max(maxAbs, Math.abs(e));
  }
  const n = errors.length;
  return { rmse: Math.sqrt(sse / n), mae: sae / n, bias: sum / n, maxAbs };
}
