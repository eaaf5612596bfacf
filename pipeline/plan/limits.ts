/**
 * The limits solver behind `capfit limits`: from the fitted VRAM model alone, the largest context
 * that fits a GPU at one sequence, and the largest number of concurrent sequences at a given
 * context. predictVram(model, quant, context, batch) is non-decreasing in context and in batch
 * (weights are fixed; KV and activation grow with both, and the activation bound beyond the trained
 * context is itself non-decreasing), so "fits" is true up to a threshold and false after it, and
 * an exponential probe followed by a binary search over integers finds the threshold exactly.
 */
import type { Provenance } from '../fit/types.ts';
import { predictVram, type VramCoefficients } from '../fit/vram.ts';
import type { GpuSpec, ModelSpec, QuantSpec } from '../records.ts';

/** Largest context the solver probes (tokens); a model that still fits is reported as capped. */
export const MAX_CONTEXT_PROBE = 2 ** 24;
/** Largest sequence count the solver probes. */
export const MAX_SEQUENCES_PROBE = 2 ** 20;

/**
 * `largestSatisfying(ok, lo, hi)` is the largest integer x in [lo, hi] with ok(x), for a predicate
 * that is true up to some threshold and false after it; lo − 1 when ok(lo) is false. Doubles the
 * step from lo until ok fails or hi is reached, then bisects: O(log(x − lo)) calls.
 * @example largestSatisfying((x) => x * x <= 50, 1, 100) // 7
 */
export function largestSatisfying(ok: (x: number) => boolean, lo: number, hi: number): number {
  if (!(Number.isInteger(lo) && Number.isInteger(hi)) || hi < lo) {
    throw new RangeError(`largestSatisfying: need integers lo ≤ hi, got ${lo}, ${hi}`);
  }
  if (!ok(lo)) return lo - 1;
  let good = lo;
  let step = 1;
  // First known failure; hi + 1 stands for "none seen" (ok(hi + 1) is never asked).
  let bad = hi + 1;
  while (good < hi) {
    const probe = Math.min(hi, good + step);
    if (ok(probe)) {
      good = probe;
      step *= 2;
    } else {
      bad = probe;
      break;
    }
  }
  if (bad > hi) return good;
  while (bad - good > 1) {
    const mid: number = good + Math.floor((bad - good) / 2);
    if (ok(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

export interface LimitsQuery {
  readonly model: ModelSpec;
  readonly quant: QuantSpec;
  readonly gpu: GpuSpec;
  /** Context per sequence for the concurrency limit (tokens, ≥ 1). */
  readonly context: number;
  /** Serving backend: the VRAM model applies its fitted activation only to backends it measured. */
  readonly backend?: string | undefined;
}

/** One limit: the largest value that fits and the predicted VRAM there. */
export interface Limit {
  /** Largest integer that fits; 0 when not even 1 does. */
  readonly value: number;
  /** True when the value is the probe cap (the true limit may be higher). */
  readonly capped: boolean;
  /** Predicted VRAM at the limit (GB), or at 1 when nothing fits. */
  readonly vramGb: number;
  /** Provenance of the VRAM prediction at the limit (`extrapolated` beyond the trained context or sizes). */
  readonly provenance: Provenance;
}

export interface LimitsResult {
  readonly gpuVramGb: number;
  /** Weights including the fitted overhead (and intercept): what one sequence of one token costs, minus KV. */
  readonly baseVramGb: number;
  /** Largest context at one sequence. */
  readonly maxContext: Limit;
  /** Largest number of concurrent sequences at `context`. */
  readonly maxSequences: Limit & { readonly context: number };
}

/**
 * `computeLimits(vram, { model, quant, gpu, context })` solves both limits with
 * `largestSatisfying` over predictVram(…) ≤ gpu.vramGb: context at batch 1 in [1, 2²⁴], and batch at
 * `context` in [1, 2²⁰].
 * @example computeLimits(c, { model: llama3b, quant: q4km, gpu: rtx4060, context: 2048 }).maxSequences.value
 */
export function computeLimits(vram: VramCoefficients, q: LimitsQuery): LimitsResult {
  const at = (context: number, batch: number) =>
    predictVram(vram, { model: q.model, quant: q.quant, context, batch, backend: q.backend });
  const fits = (context: number, batch: number) => at(context, batch).vramGb <= q.gpu.vramGb;

  const ctx = largestSatisfying((c) => fits(c, 1), 1, MAX_CONTEXT_PROBE);
  const ctxPoint = at(Math.max(1, ctx), 1);
  const seq = largestSatisfying((b) => fits(q.context, b), 1, MAX_SEQUENCES_PROBE);
  const seqPoint = at(q.context, Math.max(1, seq));
  const one = at(1, 1);
  return {
    gpuVramGb: q.gpu.vramGb,
    baseVramGb: one.vramGb - one.kvGb - one.activationGb,
    maxContext: {
      value: Math.max(0, ctx),
      capped: ctx === MAX_CONTEXT_PROBE,
      vramGb: ctxPoint.vramGb,
      provenance: ctxPoint.provenance,
    },
    maxSequences: {
      context: q.context,
      value: Math.max(0, seq),
      capped: seq === MAX_SEQUENCES_PROBE,
      vramGb: seqPoint.vramGb,
      provenance: seqPoint.provenance,
    },
  };
}
