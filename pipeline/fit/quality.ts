/**
 * Quality model (TR133 §7): composite quality (0–1) per (model, quant).
 *
 * Fit: `lookup` = weighted mean score per (model, quant); `fp16_baselines` = the FP16 entry of each
 * model; `quant_deltas` = for each quant Q, the mean over models having both of q(model, Q) − q(model, FP16)
 * (each model counts once), with its sample std and count in `quant_delta_stats`. Models without an FP16
 * entry get a `proxy_baselines` entry: their highest-precision measured quant.
 *
 * Predict, first match wins:
 *  1. exact lookup                                        → `measured`
 *  2. FP16 baseline + delta(Q)                            → `derived`
 *  3. proxy baseline P: q(model, P) + delta(Q) − delta(P) → `extrapolated` (needs both deltas)
 *  4. otherwise `unknown_quality`                          → `unknown`
 * An unknown model gets no model-specific estimate: FP16 baselines of different models differ by more
 * (0.29–0.64 in TR124) than any quant delta, so a global mean would only look informed.
 * Tier by the drop from the baseline in percentage points, dropPp = (baseline − q) · 100:
 * < 3 negligible, < 10 acceptable, ≤ 15 concerning, > 15 unacceptable. The baseline is FP16 when the
 * model has one, the proxy quant otherwise (labelled), or −delta(Q) alone for an unknown model.
 */

import { z } from 'zod';
import type { QualityRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict, splitKey } from '../util/keys.ts';
import type { Diagnostics, FitResult, Provenance } from './types.ts';
import { residualSummary } from './types.ts';

export type QualityTier = 'negligible' | 'acceptable' | 'concerning' | 'unacceptable' | 'unknown';

const score = z.number().min(0).max(1);

export const QualityCoefficientsSchema = z.strictObject({
  /** Weighted mean score per `model|quant`. */
  lookup: z.record(z.string(), score),
  /** q(model, FP16) per model. */
  fp16_baselines: z.record(z.string(), score),
  /** Mean of q(model, Q) − q(model, FP16) over models with both, per quant. */
  quant_deltas: z.record(z.string(), z.number().min(-1).max(1)),
  /** Mean, sample std (null for one model) and number of models behind each delta. */
  quant_delta_stats: z.record(
    z.string(),
    z.strictObject({
      mean: z.number().min(-1).max(1),
      std: z.number().nonnegative().nullable(),
      n: z.number().int().positive(),
    }),
  ),
  /** For models without FP16: the highest-precision measured quant and its score. */
  proxy_baselines: z.record(z.string(), z.strictObject({ quant: z.string(), quality: score })),
  /** The quant deltas and tiers are measured from (FP16). */
  baseline_quant: z.string(),
  /** Quality when nothing better is known. */
  unknown_quality: score,
  /** Tier boundaries in percentage points of drop from the baseline. */
  tier_thresholds_pp: z.strictObject({
    negligible: z.number(),
    acceptable: z.number(),
    concerning: z.number(),
  }),
  fitted: z.boolean(),
});
export type QualityCoefficients = z.infer<typeof QualityCoefficientsSchema>;

/** Options of `fitQuality`. */
export interface QualityOptions {
  /**
   * Quant the deltas are measured from.
   * @default 'FP16'
   */
  readonly baselineQuant?: string;
  /**
   * Quality returned when neither an exact entry nor a delta route exists (config `defaults.unknown_quality`).
   * @default 0.5
   */
  readonly unknownQuality?: number;
  /**
   * Quants from highest to lowest precision; picks the proxy baseline of a model without FP16.
   * Quants not listed rank below every listed one.
   * @default ['FP32','BF16','FP16','Q8_0','Q6_K','Q5_K_M','Q5_K_S','Q5_0','Q4_K_M','Q4_K_S','Q4_0','Q3_K_L','Q3_K_M','Q3_K_S','Q2_K']
   */
  readonly precisionOrder?: readonly string[];
  /**
   * Tier boundaries (pp of drop): below `negligible` → negligible, below `acceptable` → acceptable,
   * up to `concerning` → concerning, above → unacceptable.
   * @default { negligible: 3, acceptable: 10, concerning: 15 }
   */
  readonly tierThresholdsPp?: {
    readonly negligible: number;
    readonly acceptable: number;
    readonly concerning: number;
  };
}

export const DEFAULT_QUALITY_OPTIONS: {
  readonly baselineQuant: string;
  readonly unknownQuality: number;
  readonly precisionOrder: readonly string[];
  readonly tierThresholdsPp: {
    readonly negligible: number;
    readonly acceptable: number;
    readonly concerning: number;
  };
} = {
  baselineQuant: 'FP16',
  unknownQuality: 0.5,
  precisionOrder: [
    'FP32',
    'BF16',
    'FP16',
    'Q8_0',
    'Q6_K',
    'Q5_K_M',
    'Q5_K_S',
    'Q5_0',
    'Q4_K_M',
    'Q4_K_S',
    'Q4_0',
    'Q3_K_L',
    'Q3_K_M',
    'Q3_K_S',
    'Q2_K',
  ],
  tierThresholdsPp: { negligible: 3, acceptable: 10, concerning: 15 },
};

/** Applies defaults and checks ranges; a bad option is a `PipelineError`. */
export function resolveQualityOptions(options: QualityOptions = {}): typeof DEFAULT_QUALITY_OPTIONS {
  const o = {
    baselineQuant: options.baselineQuant ?? DEFAULT_QUALITY_OPTIONS.baselineQuant,
    unknownQuality: options.unknownQuality ?? DEFAULT_QUALITY_OPTIONS.unknownQuality,
    precisionOrder: options.precisionOrder ?? DEFAULT_QUALITY_OPTIONS.precisionOrder,
    tierThresholdsPp: options.tierThresholdsPp ?? DEFAULT_QUALITY_OPTIONS.tierThresholdsPp,
  };
  if (!(Number.isFinite(o.unknownQuality) && o.unknownQuality >= 0 && o.unknownQuality <= 1)) {
    throw new PipelineError('options', `quality: unknownQuality must be in [0, 1], got ${o.unknownQuality}`);
  }
  const t = o.tierThresholdsPp;
  if (
    !(
      Number.isFinite(t.negligible) &&
      Number.isFinite(t.concerning) &&
      t.negligible <= t.acceptable &&
      t.acceptable <= t.concerning
    )
  ) {
    throw new PipelineError(
      'options',
      'quality: tierThresholdsPp must be finite with negligible ≤ acceptable ≤ concerning',
    );
  }
  if (o.baselineQuant.length === 0) throw new PipelineError('options', 'quality: baselineQuant is empty');
  return o;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function usable(r: QualityRecord): boolean {
  return (
    Number.isFinite(r.score) && r.score >= 0 && r.score <= 1 && Number.isFinite(r.weight) && r.weight > 0
  );
}

/**
 * `fitQuality(train, options)` builds the lookup, FP16 baselines, average quant deltas and proxy
 * baselines. Scores outside [0, 1] or with non-positive weight are ignored (noted).
 * @example fitQuality(records).coefficients.quant_deltas.Q2_K // ≈ −0.10 on TR125-like data
 */
export function fitQuality(
  train: readonly QualityRecord[],
  options: QualityOptions = {},
): FitResult<QualityCoefficients> {
  const o = resolveQualityOptions(options);
  const notes: string[] = [];
  // Sorted so that the floating-point sums, and so the artifact, do not depend on record order.
  const used = train
    .filter(usable)
    .sort(
      (a, b) =>
        compare(a.model, b.model) || compare(a.quant, b.quant) || a.score - b.score || a.weight - b.weight,
    );
  if (used.length < train.length) {
    notes.push(`${train.length - used.length} records with a score outside [0, 1] or no weight ignored`);
  }

  // 1. Weighted mean per (model, quant).
  const sums = new Map<string, { sw: number; swy: number }>();
  for (const r of used) {
    const key = compositeKey(r.model, r.quant);
    const s = sums.get(key) ?? { sw: 0, swy: 0 };
    s.sw += r.weight;
    s.swy += r.weight * r.score;
    sums.set(key, s);
  }
  const lookup = dict<number>();
  const byModel = new Map<string, Map<string, number>>();
  for (const key of [...sums.keys()].sort()) {
    const s = sums.get(key)!;
    const value = s.swy / s.sw;
    lookup[key] = value;
    const [model, quant] = splitKey(key) as [string, string];
    const quants = byModel.get(model) ?? new Map<string, number>();
    quants.set(quant, value);
    byModel.set(model, quants);
  }

  // 2. Baselines: FP16 where measured, else the highest-precision measured quant.
  const fp16 = dict<number>();
  const proxies = dict<{ quant: string; quality: number }>();
  const rank = (q: string) => {
    const i = o.precisionOrder.indexOf(q);
    return i === -1 ? o.precisionOrder.length : i;
  };
  for (const model of [...byModel.keys()].sort()) {
    const quants = byModel.get(model)!;
    const base = quants.get(o.baselineQuant);
    if (base !== undefined) {
      fp16[model] = base;
      continue;
    }
    const best = [...quants.keys()].sort((a, b) => rank(a) - rank(b) || compare(a, b))[0]!;
    proxies[model] = { quant: best, quality: quants.get(best)! };
    notes.push(`${model}: no ${o.baselineQuant} entry; tiers measured from its ${best} score`);
  }

  // 3. Average delta per quant over models with both the quant and the baseline.
  const deltasByQuant = new Map<string, number[]>();
  for (const model of Object.keys(fp16).sort()) {
    for (const [quant, value] of byModel.get(model)!) {
      if (quant === o.baselineQuant) continue;
      const list = deltasByQuant.get(quant) ?? [];
      list.push(value - fp16[model]!);
      deltasByQuant.set(quant, list);
    }
  }
  const quantDeltas = dict<number>();
  const stats = dict<QualityCoefficients['quant_delta_stats'][string]>();
  for (const quant of [...deltasByQuant.keys()].sort()) {
    const list = deltasByQuant.get(quant)!;
    const mean = list.reduce((s, d) => s + d, 0) / list.length;
    const std =
      list.length < 2 ? null : Math.sqrt(list.reduce((s, d) => s + (d - mean) ** 2, 0) / (list.length - 1));
    quantDeltas[quant] = mean;
    stats[quant] = { mean, std, n: list.length };
  }

  // Residuals: records against their own (model, quant) mean, i.e. the within-cell spread.
  const errors = used.map((r) => lookup[compositeKey(r.model, r.quant)]! - r.score);
  const entries = Object.keys(lookup).length;
  if (Object.keys(fp16).length === 0 && entries > 0) {
    notes.push(`no model has a ${o.baselineQuant} entry: no quant deltas, only exact lookups`);
  }
  const status: Diagnostics['status'] = train.length === 0 ? 'empty' : entries === 0 ? 'fallback' : 'fitted';
  if (entries === 0)
    notes.push(`no usable quality records: every prediction is ${o.unknownQuality} (unknown)`);
  return {
    coefficients: {
      lookup,
      fp16_baselines: fp16,
      quant_deltas: quantDeltas,
      quant_delta_stats: stats,
      proxy_baselines: proxies,
      baseline_quant: o.baselineQuant,
      unknown_quality: o.unknownQuality,
      tier_thresholds_pp: { ...o.tierThresholdsPp },
      fitted: entries > 0,
    },
    diagnostics: { n: used.length, converged: true, status, residuals: residualSummary(errors), notes },
  };
}

export interface QualityQuery {
  readonly model: string;
  readonly quant: string;
}

/** What the drop (and tier) is measured from. */
export interface QualityBaseline {
  /** `fp16`: the model's FP16 score; `proxy`: its best measured quant; `average_delta`: −delta(Q) alone; `none`. */
  readonly kind: 'fp16' | 'proxy' | 'average_delta' | 'none';
  readonly quant: string | null;
  readonly quality: number | null;
}

export interface QualityPrediction {
  /** Composite quality in [0, 1]. */
  readonly quality: number;
  readonly tier: QualityTier;
  /** (baseline − quality) · 100; null when there is no baseline. Negative means better than baseline. */
  readonly dropPp: number | null;
  readonly provenance: Provenance;
  readonly baseline: QualityBaseline;
}

function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `qualityTier(dropPp, thresholds)`: < negligible → negligible, < acceptable → acceptable,
 * ≤ concerning → concerning, else unacceptable; null → unknown.
 * @example qualityTier(10.4, { negligible: 3, acceptable: 10, concerning: 15 }) // 'concerning'
 */
export function qualityTier(
  dropPp: number | null,
  t: QualityCoefficients['tier_thresholds_pp'],
): QualityTier {
  if (dropPp === null || !Number.isFinite(dropPp)) return 'unknown';
  if (dropPp < t.negligible) return 'negligible';
  if (dropPp < t.acceptable) return 'acceptable';
  if (dropPp <= t.concerning) return 'concerning';
  return 'unacceptable';
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/**
 * `predictQuality(coefficients, { model, quant })` follows exact → FP16 + delta → proxy + delta
 * difference → unknown, and tiers the result by its drop from the model's baseline.
 * @example predictQuality(c, { model: 'llama3.2-1b', quant: 'Q2_K' }) // { quality: 0.39, tier: 'concerning', ... }
 */
export function predictQuality(coefficients: QualityCoefficients, query: QualityQuery): QualityPrediction {
  const c = coefficients;
  const exact = own(c.lookup, compositeKey(query.model, query.quant));
  const fp16 = own(c.fp16_baselines, query.model);
  const proxy = own(c.proxy_baselines, query.model);
  const delta = own(c.quant_deltas, query.quant);
  const isBaselineQuant = query.quant === c.baseline_quant;

  let quality: number;
  let provenance: Provenance;
  if (exact !== undefined) {
    quality = exact;
    provenance = 'measured';
  } else if (fp16 !== undefined && delta !== undefined) {
    quality = clamp01(fp16 + delta);
    provenance = 'derived';
  } else if (proxy !== undefined && (delta !== undefined || isBaselineQuant)) {
    const proxyDelta = own(c.quant_deltas, proxy.quant);
    const target = isBaselineQuant ? 0 : delta!;
    if (proxyDelta !== undefined) {
      quality = clamp01(proxy.quality + target - proxyDelta);
      provenance = 'extrapolated';
    } else {
      quality = c.unknown_quality;
      provenance = 'unknown';
    }
  } else {
    quality = c.unknown_quality;
    provenance = 'unknown';
  }

  let baseline: QualityBaseline;
  let dropPp: number | null;
  if (fp16 !== undefined) {
    baseline = { kind: 'fp16', quant: c.baseline_quant, quality: fp16 };
    dropPp = provenance === 'unknown' ? null : (fp16 - quality) * 100;
  } else if (proxy !== undefined) {
    baseline = { kind: 'proxy', quant: proxy.quant, quality: proxy.quality };
    dropPp = provenance === 'unknown' ? null : (proxy.quality - quality) * 100;
  } else if (delta !== undefined) {
    baseline = { kind: 'average_delta', quant: c.baseline_quant, quality: null };
    dropPp = -delta * 100;
  } else if (isBaselineQuant) {
    baseline = { kind: 'average_delta', quant: c.baseline_quant, quality: null };
    dropPp = 0;
  } else {
    baseline = { kind: 'none', quant: null, quality: null };
    dropPp = null;
  }
  return { quality, tier: qualityTier(dropPp, c.tier_thresholds_pp), dropPp, provenance, baseline };
}
