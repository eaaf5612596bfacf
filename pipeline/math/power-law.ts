/**
 * Power-law fit y = a·x^(−b) (TR133 §5.4's size fallback). Seeded from the log-log line
 * ln y = ln a − b·ln x, refined by ml-levenberg-marquardt on the weighted squared error in y,
 * with bounds and the analytic Jacobian.
 * LM counts as converged only when it ends at a finite SSE that improves on the seed (or the seed
 * is already exact); otherwise the result keeps the seed and says so.
 *
 * The log-log line can also be fitted from sufficient statistics (`LogLogSums`), which is how
 * cross-validation folds refit the law in O(1): fold sums = total sums − held-out sums.
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
 * Weighted sums of u = ln x and v = ln y that determine the log-log line:
 * sw = Σw, su = Σw·u, sv = Σw·v, suu = Σw·u², suv = Σw·u·v. Sums of disjoint point sets add.
 */
export interface LogLogSums {
  sw: number;
  su: number;
  sv: number;
  suu: number;
  suv: number;
}

/** All-zero `LogLogSums`. */
export function emptyLogLogSums(): LogLogSums {
  return { sw: 0, su: 0, sv: 0, suu: 0, suv: 0 };
}

/** Adds one point (ln x = u, ln y = v, weight w) to `s` in place. */
export function addLogLogPoint(s: LogLogSums, u: number, v: number, w: number): void {
  s.sw += w;
  s.su += w * u;
  s.sv += w * v;
  s.suu += w * u * u;
  s.suv += w * u * v;
}

/** `a + sign·b`, component-wise (sign −1 removes a subset's points from the total). */
export function combineLogLogSums(a: LogLogSums, b: LogLogSums, sign: 1 | -1): LogLogSums {
  return {
    sw: a.sw + sign * b.sw,
    su: a.su + sign * b.su,
    sv: a.sv + sign * b.sv,
    suu: a.suu + sign * b.suu,
    suv: a.suv + sign * b.suv,
  };
}

/**
 * `powerLawFromLogLogSums(s, bounds)` is the weighted log-log least-squares law:
 * b = −Σw(u−ū)(v−v̄)/Σw(u−ū)², a = exp(v̄ + b·ū), each clamped to its bounds. Null when the sums
 * hold no weight or fewer than two distinct x (relative guard, as `linearFit`).
 * @example
 * const s = emptyLogLogSums();
 * addLogLogPoint(s, Math.log(1), Math.log(100), 1);
 * addLogLogPoint(s, Math.log(2), Math.log(50), 1);
 * powerLawFromLogLogSums(s) // { a: 100, b: 1 }
 */
export function powerLawFromLogLogSums(
  s: LogLogSums,
  bounds: Pick<PowerLawOptions, 'minA' | 'maxA' | 'minB' | 'maxB'> = {},
): { a: number; b: number } | null {
  if (!(s.sw > 0)) return null;
  const mu = s.su / s.sw;
  const mv = s.sv / s.sw;
  const suu = s.suu - s.sw * mu * mu;
  const suv = s.suv - s.sw * mu * mv;
  if (!(suu > 1e-12 * Math.max(1, s.suu))) return null;
  const slope = suv / suu;
  const o = { ...DEFAULT_POWER_LAW_OPTIONS, ...bounds };
  const b = clamp(-slope, o.minB, o.maxB);
  const a = clamp(Math.exp(mv - slope * mu), o.minA, o.maxA);
  return Number.isFinite(a) && Number.isFinite(b) ? { a, b } : null;
}

/** Outcome of the damped Gauss–Newton iteration. */
interface LmOutcome {
  readonly a: number;
  readonly b: number;
  readonly sse: number;
  readonly iterations: number;
}

/**
 * Refines (a, b) with ml-levenberg-marquardt on Σ wᵢ rᵢ², seeded from the log-log line, with
 * bounds and the analytic Jacobian [x^−b, −a·x^−b·ln x]. The library weighs residuals by
 * 1/σᵢ², so a sample weight wᵢ is passed as σᵢ = 1/√wᵢ. Its `errorTolerance` is an absolute
 * SSE threshold, so reaching `maxIterations` on noisy data is normal and not a failure; a throw
 * (e.g. a non-symmetric damped Hessian) is caught and reported by the caller.
 */
function refineWithLevenbergMarquardt(
  lx: Float64Array,
  ys: Float64Array,
  ws: Float64Array,
  a0: number,
  b0: number,
  o: Required<Omit<PowerLawOptions, 'weights' | 'relative'>>,
): LmOutcome {
  const x = Array.from(lx, (v) => Math.exp(v));
  const y = Array.from(ys);
  const sigma = Array.from(ws, (w) => 1 / Math.sqrt(w));
  const result = levenbergMarquardt(
    { x, y },
    ([a, b]) =>
      (xi: number) =>
        a! * xi ** -b!,
    {
      initialValues: [a0, b0],
      minValues: [o.minA, o.minB],
      maxValues: [o.maxA, o.maxB],
      maxIterations: o.maxIterations,
      errorTolerance: 1e-12,
      weights: sigma,
      jacobianFunction:
        ([a, b]) =>
        (xi: number) => {
          const p = xi ** -b!;
          return [p, -a! * p * Math.log(xi)];
        },
    },
  );
  const [a, b] = result.parameterValues as [number, number];
  let sse = 0;
  for (let i = 0; i < ys.length; i++) {
    const e = ys[i]! - a * Math.exp(-b * lx[i]!);
    sse += ws[i]! * e * e;
  }
  return { a, b, sse, iterations: result.iterations };
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
  let n = 0;
  const lx = new Float64Array(x.length);
  const ys = new Float64Array(x.length);
  const ws = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = options.weights ? options.weights[i]! : 1;
    const xi = x[i]!;
    const yi = y[i]!;
    if (xi > 0 && yi > 0 && Number.isFinite(xi) && Number.isFinite(yi) && w > 0 && Number.isFinite(w)) {
      lx[n] = Math.log(xi);
      ys[n] = yi;
      ws[n] = o.relative ? w / (yi * yi) : w;
      n++;
    }
  }
  const L = lx.subarray(0, n);
  const Y = ys.subarray(0, n);
  const W = ws.subarray(0, n);
  const sseAt = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const e = Y[i]! - a * Math.exp(-b * L[i]!);
      s += W[i]! * e * e;
    }
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
  const logY: number[] = new Array<number>(n);
  const seedW: number[] = new Array<number>(n);
  const logX: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    logX[i] = L[i]!;
    logY[i] = Math.log(Y[i]!);
    seedW[i] = W[i]! * Y[i]! * Y[i]!; // log residuals ≈ relative residuals: rescale weights
  }
  const line = linearFit(logX, logY, seedW);
  if (!line) {
    let sw = 0;
    let swy = 0;
    for (let i = 0; i < n; i++) {
      sw += W[i]!;
      swy += W[i]! * Y[i]!;
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
  for (let i = 0; i < n; i++) scale += W[i]! * Y[i]! * Y[i]!;
  // An exact seed cannot be improved on; that is convergence, not failure.
  if (seedSse <= 1e-20 * scale) return { ...seed, converged: true, note: null };
  if (!Number.isFinite(seedSse)) return { ...seed, converged: false, note: 'non-finite SSE at the seed' };
  let lm: LmOutcome;
  try {
    lm = refineWithLevenbergMarquardt(L, Y, W, a0, b0, o);
  } catch (err) {
    return { ...seed, converged: false, note: `LM failed: ${(err as Error).message}` };
  }
  if (!Number.isFinite(lm.a) || !Number.isFinite(lm.b) || !Number.isFinite(lm.sse)) {
    return { ...seed, converged: false, note: 'LM returned a non-finite result' };
  }
  if (!(lm.sse < seedSse)) {
    return {
      ...seed,
      iterations: lm.iterations,
      converged: false,
      note: 'LM did not improve on the log-log seed',
    };
  }
  return {
    a: lm.a,
    b: lm.b,
    sse: lm.sse,
    seedSse,
    converged: true,
    method: 'levenberg-marquardt',
    iterations: lm.iterations,
    n,
    note: null,
  };
}
