/**
 * VRAM model (TR133 §4), refitted with variants and chosen by held-out error inside the fit:
 *
 *   VRAM_GB = weight_GB · overhead_factor + KV_GB + activation_GB + intercept_gb
 *   weight_GB     = params_B · bits_per_weight / 8              (effective bpw incl. block scales)
 *   KV_GB         = 2 · layers · batch · seq · kv_heads · head_dim · kv_bytes / 1024³
 *   activation_GB = batch · layers · (act_coeff · (seq/1024)² + act_coeff_linear · seq/1024)
 *
 * Variants: `quadratic` (the spec: two-pass, median overhead from ctx ≤ 2048 then least-squares
 * act_coeff on the residuals), `linear` (same two passes, linear activation), and
 * `intercept_quadratic` / `intercept_linear` (the spec's future-work constant: overhead, activation
 * and intercept fitted jointly by non-negative least squares). Each is scored by leave-one-model-out
 * error on the training records and the best one is published; all are recorded.
 *
 * Beyond the largest trained context the activation term is bounded (see `activationGb`), so
 * extrapolation cannot explode quadratically.
 */
import { z } from 'zod';
import { nonNegativeLeastSquares, slopeThroughOrigin } from '../math/least-squares.ts';
import { weightedMedian } from '../math/robust.ts';
import type { ModelSpec, QuantSpec, VramRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import type { Diagnostics, FitResult, Provenance, ResidualSummary, SpecLookup } from './types.ts';

const GIB = 1024 ** 3;

/** The fitted variants, in tie-break order (the spec's form first). */
export const VRAM_VARIANTS = ['quadratic', 'linear', 'intercept_quadratic', 'intercept_linear'] as const;
export type VramVariant = (typeof VRAM_VARIANTS)[number];

const nonNegative = z.number().nonnegative();

/** One variant's coefficients and scores (zod 4 numbers are finite: NaN and ±Infinity fail). */
export const VramVariantSchema = z.strictObject({
  overhead_factor: nonNegative,
  act_coeff: nonNegative,
  act_coeff_linear: nonNegative,
  intercept_gb: nonNegative,
  /** Held-out RMSE (GB) over the cross-validation folds; null when no fold could be scored. */
  cv_rmse_gb: nonNegative.nullable(),
  /** Held-out mean absolute percentage error (fraction). */
  cv_mape: nonNegative.nullable(),
  cv_n: z.number().int().nonnegative(),
  /** In-sample RMSE (GB) of the variant fitted on all training records. */
  train_rmse_gb: nonNegative.nullable(),
});
export type VramVariantCoefficients = z.infer<typeof VramVariantSchema>;

/**
 * Published VRAM coefficients. `overhead_factor`, `act_coeff` and `fitted` keep the reference
 * artifact's names; the top-level terms are those of the chosen `variant`, and the general formula
 * in the module JSDoc holds for every variant (unused terms are 0).
 */
export const VramCoefficientsSchema = z.strictObject({
  overhead_factor: nonNegative,
  act_coeff: nonNegative,
  /** True when the coefficients come from data (at least one usable record). */
  fitted: z.boolean(),
  variant: z.enum(VRAM_VARIANTS),
  act_coeff_linear: nonNegative,
  intercept_gb: nonNegative,
  kv_bytes: z.number().positive(),
  /** Pass 1 uses records with context ≤ this. */
  low_context_max: z.number().positive(),
  /** Beyond `max_trained_context`, activation ≤ max(activation at that context, ratio · (weights + KV)). */
  activation_cap_ratio: nonNegative,
  max_trained_context: z.number().positive().nullable(),
  trained_params_b: z.strictObject({ min: nonNegative, max: nonNegative }).nullable(),
  cv_scheme: z.enum(['leave_one_model_out', 'leave_one_record_out', 'none']),
  cv_folds: z.number().int().nonnegative(),
  selected_by: z.enum(['rmse', 'mape']),
  variants: z.partialRecord(z.enum(VRAM_VARIANTS), VramVariantSchema),
  n_records: z.number().int().nonnegative(),
  n_models: z.number().int().nonnegative(),
});
export type VramCoefficients = z.infer<typeof VramCoefficientsSchema>;

/** Tuning of `fitVram`; the registry lookup is required, every other field has a default. */
export interface VramFitOptions {
  /** Registry lookups for each record's model (params, layers, KV heads, head dim) and quant (bpw). */
  readonly specs: SpecLookup;
  /** Pass 1 (overhead) uses records with context ≤ this many tokens.
   * @default 2048 */
  readonly lowContextMax?: number;
  /** Bytes per KV-cache element (2 = FP16 cache).
   * @default 2 */
  readonly kvBytes?: number;
  /** Beyond the largest trained context, activation may not exceed
   * max(activation at that context, ratio · (weight_GB + KV_GB)).
   * @default 1 */
  readonly activationCapRatio?: number;
  /** Lower bound on overhead_factor: the weights themselves must be resident.
   * @default 1 */
  readonly minOverheadFactor?: number;
  /** overhead_factor published when no record is usable.
   * @default 1 */
  readonly fallbackOverheadFactor?: number;
  /** Variants to fit and compare.
   * @default ["quadratic","linear","intercept_quadratic","intercept_linear"] */
  readonly variants?: readonly VramVariant[];
  /** Held-out metric that chooses the variant.
   * @default "rmse" */
  readonly selectBy?: 'rmse' | 'mape';
}

export const DEFAULT_VRAM_FIT_OPTIONS = {
  lowContextMax: 2048,
  kvBytes: 2,
  activationCapRatio: 1,
  minOverheadFactor: 1,
  fallbackOverheadFactor: 1,
  variants: VRAM_VARIANTS,
  selectBy: 'rmse',
} as const satisfies Required<Omit<VramFitOptions, 'specs'>>;

type ResolvedVramOptions = Required<Omit<VramFitOptions, 'specs'>> & { readonly specs: SpecLookup };

function resolveVramFitOptions(options: VramFitOptions): ResolvedVramOptions {
  const o = { ...DEFAULT_VRAM_FIT_OPTIONS, ...options };
  const positive = (key: keyof typeof o, v: number) => {
    if (!(Number.isFinite(v) && v > 0))
      throw new PipelineError('options', `fitVram: ${key} must be > 0, got ${v}`);
  };
  positive('lowContextMax', o.lowContextMax);
  positive('kvBytes', o.kvBytes);
  positive('fallbackOverheadFactor', o.fallbackOverheadFactor);
  for (const key of ['activationCapRatio', 'minOverheadFactor'] as const) {
    if (!(Number.isFinite(o[key]) && o[key] >= 0)) {
      throw new PipelineError('options', `fitVram: ${key} must be ≥ 0, got ${o[key]}`);
    }
  }
  if (o.variants.length === 0 || o.variants.some((v) => !VRAM_VARIANTS.includes(v))) {
    throw new PipelineError(
      'options',
      `fitVram: variants must be a non-empty subset of ${VRAM_VARIANTS.join(', ')}`,
    );
  }
  if (o.selectBy !== 'rmse' && o.selectBy !== 'mape') {
    throw new PipelineError('options', `fitVram: selectBy must be rmse or mape, got ${String(o.selectBy)}`);
  }
  if (!options.specs) throw new PipelineError('options', 'fitVram: specs (registry lookup) is required');
  return o;
}

// ------------------------------------------------------------------------------------------
// Physics
// ------------------------------------------------------------------------------------------

/**
 * `weightGb(paramsB, bitsPerWeight)` = params_B · bpw / 8 (GB of weights).
 * @example weightGb(8.03, 16) // 16.06
 */
export function weightGb(paramsB: number, bitsPerWeight: number): number {
  return (paramsB * bitsPerWeight) / 8;
}

/**
 * `kvCacheBytes(model, context, batch, kvBytes)` = 2 · layers · batch · seq · kv_heads · head_dim · kv_bytes
 * (keys and values for every layer and cached token).
 * @example kvCacheBytes({ layers: 32, kvHeads: 8, headDim: 128 }, 8192, 1, 2) // 1073741824 (1 GiB)
 */
export function kvCacheBytes(
  model: Pick<ModelSpec, 'layers' | 'kvHeads' | 'headDim'>,
  context: number,
  batch: number,
  kvBytes: number,
): number {
  return 2 * model.layers * batch * context * model.kvHeads * model.headDim * kvBytes;
}

/** `kvCacheGb(...)` = kvCacheBytes / 1024³ (the spec's unit). */
export function kvCacheGb(
  model: Pick<ModelSpec, 'layers' | 'kvHeads' | 'headDim'>,
  context: number,
  batch: number,
  kvBytes: number,
): number {
  return kvCacheBytes(model, context, batch, kvBytes) / GIB;
}

/** Terms of the general formula plus what the activation bound needs. */
interface Terms {
  readonly overhead: number;
  readonly act: number;
  readonly actLin: number;
  readonly intercept: number;
  readonly capRatio: number;
  readonly maxContext: number | null;
}

function rawActivation(t: Terms, layers: number, context: number, batch: number): number {
  const s = context / 1024;
  return batch * layers * (t.act * s * s + t.actLin * s);
}

/**
 * Activation with its physics bound: within the trained context range the fitted term is used
 * as is; beyond it (s > C), activation ≤ max(act(C), ratio · (weight_GB + KV_GB(s))). Both sides
 * are non-decreasing in s, so the result stays monotone and continuous at C.
 */
function activationGb(
  t: Terms,
  layers: number,
  context: number,
  batch: number,
  wGb: number,
  kvGb: number,
): { value: number; clamped: boolean } {
  const raw = rawActivation(t, layers, context, batch);
  if (t.maxContext === null || context <= t.maxContext) return { value: raw, clamped: false };
  const bound = Math.max(rawActivation(t, layers, t.maxContext, batch), t.capRatio * (wGb + kvGb));
  return raw > bound ? { value: bound, clamped: true } : { value: raw, clamped: false };
}

// ------------------------------------------------------------------------------------------
// Fit
// ------------------------------------------------------------------------------------------

interface Row {
  readonly model: string;
  readonly y: number;
  readonly wGb: number;
  readonly kvGb: number;
  readonly context: number;
  readonly batch: number;
  readonly layers: number;
  readonly paramsB: number;
  readonly weight: number;
}

interface Prepared {
  readonly rows: Row[];
  readonly noModel: number;
  readonly noQuant: number;
  readonly invalid: number;
}

function prepare(train: readonly VramRecord[], o: ResolvedVramOptions): Prepared {
  const rows: Row[] = [];
  let noModel = 0;
  let noQuant = 0;
  let invalid = 0;
  // Canonical order (content-derived ids) so the floating-point sums do not depend on input order.
  const ordered = [...train].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.vramGb - b.vramGb));
  for (const r of ordered) {
    const model = o.specs.model(r.model);
    const quant = o.specs.quant(r.quant);
    if (!model) {
      noModel++;
      continue;
    }
    if (!quant) {
      noQuant++;
      continue;
    }
    const batch = r.batch > 0 && Number.isFinite(r.batch) ? r.batch : 1;
    const wGb = weightGb(model.paramsB, quant.bitsPerWeight);
    const kvGb = kvCacheGb(model, r.contextLength, batch, o.kvBytes);
    const weight = r.weight > 0 && Number.isFinite(r.weight) ? r.weight : 1;
    if (
      !(wGb > 0 && Number.isFinite(kvGb) && r.contextLength > 0 && Number.isFinite(r.vramGb) && r.vramGb > 0)
    ) {
      invalid++;
      continue;
    }
    rows.push({
      model: r.model,
      y: r.vramGb,
      wGb,
      kvGb,
      context: r.contextLength,
      batch,
      layers: model.layers,
      paramsB: model.paramsB,
      weight,
    });
  }
  return { rows, noModel, noQuant, invalid };
}

const isQuadratic = (v: VramVariant) => v === 'quadratic' || v === 'intercept_quadratic';
const hasIntercept = (v: VramVariant) => v === 'intercept_quadratic' || v === 'intercept_linear';

function feature(v: VramVariant, r: Row): number {
  const s = r.context / 1024;
  return r.batch * r.layers * (isQuadratic(v) ? s * s : s);
}

interface VariantFit {
  readonly overhead: number;
  readonly act: number;
  readonly actLin: number;
  readonly intercept: number;
  readonly notes: string[];
}

/** Fits one variant on `rows` (non-empty). Never returns a non-finite value. */
function fitVariant(rows: readonly Row[], v: VramVariant, o: ResolvedVramOptions): VariantFit {
  const notes: string[] = [];
  const activationIdentified =
    rows.some((r) => r.context > o.lowContextMax) && new Set(rows.map((r) => r.context)).size >= 2;
  const w = rows.map((r) => r.weight);
  let overhead: number;
  let slope = 0;
  let intercept = 0;
  if (hasIntercept(v)) {
    // y − KV − m·W = (overhead − m)·W + intercept + act·f, all three ≥ 0 (m = minOverheadFactor).
    const X = rows.map((r) => (activationIdentified ? [r.wGb, 1, feature(v, r)] : [r.wGb, 1]));
    const target = rows.map((r) => r.y - r.kvGb - o.minOverheadFactor * r.wGb);
    const fit = nonNegativeLeastSquares(X, target, w);
    const beta = fit?.beta ?? [];
    overhead = o.minOverheadFactor + (beta[0] ?? 0);
    intercept = beta[1] ?? 0;
    slope = beta[2] ?? 0;
    if (fit?.atBound[0]) notes.push(`${v}: overhead_factor at its floor ${o.minOverheadFactor}`);
  } else {
    // Pass 1: overhead = weighted median of (measured − KV)/weights at low context.
    let low = rows.filter((r) => r.context <= o.lowContextMax);
    if (low.length === 0) {
      notes.push(`no record at context ≤ ${o.lowContextMax}: pass 1 used all records`);
      low = rows.slice();
    }
    const ratio = weightedMedian(
      low.map((r) => (r.y - r.kvGb) / r.wGb),
      low.map((r) => r.weight),
    );
    overhead = Math.max(o.minOverheadFactor, ratio);
    if (ratio < o.minOverheadFactor) {
      notes.push(`${v}: median overhead ${ratio.toFixed(4)} raised to the floor ${o.minOverheadFactor}`);
    }
    // Pass 2: activation coefficient by least squares through the origin on the residuals.
    if (activationIdentified) {
      const k = slopeThroughOrigin(
        rows.map((r) => feature(v, r)),
        rows.map((r) => r.y - (r.wGb * overhead + r.kvGb)),
        w,
      );
      slope = Math.max(0, k ?? 0);
    }
  }
  const quad = isQuadratic(v);
  return { overhead, act: quad ? slope : 0, actLin: quad ? 0 : slope, intercept, notes };
}

function termsOf(f: VariantFit, capRatio: number, maxContext: number | null): Terms {
  return { overhead: f.overhead, act: f.act, actLin: f.actLin, intercept: f.intercept, capRatio, maxContext };
}

function predictRow(t: Terms, r: Row): number {
  const act = activationGb(t, r.layers, r.context, r.batch, r.wGb, r.kvGb).value;
  return r.wGb * t.overhead + r.kvGb + act + t.intercept;
}

interface Score {
  readonly rmse: number | null;
  readonly mape: number | null;
  readonly n: number;
}

function score(actual: readonly number[], predicted: readonly number[]): Score {
  const n = actual.length;
  if (n === 0) return { rmse: null, mape: null, n: 0 };
  let sse = 0;
  let ape = 0;
  for (let i = 0; i < n; i++) {
    sse += (predicted[i]! - actual[i]!) ** 2;
    ape += Math.abs(predicted[i]! - actual[i]!) / actual[i]!;
  }
  return { rmse: Math.sqrt(sse / n), mape: ape / n, n };
}

function maxContextOf(rows: readonly Row[]): number | null {
  return rows.length > 0 ? Math.max(...rows.map((r) => r.context)) : null;
}

type CvScheme = VramCoefficients['cv_scheme'];

/** Cross-validation folds as [train, held-out] row sets: by model when ≥ 2 models, else by record. */
function folds(rows: readonly Row[]): { scheme: CvScheme; folds: [Row[], Row[]][] } {
  const models = [...new Set(rows.map((r) => r.model))].sort();
  if (models.length >= 2) {
    return {
      scheme: 'leave_one_model_out',
      folds: models.map((m) => [rows.filter((r) => r.model !== m), rows.filter((r) => r.model === m)]),
    };
  }
  if (rows.length >= 3) {
    return {
      scheme: 'leave_one_record_out',
      folds: rows.map((_, i) => [rows.filter((__, j) => j !== i), [rows[i]!]]),
    };
  }
  return { scheme: 'none', folds: [] };
}

function residualSummary(actual: readonly number[], predicted: readonly number[]): ResidualSummary | null {
  const n = actual.length;
  if (n === 0) return null;
  let sse = 0;
  let sae = 0;
  let sb = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const e = predicted[i]! - actual[i]!;
    sse += e * e;
    sae += Math.abs(e);
    sb += e;
    maxAbs = Math.max(maxAbs, Math.abs(e));
  }
  return { rmse: Math.sqrt(sse / n), mae: sae / n, bias: sb / n, maxAbs };
}

function fallbackCoefficients(o: ResolvedVramOptions, nRecords: number, nModels: number): VramCoefficients {
  return {
    overhead_factor: o.fallbackOverheadFactor,
    act_coeff: 0,
    fitted: false,
    variant: o.variants.includes('quadratic') ? 'quadratic' : o.variants[0]!,
    act_coeff_linear: 0,
    intercept_gb: 0,
    kv_bytes: o.kvBytes,
    low_context_max: o.lowContextMax,
    activation_cap_ratio: o.activationCapRatio,
    max_trained_context: null,
    trained_params_b: null,
    cv_scheme: 'none',
    cv_folds: 0,
    selected_by: o.selectBy,
    variants: {},
    n_records: nRecords,
    n_models: nModels,
  };
}

/**
 * `fitVram(train, { specs })` fits every variant on the training records, scores each by
 * leave-one-model-out RMSE (leave-one-record-out with a single model) and publishes the best.
 * Records whose model or quant is not in the registry are skipped and counted in the notes.
 * Degenerate inputs give labelled fallbacks: no usable record → `fallbackOverheadFactor` and zero
 * activation (`status: 'empty'`/`'fallback'`, `fitted: false`); no context above `lowContextMax`
 * or a single context → activation terms 0 (`status: 'fallback'`).
 * @example fitVram(trainRecords, { specs }).coefficients.overhead_factor // ≈ 1.0–1.2 on HF FP16 data
 */
export function fitVram(train: readonly VramRecord[], options: VramFitOptions): FitResult<VramCoefficients> {
  const o = resolveVramFitOptions(options);
  const { rows, noModel, noQuant, invalid } = prepare(train, o);
  const notes: string[] = [];
  if (noModel > 0) notes.push(`${noModel} record(s) skipped: model not in the registry`);
  if (noQuant > 0) notes.push(`${noQuant} record(s) skipped: quant not in the registry`);
  if (invalid > 0) notes.push(`${invalid} record(s) skipped: non-positive weights, context or VRAM`);
  const nModels = new Set(rows.map((r) => r.model)).size;

  // 1. Nothing usable: documented defaults.
  if (rows.length === 0) {
    notes.push(`no usable record: overhead_factor ${o.fallbackOverheadFactor}, no activation or intercept`);
    return {
      coefficients: fallbackCoefficients(o, 0, 0),
      diagnostics: {
        n: 0,
        converged: false,
        status: train.length === 0 ? 'empty' : 'fallback',
        residuals: null,
        notes,
      },
    };
  }

  const maxContext = maxContextOf(rows);
  const activationIdentified =
    rows.some((r) => r.context > o.lowContextMax) && new Set(rows.map((r) => r.context)).size >= 2;
  if (!activationIdentified) {
    notes.push(
      `activation not identifiable (no context above ${o.lowContextMax} or a single context): activation terms set to 0`,
    );
  }

  // 2. Every variant on all rows, and its held-out score.
  const cv = folds(rows);
  const variants: Partial<Record<VramVariant, VramVariantCoefficients>> = {};
  const fullFits = new Map<VramVariant, VariantFit>();
  for (const v of o.variants) {
    const full = fitVariant(rows, v, o);
    fullFits.set(v, full);
    for (const note of full.notes) if (!notes.includes(note)) notes.push(note);
    const actual: number[] = [];
    const predicted: number[] = [];
    for (const [trainRows, heldOut] of cv.folds) {
      if (trainRows.length === 0) continue;
      const t = termsOf(fitVariant(trainRows, v, o), o.activationCapRatio, maxContextOf(trainRows));
      for (const r of heldOut) {
        actual.push(r.y);
        predicted.push(predictRow(t, r));
      }
    }
    const s = score(actual, predicted);
    const fullTerms = termsOf(full, o.activationCapRatio, maxContext);
    const inSample = score(
      rows.map((r) => r.y),
      rows.map((r) => predictRow(fullTerms, r)),
    );
    variants[v] = {
      overhead_factor: full.overhead,
      act_coeff: full.act,
      act_coeff_linear: full.actLin,
      intercept_gb: full.intercept,
      cv_rmse_gb: s.rmse,
      cv_mape: s.mape,
      cv_n: s.n,
      train_rmse_gb: inSample.rmse,
    };
  }

  // 3. Choose by the held-out metric; ties and unscored variants keep the spec's order.
  const metricOf = (v: VramVariant) =>
    o.selectBy === 'rmse' ? variants[v]!.cv_rmse_gb : variants[v]!.cv_mape;
  let chosen: VramVariant = o.variants.includes('quadratic') ? 'quadratic' : o.variants[0]!;
  let best = Number.POSITIVE_INFINITY;
  for (const v of VRAM_VARIANTS) {
    if (!o.variants.includes(v)) continue;
    const m = metricOf(v);
    if (m !== null && m < best - 1e-12) {
      best = m;
      chosen = v;
    }
  }
  if (cv.scheme === 'none') notes.push(`too few records to cross-validate: kept the ${chosen} variant`);
  else {
    const summary = o.variants
      .map((v) => {
        const m = metricOf(v);
        return `${v} ${m === null ? 'n/a' : m.toFixed(4)}`;
      })
      .join(', ');
    notes.push(`variant ${chosen} chosen by ${cv.scheme} ${o.selectBy} (${summary})`);
  }

  const f = fullFits.get(chosen)!;
  const terms = termsOf(f, o.activationCapRatio, maxContext);
  const params = rows.map((r) => r.paramsB);
  const coefficients: VramCoefficients = {
    overhead_factor: f.overhead,
    act_coeff: f.act,
    fitted: true,
    variant: chosen,
    act_coeff_linear: f.actLin,
    intercept_gb: f.intercept,
    kv_bytes: o.kvBytes,
    low_context_max: o.lowContextMax,
    activation_cap_ratio: o.activationCapRatio,
    max_trained_context: maxContext,
    trained_params_b: { min: Math.min(...params), max: Math.max(...params) },
    cv_scheme: cv.scheme,
    cv_folds: cv.folds.length,
    selected_by: o.selectBy,
    variants,
    n_records: rows.length,
    n_models: nModels,
  };
  const diagnostics: Diagnostics = {
    n: rows.length,
    converged: true,
    status: activationIdentified ? 'fitted' : 'fallback',
    residuals: residualSummary(
      rows.map((r) => r.y),
      rows.map((r) => predictRow(terms, r)),
    ),
    notes,
  };
  return { coefficients, diagnostics };
}

// ------------------------------------------------------------------------------------------
// Predict
// ------------------------------------------------------------------------------------------

export interface VramQuery {
  readonly model: ModelSpec;
  readonly quant: QuantSpec;
  /** Context length in tokens (> 0). */
  readonly context: number;
  /** Concurrent sequences sharing the GPU; scales KV and activation. Default 1. */
  readonly batch?: number;
}

export interface VramPrediction {
  readonly vramGb: number;
  /** params_B · bpw / 8, before the overhead factor. */
  readonly weightGb: number;
  /** weightGb · (overhead_factor − 1). */
  readonly overheadGb: number;
  readonly kvGb: number;
  readonly activationGb: number;
  readonly interceptGb: number;
  readonly variant: VramVariant;
  /** `derived` inside the trained context and size range, `extrapolated` outside, `default` when unfitted. */
  readonly provenance: Provenance;
  /** True when the activation bound beyond the largest trained context was applied. */
  readonly clamped: boolean;
}

/**
 * `predictVram(coefficients, { model, quant, context, batch })` evaluates
 * VRAM = W·overhead + KV + activation + intercept, with the activation bound beyond the largest
 * trained context. Non-decreasing in context and in bits per weight. Throws `PipelineError` for a
 * non-positive or non-finite context or batch.
 * @example predictVram(c, { model: llama8b, quant: fp16, context: 2048 }).vramGb // ≈ 17 GB
 */
export function predictVram(coefficients: VramCoefficients, query: VramQuery): VramPrediction {
  const batch = query.batch ?? 1;
  if (!(Number.isFinite(query.context) && query.context > 0)) {
    throw new PipelineError(
      'argument',
      `predictVram: context must be a positive number, got ${query.context}`,
    );
  }
  if (!(Number.isFinite(batch) && batch > 0)) {
    throw new PipelineError('argument', `predictVram: batch must be a positive number, got ${batch}`);
  }
  const c = coefficients;
  const wGb = weightGb(query.model.paramsB, query.quant.bitsPerWeight);
  const kvGb = kvCacheGb(query.model, query.context, batch, c.kv_bytes);
  const terms: Terms = {
    overhead: c.overhead_factor,
    act: c.act_coeff,
    actLin: c.act_coeff_linear,
    intercept: c.intercept_gb,
    capRatio: c.activation_cap_ratio,
    maxContext: c.max_trained_context,
  };
  const act = activationGb(terms, query.model.layers, query.context, batch, wGb, kvGb);
  const overheadGb = wGb * (c.overhead_factor - 1);
  const vramGb = wGb + overheadGb + kvGb + act.value + c.intercept_gb;
  let provenance: Provenance = 'derived';
  if (!c.fitted) provenance = 'default';
  else if (
    (c.max_trained_context !== null && query.context > c.max_trained_context) ||
    (c.trained_params_b !== null &&
      (query.model.paramsB > c.trained_params_b.max || query.model.paramsB < c.trained_params_b.min))
  ) {
    provenance = 'extrapolated';
  }
  return {
    vramGb,
    weightGb: wGb,
    overheadGb,
    kvGb,
    activationGb: act.value,
    interceptGb: c.intercept_gb,
    variant: c.variant,
    provenance,
    clamped: act.clamped,
  };
}

/** One training or test record with its VRAM prediction, or why it could not be predicted. */
export interface VramRecordPrediction {
  readonly id: string;
  readonly actual: number;
  readonly prediction: VramPrediction | null;
  readonly skipped: 'unknown_model' | 'unknown_quant' | 'invalid' | null;
}

/**
 * `predictVramRecords(coefficients, records, specs)` predicts every record from its registry specs
 * (context and batch from the record); records whose model or quant is not in the registry come back
 * with `prediction: null` and the reason, so the caller can count them.
 */
export function predictVramRecords(
  coefficients: VramCoefficients,
  records: readonly VramRecord[],
  specs: SpecLookup,
): VramRecordPrediction[] {
  return records.map((r) => {
    const model = specs.model(r.model);
    const quant = specs.quant(r.quant);
    const base = { id: r.id, actual: r.vramGb };
    if (!model) return { ...base, prediction: null, skipped: 'unknown_model' };
    if (!quant) return { ...base, prediction: null, skipped: 'unknown_quant' };
    if (!(Number.isFinite(r.contextLength) && r.contextLength > 0))
      return { ...base, prediction: null, skipped: 'invalid' };
    const batch = r.batch > 0 && Number.isFinite(r.batch) ? r.batch : 1;
    return {
      ...base,
      prediction: predictVram(coefficients, { model, quant, context: r.contextLength, batch }),
      skipped: null,
    };
  });
}
