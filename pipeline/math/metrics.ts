/**
 * Error metrics for validation. Edge cases return an explicit status instead of a fake value:
 * fewer than 2 points is `insufficient`, constant actuals make R² undefined (`null`).
 */

export interface Metrics {
  readonly n: number;
  /** 1 − SSE/SST; null when n < 2 or the actuals are constant. */
  readonly r2: number | null;
  /** √(mean((y − ŷ)²)). */
  readonly rmse: number | null;
  /** mean(|y − ŷ|). */
  readonly mae: number | null;
  /** mean(|y − ŷ| / |y|) over points with y ≠ 0; null when none. */
  readonly mape: number | null;
  /** mean(ŷ − y): positive means over-prediction. */
  readonly bias: number | null;
  readonly status: 'ok' | 'insufficient';
}

/**
 * `computeMetrics(actual, predicted)` scores paired values.
 * @example computeMetrics([1, 2, 3], [1, 2, 4]).rmse // ≈ 0.577
 */
export function computeMetrics(actual: ArrayLike<number>, predicted: ArrayLike<number>): Metrics {
  if (actual.length !== predicted.length) {
    throw new Error(`computeMetrics: ${actual.length} actuals but ${predicted.length} predictions`);
  }
  const n = actual.length;
  if (n === 0) return { n, r2: null, rmse: null, mae: null, mape: null, bias: null, status: 'insufficient' };
  let sse = 0;
  let sae = 0;
  let sbias = 0;
  let sape = 0;
  let nape = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const y = actual[i]!;
    const e = predicted[i]! - y;
    sse += e * e;
    sae += Math.abs(e);
    sbias += e;
    sy += y;
    if (y !== 0) {
      sape += Math.abs(e) / Math.abs(y);
      nape++;
    }
  }
  const mean = sy / n;
  let sst = 0;
  for (let i = 0; i < n; i++) sst += (actual[i]! - mean) ** 2;
  const r2 = n >= 2 && sst > 0 ? 1 - sse / sst : null;
  return {
    n,
    r2,
    rmse: Math.sqrt(sse / n),
    mae: sae / n,
    mape: nape > 0 ? sape / nape : null,
    bias: sbias / n,
    status: n >= 2 ? 'ok' : 'insufficient',
  };
}
