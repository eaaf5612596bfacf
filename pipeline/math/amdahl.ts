/**
 * Per-agent efficiency curves η(N) for N concurrent agents, and their one-parameter fits.
 *
 * Two families, both with η(1) = 1 by construction:
 * - Amdahl (standard form): η(N) = 1 / (σN + 1 − σ) = 1 / (1 + σ(N − 1)), σ ∈ [0, 1] the serial
 *   fraction. σ = 0 is perfect scaling (η ≡ 1); σ = 1 is fully serial (η = 1/N, total throughput flat).
 * - Power law: η(N) = N^−α, α ≥ 0. α = 1 coincides with σ = 1; α > 1 means total throughput falls.
 *
 * TR133 §6.1 writes Amdahl as η(N) = 1 / (s + (1 − s)N). That is the same curve with s = 1 − σ
 * (`specToSigma`): its "serial fraction" s is the parallel fraction of the standard form.
 *
 * Fits minimise the weighted squared error in η, Σ wᵢ (ηᵢ − η(Nᵢ))², over the bounded parameter with
 * a grid scan followed by golden-section refinement (`minimizeBounded`): deterministic, no start value.
 */

/** One observed efficiency: η at N agents, with a non-negative weight (samples behind it). */
export interface EtaPoint {
  readonly n: number;
  readonly eta: number;
  readonly weight: number;
}

/** A one-parameter fit: the parameter, its weighted SSE and how many points carried information. */
export interface EtaFit {
  readonly value: number;
  /** Σ wᵢ (ηᵢ − η̂ᵢ)². */
  readonly sse: number;
  /** Σ wᵢ over the points used. */
  readonly weight: number;
  /** Points used (finite, n ≥ 1, η > 0, w > 0). */
  readonly points: number;
  /** False when no point had N > 1: the curve carries no information about the parameter. */
  readonly identified: boolean;
}

/**
 * `amdahlEta(sigma, n)` is the standard-form Amdahl per-agent efficiency 1 / (1 + σ(N − 1)).
 * Written this way η(1) is exactly 1 in floating point.
 * @example amdahlEta(0.187, 8) // ≈ 0.433
 */
export function amdahlEta(sigma: number, n: number): number {
  return 1 / (1 + sigma * (n - 1));
}

/**
 * `specFormEta(s, n)` is TR133 §6.1's written form 1 / (s + (1 − s)N); equal to `amdahlEta(1 − s, n)`.
 * @example specFormEta(0.813, 2) // ≈ 0.842
 */
export function specFormEta(s: number, n: number): number {
  return 1 / (s + (1 - s) * n);
}

/**
 * `specToSigma(s)` converts TR133's s (η = 1/(s + (1 − s)N)) to the standard serial fraction σ = 1 − s.
 * @example specToSigma(0.813) // 0.187
 */
export function specToSigma(s: number): number {
  return 1 - s;
}

/**
 * `powerLawEta(alpha, n)` is the power-law per-agent efficiency N^−α (1 at N = 1 for every α).
 * @example powerLawEta(0.353, 8) // ≈ 0.480
 */
export function powerLawEta(alpha: number, n: number): number {
  return n ** -alpha;
}

/**
 * `minimizeBounded(f, lo, hi)` finds the minimiser of a 1-D function on [lo, hi]: a scan of `grid`
 * equally spaced points, then golden-section search on the bracket around the best one. Ties keep the
 * smaller x, so the result is deterministic. Non-finite f values count as +∞.
 * @example minimizeBounded((x) => (x - 0.3) ** 2, 0, 1) // ≈ 0.3
 */
export function minimizeBounded(f: (x: number) => number, lo: number, hi: number, grid = 101): number {
  const safe = (x: number): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  if (!(hi > lo)) return lo;
  const steps = Math.max(2, Math.floor(grid)) - 1;
  const h = (hi - lo) / steps;
  let best = 0;
  let bestValue = safe(lo);
  for (let i = 1; i <= steps; i++) {
    const v = safe(lo + i * h);
    if (v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  let a = lo + Math.max(0, best - 1) * h;
  let b = lo + Math.min(steps, best + 1) * h;
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = safe(c);
  let fd = safe(d);
  for (let iter = 0; iter < 200 && b - a > 1e-13; iter++) {
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = safe(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = safe(d);
    }
  }
  const x = (a + b) / 2;
  // The grid point can beat the bracket midpoint when f is flat or not unimodal inside the bracket.
  const gridX = lo + best * h;
  return safe(gridX) < safe(x) ? gridX : x;
}

/** Keeps points that can inform a fit: finite, N ≥ 1, η > 0, weight > 0. */
export function usableEtaPoints(points: readonly EtaPoint[]): EtaPoint[] {
  return points.filter(
    (p) =>
      Number.isFinite(p.n) &&
      Number.isFinite(p.eta) &&
      Number.isFinite(p.weight) &&
      p.n >= 1 &&
      p.eta > 0 &&
      p.weight > 0,
  );
}

/**
 * The points' sufficient statistics for a one-parameter curve η(N): per distinct N, the total weight
 * W, the weighted mean m and the weighted sum of squares about it V. Then
 * SSE(p) = Σ_N W·(η(p, N) − m)² + V, so each evaluation costs one curve value per distinct N (a
 * few) instead of one per point (thousands), and the spread V, fixed, is summed once. The
 * deviations about the mean carry no cancellation, as Σwη² − (Σwη)²/W would.
 */
function etaMoments(points: readonly EtaPoint[]): {
  n: Float64Array;
  w: Float64Array;
  m: Float64Array;
  v: number;
} {
  const byN = new Map<number, EtaPoint[]>();
  for (const p of points) {
    const at = byN.get(p.n);
    if (at) at.push(p);
    else byN.set(p.n, [p]);
  }
  const ns = [...byN.keys()].sort((a, b) => a - b);
  const n = Float64Array.from(ns);
  const w = new Float64Array(ns.length);
  const m = new Float64Array(ns.length);
  let v = 0;
  ns.forEach((key, i) => {
    const group = byN.get(key)!;
    let sw = 0;
    let swy = 0;
    for (const p of group) {
      sw += p.weight;
      swy += p.weight * p.eta;
    }
    const mean = swy / sw;
    for (const p of group) v += p.weight * (p.eta - mean) ** 2;
    w[i] = sw;
    m[i] = mean;
  });
  return { n, w, m, v };
}

function fitOneParameter(
  points: readonly EtaPoint[],
  curve: (parameter: number, n: number) => number,
  lo: number,
  hi: number,
  unidentified: number,
): EtaFit {
  const used = usableEtaPoints(points);
  const weight = used.reduce((s, p) => s + p.weight, 0);
  const moments = etaMoments(used);
  const sseOf = (parameter: number): number => {
    let sse = moments.v;
    for (let i = 0; i < moments.n.length; i++) {
      sse += moments.w[i]! * (curve(parameter, moments.n[i]!) - moments.m[i]!) ** 2;
    }
    return sse;
  };
  const identified = used.some((p) => p.n > 1);
  const value = identified ? minimizeBounded(sseOf, lo, hi) : unidentified;
  return { value, sse: sseOf(value), weight, points: used.length, identified };
}

/**
 * `fitSerialFraction(points)` is the weighted least-squares σ ∈ [0, 1] of η = 1/(1 + σ(N − 1)).
 * With no point at N > 1 the curve says nothing about σ: `identified` is false and σ is 0.
 * @example fitSerialFraction([{ n: 1, eta: 1, weight: 1 }, { n: 4, eta: 0.5, weight: 1 }]).value // ≈ 1/3
 */
export function fitSerialFraction(points: readonly EtaPoint[]): EtaFit {
  return fitOneParameter(points, amdahlEta, 0, 1, 0);
}

/**
 * `fitPowerLawExponent(points, alphaMax)` is the weighted least-squares α ∈ [0, alphaMax] of η = N^−α.
 * @example fitPowerLawExponent([{ n: 4, eta: 0.5, weight: 1 }]).value // ≈ 0.5
 */
export function fitPowerLawExponent(points: readonly EtaPoint[], alphaMax = 3): EtaFit {
  return fitOneParameter(points, powerLawEta, 0, Math.max(0, alphaMax), 0);
}
