/**
 * Power-law fit y = a·x^(−b) (TR133 §5.4's size fallback). Seeded from the log-log line
 * ln y = ln a − b·ln x, refined by Levenberg–Marquardt on the weighted squared error in y, with
 * bounds, an analytic Jacobian and a try/catch. LM counts as converged only when it returns a
 * finite SSE that improves on the seed (or the seed is already exact); otherwise the result keeps
 * the seed and says so.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { linearFit } from './least-squares.ts';

/** How the returned (a, b) were obtained. */
export type PowerLawMethod = 'levenberg-marquardt' | 'log-log' | 'mean';

export interface PowerLawFit {
  readonly a: number;
  readonly b: number;
  /** Σ wᵢ (yᵢ − a·xᵢ^−b)² at the returned (a, b). */
  readonly sse: number;
  /** The same error at the log-log seed. */
  readonly seedSse: number;
  readonly converged: boolean;
  readonly method: PowerLawMethod;
  readonly iterations: number;
  /** Points used (x > 0, y > 0, finite, positive weight). */
  readonly n: number;
  /** Why LM was not used or did not converge; null when it converged. */
  readonly note: string | null;
}

export interface PowerLawOptions {
  /** Per-point weights (samples behind a point); the error minimised is Σ wᵢ (yᵢ − ŷᵢ)².
   * @default all 1 */
  readonly weights?: readonly number[];
  /** Minimise relative error Σ wᵢ ((yᵢ − ŷᵢ)/yᵢ)² instead of absolute.
   * @default false */
  readonly relative?: boolean;
  /** @default 0 */
  readonly minA?: number;
  /** @default 1e6 */
  readonly maxA?: number;
  /** @default 0 */
  readonly minB?: number;
  /** @default 5 */
  readonly maxB?: number;
  /** @default 200 */
  readonly maxIterations?: number;
}

export const DEFAULT_POWER_LAW_OPTIONS = {
  relative: false,
  minA: 0,
  maxA: 1e6,
  minB: 0,
  maxB: 5,
  maxIterations: 200,
} as const;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** `evaluatePowerLaw(a, b, x)` = a·x^(−b). */
export function evaluatePowerLaw(a: number, b: number, x: number): number {
  return a * x ** -b;
}

/**
 * `fitPowerLaw(x, y, options)` fits y = a·x^(−b). With fewer than two distinct x the slope is not
 * identified: it returns b = 0 and a = weighted mean of y (`method: 'mean'`, not converged);
 * with no usable point, a = b = 0.
 * @example fitPowerLaw([1, 2, 4, 8], [100, 50, 25, 12.5]) // a ≈ 100, b ≈ 1
 */
export function fitPowerLaw(
  x: readonly number[],
  y: readonly number[],
  options: PowerLawOptions = {},
): PowerLawFit {
  if (x.length !== y.length) throw new Error(`fitPowerLaw: ${x.length} x but ${y.length} y`);
  if (options.weights && options.weights.length !== x.length) {
    throw new Error(`fitPowerLaw: ${options.weights.length} weights for ${x.length} points`);
  }
  const o = { ...DEFAULT_POWER_LAW_OPTIONS, ...options };
  if (!(o.minA <= o.maxA && o.minB <= o.maxB) || !(o.maxIterations >= 0)) {
    throw new Error('fitPowerLaw: bounds must satisfy min ≤ max and maxIterations ≥ 0');
  }
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const w = options.weights ? options.weights[i]! : 1;
    if (
      x[i]! > 0 &&
      y[i]! > 0 &&
      Number.isFinite(x[i]!) &&
      Number.isFinite(y[i]!) &&
      w > 0 &&
      Number.isFinite(w)
    ) {
      xs.push(x[i]!);
      ys.push(y[i]!);
      ws.push(o.relative ? w / (y[i]! * y[i]!) : w);
    }
  }
  const n = xs.length;
  const sseAt = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += ws[i]! * (ys[i]! - evaluatePowerLaw(a, b, xs[i]!)) ** 2;
    return s;
  };
  if (n === 0) {
    return {
      a: 0,
      b: 0,
      sse: 0,
      seedSse: 0,
      converged: false,
      method: 'mean',
      iterations: 0,
      n,
      note: 'no usable points',
    };
  }
  const line = linearFit(
    xs.map((v) => Math.log(v)),
    ys.map((v) => Math.log(v)),
    ws.map((w, i) => w * ys[i]! * ys[i]!), // log residuals ≈ relative residuals: rescale weights
  );
  if (!line) {
    let sw = 0;
    let swy = 0;
    for (let i = 0; i < n; i++) {
      sw += ws[i]!;
      swy += ws[i]! * ys[i]!;
    }
    const a = clamp(swy / sw, o.minA, o.maxA);
    const b = clamp(0, o.minB, o.maxB);
    const sse = sseAt(a, b);
    return {
      a,
      b,
      sse,
      seedSse: sse,
      converged: false,
      method: 'mean',
      iterations: 0,
      n,
      note: 'fewer than two distinct x',
    };
  }
  const a0 = clamp(Math.exp(line.intercept), o.minA, o.maxA);
  const b0 = clamp(-line.slope, o.minB, o.maxB);
  const seedSse = sseAt(a0, b0);
  const seed = { a: a0, b: b0, sse: seedSse, seedSse, n, iterations: 0, method: 'log-log' as const };
  let scale = 0;
  for (let i = 0; i < n; i++) scale += ws[i]! * ys[i]! * ys[i]!;
  // An exact seed cannot be improved on; that is convergence, not failure.
  if (seedSse <= 1e-20 * scale) return { ...seed, converged: true, note: null };
  try {
    const result = levenbergMarquardt(
      { x: xs, y: ys },
      ([a, b]) =>
        (v: number) =>
          evaluatePowerLaw(a!, b!, v),
      {
        initialValues: [a0, b0],
        minValues: [o.minA, o.minB],
        maxValues: [o.maxA, o.maxB],
        maxIterations: o.maxIterations,
        errorTolerance: 1e-12 * scale,
        // The library's `weights` are standard deviations: error = Σ (y − ŷ)² / σ².
        weights: ws.map((w) => 1 / Math.sqrt(w)),
        jacobianFunction:
          ([a, b]) =>
          (v: number) => [v ** -b!, -a! * v ** -b! * Math.log(v)],
      },
    );
    const [a, b] = result.parameterValues;
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) {
      return { ...seed, converged: false, note: 'LM returned non-finite parameters' };
    }
    const sse = sseAt(a, b);
    if (!Number.isFinite(sse)) return { ...seed, converged: false, note: 'LM returned a non-finite SSE' };
    if (!(sse < seedSse)) {
      return {
        ...seed,
        iterations: result.iterations,
        converged: false,
        note: 'LM did not improve on the log-log seed',
      };
    }
    return {
      a,
      b,
      sse,
      seedSse,
      converged: true,
      method: 'levenberg-marquardt',
      iterations: result.iterations,
      n,
      note: null,
    };
  } catch (err) {
    return { ...seed, converged: false, note: `LM failed: ${(err as Error).message}` };
  }
}
