/**
 * Weighted linear least squares: ordinary (SVD, rank-aware), non-negative (exact active-set
 * enumeration for a handful of columns, on the normal equations so that sums over rows can be
 * reused), a slope through the origin and a straight line. Every
 * function returns `null` or a `rankDeficient` flag instead of NaN when the data cannot identify
 * the coefficients (no rows, all-zero or collinear columns, all x equal).
 */
import { Matrix, SingularValueDecomposition } from 'ml-matrix';

/** Result of a weighted least-squares solve. */
export interface LeastSquaresResult {
  /** Coefficients, one per column of X (0 for a column that was not identifiable). */
  readonly beta: number[];
  /** Σ wᵢ (yᵢ − xᵢ·β)². */
  readonly sse: number;
  /** Numerical rank of the column-normalised design. */
  readonly rank: number;
  /** True when rank < number of columns: β is the minimum-norm solution. */
  readonly rankDeficient: boolean;
}

/** Singular values below this fraction of the largest (after column normalisation) count as zero. */
const RANK_TOLERANCE = 1e-10;

function checkShapes(X: readonly (readonly number[])[], y: readonly number[], w?: readonly number[]): void {
  if (X.length !== y.length)
    throw new Error(`least squares: ${X.length} rows of X but ${y.length} values of y`);
  if (w && w.length !== y.length) throw new Error(`least squares: ${w.length} weights for ${y.length} rows`);
}

function weightedSse(
  X: readonly (readonly number[])[],
  y: readonly number[],
  beta: readonly number[],
  w?: readonly number[],
): number {
  let sse = 0;
  for (let i = 0; i < y.length; i++) {
    let yhat = 0;
    const row = X[i]!;
    for (let j = 0; j < beta.length; j++) yhat += row[j]! * beta[j]!;
    sse += (w ? w[i]! : 1) * (y[i]! - yhat) ** 2;
  }
  return sse;
}

/**
 * `weightedLeastSquares(X, y, w)` minimises Σ wᵢ (yᵢ − xᵢ·β)² by SVD of the √w-scaled,
 * column-normalised design, so collinear or all-zero columns give the minimum-norm β and
 * `rankDeficient: true` instead of Infinity. Returns null with no rows or no columns.
 * @example weightedLeastSquares([[1, 0], [1, 1], [1, 2]], [1, 3, 5])!.beta // ≈ [1, 2]
 */
export function weightedLeastSquares(
  X: readonly (readonly number[])[],
  y: readonly number[],
  w?: readonly number[],
): LeastSquaresResult | null {
  checkShapes(X, y, w);
  const n = y.length;
  const p = X[0]?.length ?? 0;
  if (n === 0 || p === 0) return null;
  const sw = Array.from({ length: n }, (_, i) => Math.sqrt(Math.max(0, w ? w[i]! : 1)));
  const scale = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (sw[i]! * X[i]![j]!) ** 2;
    scale[j] = Math.sqrt(s);
  }
  const A = new Matrix(n, p);
  const b = new Matrix(n, 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) A.set(i, j, scale[j]! > 0 ? (sw[i]! * X[i]![j]!) / scale[j]! : 0);
    b.set(i, 0, sw[i]! * y[i]!);
  }
  const svd = new SingularValueDecomposition(A, { autoTranspose: true });
  const sigma = svd.diagonal;
  const sMax = Math.max(0, ...sigma);
  const rank = sMax > 0 ? sigma.filter((s) => s > RANK_TOLERANCE * sMax).length : 0;
  const beta = new Array<number>(p).fill(0);
  if (rank > 0) {
    // Pseudo-inverse with our own threshold: V · diag(1/σ) · Uᵀ · b, zeroing tiny σ.
    const U = svd.leftSingularVectors;
    const V = svd.rightSingularVectors;
    const k = sigma.length;
    const coef = new Array<number>(k).fill(0);
    for (let c = 0; c < k; c++) {
      if (!(sigma[c]! > RANK_TOLERANCE * sMax)) continue;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += U.get(i, c) * b.get(i, 0);
      coef[c] = dot / sigma[c]!;
    }
    for (let j = 0; j < p; j++) {
      let v = 0;
      for (let c = 0; c < k; c++) v += V.get(j, c) * coef[c]!;
      beta[j] = scale[j]! > 0 ? v / scale[j]! : 0;
    }
  }
  if (!beta.every(Number.isFinite)) return null;
  return { beta, sse: weightedSse(X, y, beta, w), rank, rankDeficient: rank < p };
}

/** Result of a non-negative least-squares solve. */
export interface NnlsResult {
  readonly beta: number[];
  /** Σ wᵢ (yᵢ − xᵢ·β)². */
  readonly sse: number;
  /** `atBound[j]` is true when βⱼ is held at 0 by its constraint (or its column is not identifiable). */
  readonly atBound: boolean[];
}

/** Largest number of columns `nonNegativeLeastSquares` enumerates (2^p subsets). */
export const NNLS_MAX_COLUMNS = 10;

/**
 * Normal-equation form of a weighted least-squares problem: G = XᵀWX (p × p), b = XᵀWy,
 * c = yᵀWy. Everything a fit needs, and additive over rows: the system of a row subset is the
 * total minus the other rows' system, which is how cross-validation folds are refitted in O(p²).
 */
export interface GramSystem {
  readonly gram: readonly (readonly number[])[];
  readonly xty: readonly number[];
  readonly yty: number;
}

/**
 * `gramSystem(X, y, w)` accumulates G = Σ wᵢ xᵢxᵢᵀ, b = Σ wᵢ xᵢ yᵢ, c = Σ wᵢ yᵢ² (w defaults to 1).
 * @example gramSystem([[1, 0], [1, 1]], [1, 3]) // { gram: [[2, 1], [1, 1]], xty: [4, 3], yty: 10 }
 */
export function gramSystem(
  X: readonly (readonly number[])[],
  y: readonly number[],
  w?: readonly number[],
): GramSystem {
  checkShapes(X, y, w);
  const p = X[0]?.length ?? 0;
  const gram = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const xty = new Array<number>(p).fill(0);
  let yty = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i]! : 1;
    if (!(wi > 0)) continue;
    const row = X[i]!;
    for (let j = 0; j < p; j++) {
      const v = wi * row[j]!;
      xty[j]! += v * y[i]!;
      for (let k = j; k < p; k++) gram[j]![k]! += v * row[k]!;
    }
    yty += wi * y[i]! * y[i]!;
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) gram[j]![k] = gram[k]![j]!;
  return { gram, xty, yty };
}

/**
 * Solves the sub-system of `cols` by Gaussian elimination with partial pivoting on the
 * diagonal-scaled Gram matrix; null when a pivot falls below `RANK_TOLERANCE` (not identifiable).
 */
function solveSubsystem(g: GramSystem, cols: readonly number[]): number[] | null {
  const k = cols.length;
  const d = cols.map((j) => Math.sqrt(g.gram[j]![j]!));
  if (d.some((v) => !(v > 0) || !Number.isFinite(v))) return null;
  const A = cols.map((r, i) => [...cols.map((c, j) => g.gram[r]![c]! / (d[i]! * d[j]!)), g.xty[r]! / d[i]!]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    if (!(Math.abs(A[piv]![c]!) > RANK_TOLERANCE)) return null;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = c + 1; r < k; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let j = c; j <= k; j++) A[r]![j]! -= f * A[c]![j]!;
    }
  }
  const z = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let v = A[r]![k]!;
    for (let j = r + 1; j < k; j++) v -= A[r]![j]! * z[j]!;
    z[r] = v / A[r]![r]!;
  }
  const beta = z.map((v, i) => v / d[i]!);
  return beta.every(Number.isFinite) ? beta : null;
}

/** Σ w (y − Xβ)² from the normal equations: c − 2βᵀb + βᵀGβ (never below 0). */
function sseFromGram(g: GramSystem, beta: readonly number[]): number {
  let s = g.yty;
  for (let j = 0; j < beta.length; j++) {
    if (beta[j] === 0) continue;
    s -= 2 * beta[j]! * g.xty[j]!;
    for (let k = 0; k < beta.length; k++) s += beta[j]! * g.gram[j]![k]! * beta[k]!;
  }
  return Math.max(0, s);
}

/**
 * `nonNegativeLeastSquaresGram(system)` minimises Σ wᵢ (yᵢ − xᵢ·β)² subject to β ≥ 0 exactly from
 * the normal equations: every subset of columns is solved unconstrained and the feasible,
 * identifiable subset with the smallest SSE wins (ties go to the subset met first, i.e. fewer and
 * earlier columns; the empty subset, β = 0, is the start). At most `NNLS_MAX_COLUMNS` columns.
 * @example nonNegativeLeastSquaresGram(gramSystem([[1, 0], [1, 1], [1, 2]], [5, 3, 1])).beta // [3, 0]
 */
export function nonNegativeLeastSquaresGram(g: GramSystem): NnlsResult {
  const p = g.xty.length;
  if (p > NNLS_MAX_COLUMNS) throw new Error(`nonNegativeLeastSquares: at most ${NNLS_MAX_COLUMNS} columns`);
  let best = { beta: new Array<number>(p).fill(0), sse: Math.max(0, g.yty), free: [] as number[] };
  const scale = Math.max(Math.abs(g.yty), Number.MIN_VALUE);
  for (let mask = 1; mask < 1 << p; mask++) {
    const cols: number[] = [];
    for (let j = 0; j < p; j++) if (mask & (1 << j)) cols.push(j);
    const sub = solveSubsystem(g, cols);
    if (!sub || sub.some((b) => b < 0)) continue;
    const beta = new Array<number>(p).fill(0);
    cols.forEach((j, k) => {
      beta[j] = sub[k]!;
    });
    const sse = sseFromGram(g, beta);
    if (sse < best.sse - 1e-12 * scale) best = { beta, sse, free: cols };
  }
  const atBound = Array.from({ length: p }, (_, j) => !best.free.includes(j) || best.beta[j] === 0);
  return { beta: best.beta, sse: best.sse, atBound };
}

/**
 * `nonNegativeLeastSquares(X, y, w)` minimises Σ wᵢ (yᵢ − xᵢ·β)² subject to β ≥ 0 exactly (see
 * `nonNegativeLeastSquaresGram`); the returned SSE is recomputed from the rows. Meant for designs
 * of a few columns (at most `NNLS_MAX_COLUMNS`). Returns null with no rows.
 * @example nonNegativeLeastSquares([[1, 0], [1, 1], [1, 2]], [5, 3, 1])!.beta // [3, 0]
 */
export function nonNegativeLeastSquares(
  X: readonly (readonly number[])[],
  y: readonly number[],
  w?: readonly number[],
): NnlsResult | null {
  checkShapes(X, y, w);
  if (y.length === 0) return null;
  const p = X[0]?.length ?? 0;
  if (p > NNLS_MAX_COLUMNS) throw new Error(`nonNegativeLeastSquares: at most ${NNLS_MAX_COLUMNS} columns`);
  const fit = nonNegativeLeastSquaresGram(gramSystem(X, y, w));
  return { ...fit, sse: weightedSse(X, y, fit.beta, w) };
}

/**
 * `slopeThroughOrigin(x, y, w)` is the weighted least-squares slope of y = k·x:
 * k = Σwxy / Σwx². Null when Σwx² = 0 (no rows or all x zero).
 * @example slopeThroughOrigin([1, 2], [2, 4]) // 2
 */
export function slopeThroughOrigin(
  x: readonly number[],
  y: readonly number[],
  w?: readonly number[],
): number | null {
  if (x.length !== y.length) throw new Error(`slopeThroughOrigin: ${x.length} x but ${y.length} y`);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i]! : 1;
    sxy += wi * x[i]! * y[i]!;
    sxx += wi * x[i]! * x[i]!;
  }
  if (!(sxx > 0)) return null;
  const k = sxy / sxx;
  return Number.isFinite(k) ? k : null;
}

/** A fitted straight line y = intercept + slope·x. */
export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
}

/**
 * `linearFit(x, y, w)` is weighted simple regression: slope = Σw(x−x̄)(y−ȳ) / Σw(x−x̄)², with
 * weighted means. Null with fewer than two distinct x (the slope is not identified).
 * @example linearFit([0, 1, 2], [1, 3, 5]) // { slope: 2, intercept: 1 }
 */
export function linearFit(x: readonly number[], y: readonly number[], w?: readonly number[]): LineFit | null {
  if (x.length !== y.length) throw new Error(`linearFit: ${x.length} x but ${y.length} y`);
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    sx += wi * x[i]!;
    sy += wi * y[i]!;
  }
  if (!(sw > 0)) return null;
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w ? w[i]! : 1;
    sxx += wi * (x[i]! - mx) ** 2;
    sxy += wi * (x[i]! - mx) * (y[i]! - my);
  }
  // Relative guard: x values that differ only by rounding do not identify a slope.
  if (!(sxx > 1e-24 * Math.max(1, mx * mx) * sw)) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  return Number.isFinite(slope) && Number.isFinite(intercept) ? { slope, intercept } : null;
}
