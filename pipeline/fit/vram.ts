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
import { type GramSystem, nonNegativeLeastSquaresGram } from '../math/least-squares.ts';
import { WeightedMedianIndex } from '../math/robust.ts';
import type { ModelSpec, QuantSpec, VramRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { getOrInsert, TupleCache } from '../util/memo.ts';
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
  cv_scheme: z.enum(['leave_one_model_out', 'leave_one_record_out', 'record_folds', 'none']),
  cv_folds: z.number().int().nonnegative(),
  selected_by: z.enum(['rmse', 'mape']),
  variants: z.partialRecord(z.enum(VRAM_VARIANTS), VramVariantSchema),
  n_records: z.number().int().nonnegative(),
  n_models: z.number().int().nonnegative(),
  /**
   * Backends whose measurements fitted the activation terms. Another backend's query gets no
   * fitted activation (see `predictVram`); empty means no restriction.
   */
  activation_backends: z.array(z.string()).default([]),
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
  /** With a single model, records are held out one at a time up to this many records, and in this
   * many interleaved folds beyond it (`cv_scheme: 'record_folds'`).
   * @default 1000 */
  readonly maxRecordFolds?: number;
}

export const DEFAULT_VRAM_FIT_OPTIONS = {
  lowContextMax: 2048,
  kvBytes: 2,
  activationCapRatio: 1,
  minOverheadFactor: 1,
  fallbackOverheadFactor: 1,
  variants: VRAM_VARIANTS,
  selectBy: 'rmse',
  maxRecordFolds: 1000,
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
  if (!(Number.isInteger(o.maxRecordFolds) && o.maxRecordFolds >= 3)) {
    throw new PipelineError(
      'options',
      `fitVram: maxRecordFolds must be an integer ≥ 3, got ${o.maxRecordFolds}`,
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

/**
 * Records in canonical order (content-derived ids, then value) so that floating-point sums do not
 * depend on input order. Hex ids (the normalised form) sort by their numeric 48-bit prefix, which
 * avoids string comparisons on large inputs; any other id sorts as a string.
 */
function canonicalOrder(train: readonly VramRecord[]): VramRecord[] {
  const n = train.length;
  const keys = new Float64Array(n);
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) {
    const id = train[i]!.id;
    keys[i] = /^[0-9a-f]{12}/i.test(id) ? Number.parseInt(id.slice(0, 12), 16) : Number.NaN;
    numeric = !Number.isNaN(keys[i]!);
  }
  const byId = (a: VramRecord, b: VramRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.vramGb - b.vramGb);
  const compare = numeric
    ? (a: number, b: number) => keys[a]! - keys[b]! || byId(train[a]!, train[b]!)
    : (a: number, b: number) => byId(train[a]!, train[b]!);
  // A split's sides come in id order: then the (stable) sort would change nothing.
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = compare(i - 1, i) <= 0;
  if (sorted) return train.slice();
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort(compare);
  return order.map((i) => train[i]!);
}

function prepare(train: readonly VramRecord[], o: ResolvedVramOptions): Prepared {
  const rows: Row[] = [];
  let noModel = 0;
  let noQuant = 0;
  let invalid = 0;
  const ordered = canonicalOrder(train);
  const models = new Map<string, ModelSpec | undefined>();
  const quants = new Map<string, QuantSpec | undefined>();
  for (const r of ordered) {
    if (!models.has(r.model)) models.set(r.model, o.specs.model(r.model));
    if (!quants.has(r.quant)) quants.set(r.quant, o.specs.quant(r.quant));
    const model = models.get(r.model);
    const quant = quants.get(r.quant);
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

/** Columns of the shared normal equations: weights, constant, quadratic and linear activation features. */
const COL_W = 0;
const COL_ONE = 1;
const COL_QUAD = 2;
const COL_LIN = 3;
const NCOL = 4;

function featuresOf(r: Row): [number, number, number, number] {
  const s = r.context / 1024;
  const bl = r.batch * r.layers;
  return [r.wGb, 1, bl * s * s, bl * s];
}

/**
 * Sufficient statistics of a set of rows: the weighted normal equations of u = y − KV on the four
 * columns (G = Σw·xxᵀ, b = Σw·x·u, c = Σw·u²), row counts and contexts. Every variant and every
 * cross-validation fold is fitted from these (fold = total − held-out group), so a fold costs
 * O(1) in the rows.
 */
interface Stats {
  readonly gram: Float64Array;
  readonly xty: Float64Array;
  yty: number;
  n: number;
  /** Rows with context > lowContextMax. */
  high: number;
  /** Rows per context value. */
  readonly contexts: Map<number, number>;
  maxContext: number;
}

function emptyStats(): Stats {
  return {
    gram: new Float64Array(NCOL * NCOL),
    xty: new Float64Array(NCOL),
    yty: 0,
    n: 0,
    high: 0,
    contexts: new Map(),
    maxContext: Number.NEGATIVE_INFINITY,
  };
}

function addRow(s: Stats, r: Row, lowContextMax: number): void {
  const x = featuresOf(r);
  const u = r.y - r.kvGb;
  for (let j = 0; j < NCOL; j++) {
    const v = r.weight * x[j]!;
    s.xty[j]! += v * u;
    for (let k = 0; k < NCOL; k++) s.gram[j * NCOL + k]! += v * x[k]!;
  }
  s.yty += r.weight * u * u;
  s.n += 1;
  if (r.context > lowContextMax) s.high += 1;
  s.contexts.set(r.context, (s.contexts.get(r.context) ?? 0) + 1);
  s.maxContext = Math.max(s.maxContext, r.context);
}

/** The training side of a fold: `total` minus the held-out group (contexts and max handled by the caller). */
interface FoldView {
  readonly gram: Float64Array;
  readonly xty: Float64Array;
  readonly yty: number;
  readonly n: number;
  readonly high: number;
  readonly distinctContexts: number;
  /** Held-out row indices (for the pass-1 medians); empty for the full fit. */
  readonly excluded: readonly number[];
}

function foldView(total: Stats, group: Stats | null, excluded: readonly number[]): FoldView {
  if (!group) {
    return { ...total, distinctContexts: total.contexts.size, excluded };
  }
  const gram = new Float64Array(NCOL * NCOL);
  const xty = new Float64Array(NCOL);
  for (let j = 0; j < NCOL * NCOL; j++) gram[j] = total.gram[j]! - group.gram[j]!;
  for (let j = 0; j < NCOL; j++) xty[j] = total.xty[j]! - group.xty[j]!;
  let gone = 0;
  for (const [c, k] of group.contexts) if (total.contexts.get(c) === k) gone++;
  return {
    gram,
    xty,
    yty: total.yty - group.yty,
    n: total.n - group.n,
    high: total.high - group.high,
    distinctContexts: total.contexts.size - gone,
    excluded,
  };
}

interface VariantFit {
  readonly overhead: number;
  readonly act: number;
  readonly actLin: number;
  readonly intercept: number;
  readonly notes: string[];
}

/** Pass-1 samples: (measured − KV)/weights over low-context rows and over all rows. */
interface Pass1 {
  readonly low: WeightedMedianIndex;
  readonly all: WeightedMedianIndex;
}

/** Fits one variant on a fold (non-empty). Never returns a non-finite value. */
function fitVariant(f: FoldView, pass1: Pass1, v: VramVariant, o: ResolvedVramOptions): VariantFit {
  const notes: string[] = [];
  const identified = f.high > 0 && f.distinctContexts >= 2;
  const fc = isQuadratic(v) ? COL_QUAD : COL_LIN;
  const g = (j: number, k: number) => f.gram[j * NCOL + k]!;
  let overhead: number;
  let slope = 0;
  let intercept = 0;
  if (hasIntercept(v)) {
    // u − m·W = (overhead − m)·W + intercept + act·f, all three ≥ 0 (m = minOverheadFactor).
    const m = o.minOverheadFactor;
    const cols = identified ? [COL_W, COL_ONE, fc] : [COL_W, COL_ONE];
    const system: GramSystem = {
      gram: cols.map((j) => cols.map((k) => g(j, k))),
      xty: cols.map((j) => f.xty[j]! - m * g(j, COL_W)),
      yty: f.yty - 2 * m * f.xty[COL_W]! + m * m * g(COL_W, COL_W),
    };
    const fit = nonNegativeLeastSquaresGram(system);
    overhead = m + (fit.beta[0] ?? 0);
    intercept = fit.beta[1] ?? 0;
    slope = fit.beta[2] ?? 0;
    if (fit.atBound[0]) notes.push(`${v}: overhead_factor at its floor ${m}`);
  } else {
    // Pass 1: overhead = weighted median of (measured − KV)/weights at low context.
    let ratio: number | null;
    if (f.n - f.high > 0) ratio = pass1.low.median(f.excluded);
    else {
      notes.push(`no record at context ≤ ${o.lowContextMax}: pass 1 used all records`);
      ratio = pass1.all.median(f.excluded);
    }
    const r = ratio ?? o.minOverheadFactor;
    overhead = Math.max(o.minOverheadFactor, r);
    if (r < o.minOverheadFactor) {
      notes.push(`${v}: median overhead ${r.toFixed(4)} raised to the floor ${o.minOverheadFactor}`);
    }
    // Pass 2: activation coefficient by least squares through the origin on the residuals.
    if (identified) {
      const sff = g(fc, fc);
      const k = sff > 0 ? (f.xty[fc]! - overhead * g(fc, COL_W)) / sff : 0;
      slope = Number.isFinite(k) ? Math.max(0, k) : 0;
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

/** Running RMSE and MAPE. */
class ScoreAccumulator {
  private sse = 0;
  private ape = 0;
  n = 0;
  add(actual: number, predicted: number): void {
    this.sse += (predicted - actual) ** 2;
    this.ape += Math.abs(predicted - actual) / actual;
    this.n += 1;
  }
  get rmse(): number | null {
    return this.n > 0 ? Math.sqrt(this.sse / this.n) : null;
  }
  get mape(): number | null {
    return this.n > 0 ? this.ape / this.n : null;
  }
}

type CvScheme = VramCoefficients['cv_scheme'];

/**
 * Cross-validation groups (held-out row indices): by model when ≥ 2 models, else by record — one
 * record per fold up to `maxRecordFolds` records, beyond that `maxRecordFolds` folds of every
 * k-th record in canonical order.
 */
function cvGroups(rows: readonly Row[], maxRecordFolds: number): { scheme: CvScheme; groups: number[][] } {
  const byModel = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const list = getOrInsert(byModel, r.model, () => []);
    list.push(i);
  });
  if (byModel.size >= 2) {
    return {
      scheme: 'leave_one_model_out',
      groups: [...byModel.keys()].sort().map((m) => byModel.get(m)!),
    };
  }
  if (rows.length >= 3 && rows.length <= maxRecordFolds)
    return { scheme: 'leave_one_record_out', groups: rows.map((_, i) => [i]) };
  if (rows.length > maxRecordFolds) {
    const groups = Array.from({ length: maxRecordFolds }, () => [] as number[]);
    rows.forEach((_, i) => {
      groups[i % maxRecordFolds]!.push(i);
    });
    return { scheme: 'record_folds', groups };
  }
  return { scheme: 'none', groups: [] };
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
    activation_backends: [],
  };
}

/**
 * `fitVram(train, { specs })` fits every variant on the training records, scores each by
 * leave-one-model-out RMSE (leave-one-record-out with a single model) and publishes the best.
 * Records whose model or quant is not in the registry are skipped and counted in the notes.
 * Degenerate inputs give labelled fallbacks: no usable record → `fallbackOverheadFactor` and zero
 * activation (`status: 'empty'`/`'fallback'`, `fitted: false`); no context above `lowContextMax`
 * or a single context → activation terms 0 (`status: 'fallback'`). Folds are refitted from
 * sufficient statistics (normal equations minus the held-out group; pass-1 medians from one
 * sorted sample), so the cost is O(n log n) in the records whatever the scheme.
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

  // 2. Sufficient statistics: the whole set, each held-out group, and the pass-1 samples.
  const total = emptyStats();
  for (const r of rows) addRow(total, r, o.lowContextMax);
  const maxContext = total.maxContext;
  const activationIdentified = total.high > 0 && total.contexts.size >= 2;
  if (!activationIdentified) {
    notes.push(
      `activation not identifiable (no context above ${o.lowContextMax} or a single context): activation terms set to 0`,
    );
  }
  const ratios = rows.map((r) => (r.y - r.kvGb) / r.wGb);
  const weights = rows.map((r) => r.weight);
  const lowWeights = weights.map((w, i) => (rows[i]!.context <= o.lowContextMax ? w : 0));
  const pass1: Pass1 = {
    low: new WeightedMedianIndex(ratios, lowWeights),
    all: new WeightedMedianIndex(ratios, weights),
  };
  const cv = cvGroups(rows, o.maxRecordFolds);
  const groupStats = cv.groups.map((g) => {
    const s = emptyStats();
    for (const i of g) addRow(s, rows[i]!, o.lowContextMax);
    return s;
  });
  // Largest trained context of each fold: the overall maximum unless the group holds it alone.
  let best = Number.NEGATIVE_INFINITY;
  let bestGroup = -1;
  let second = Number.NEGATIVE_INFINITY;
  groupStats.forEach((s, gi) => {
    if (s.maxContext > best) {
      second = best;
      best = s.maxContext;
      bestGroup = gi;
    } else if (s.maxContext > second) second = s.maxContext;
  });
  const foldMax = (gi: number) => (gi === bestGroup ? second : best);
  const folds = cv.groups.map((g, gi) => foldView(total, groupStats[gi]!, g));
  const full = foldView(total, null, []);

  // 3. Every variant on all rows, and its held-out score.
  const variants: Partial<Record<VramVariant, VramVariantCoefficients>> = {};
  const fullFits = new Map<VramVariant, VariantFit>();
  for (const v of o.variants) {
    const fit = fitVariant(full, pass1, v, o);
    fullFits.set(v, fit);
    for (const note of fit.notes) if (!notes.includes(note)) notes.push(note);
    const held = new ScoreAccumulator();
    cv.groups.forEach((g, gi) => {
      if (folds[gi]!.n === 0) return;
      const fm = foldMax(gi);
      const t = termsOf(
        fitVariant(folds[gi]!, pass1, v, o),
        o.activationCapRatio,
        Number.isFinite(fm) ? fm : null,
      );
      for (const i of g) held.add(rows[i]!.y, predictRow(t, rows[i]!));
    });
    const fullTerms = termsOf(fit, o.activationCapRatio, maxContext);
    const inSample = new ScoreAccumulator();
    for (const r of rows) inSample.add(r.y, predictRow(fullTerms, r));
    variants[v] = {
      overhead_factor: fit.overhead,
      act_coeff: fit.act,
      act_coeff_linear: fit.actLin,
      intercept_gb: fit.intercept,
      cv_rmse_gb: held.rmse,
      cv_mape: held.mape,
      cv_n: held.n,
      train_rmse_gb: inSample.rmse,
    };
  }

  // 4. Choose by the held-out metric; ties and unscored variants keep the spec's order.
  const metricOf = (v: VramVariant) =>
    o.selectBy === 'rmse' ? variants[v]!.cv_rmse_gb : variants[v]!.cv_mape;
  let chosen: VramVariant = o.variants.includes('quadratic') ? 'quadratic' : o.variants[0]!;
  let bestMetric = Number.POSITIVE_INFINITY;
  for (const v of VRAM_VARIANTS) {
    if (!o.variants.includes(v)) continue;
    const m = metricOf(v);
    if (m !== null && m < bestMetric - 1e-12) {
      bestMetric = m;
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
  let minParams = Number.POSITIVE_INFINITY;
  let maxParams = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    minParams = Math.min(minParams, r.paramsB);
    maxParams = Math.max(maxParams, r.paramsB);
  }
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
    trained_params_b: { min: minParams, max: maxParams },
    cv_scheme: cv.scheme,
    cv_folds: cv.groups.length,
    selected_by: o.selectBy,
    variants,
    n_records: rows.length,
    n_models: nModels,
    activation_backends: [...new Set(train.map((r) => r.backend))].sort(),
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
  /**
   * Serving backend. When the coefficients list `activation_backends` and this backend is not
   * among them, the fitted activation terms are not applied.
   */
  readonly backend?: string | undefined;
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
  /** False when the query's backend is outside `activation_backends` (activation taken as 0). */
  readonly activationApplied: boolean;
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
  // The activation terms are a property of the attention implementation that produced the data
  // (e.g. transformers' eager attention materialises the L×L scores). A backend the fit never saw
  // (fused / flash attention in llama.cpp, vLLM, TGI...) gets weights·overhead + KV + intercept.
  const activationApplied =
    query.backend === undefined ||
    c.activation_backends.length === 0 ||
    c.activation_backends.includes(query.backend);
  const act = activationApplied
    ? activationGb(terms, query.model.layers, query.context, batch, wGb, kvGb)
    : { value: 0, clamped: false };
  const overheadGb = wGb * (c.overhead_factor - 1);
  const vramGb = wGb + overheadGb + kvGb + act.value + c.intercept_gb;
  let provenance: Provenance = 'derived';
  if (!c.fitted) provenance = 'default';
  else if (
    !activationApplied ||
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
    activationApplied,
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
  // One prediction per configuration, shared by its records.
  const cache = new TupleCache<VramPrediction>();
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
      prediction: cache.get([r.model, r.quant, r.backend, r.contextLength, batch], () =>
        predictVram(coefficients, { model, quant, context: r.contextLength, batch, backend: r.backend }),
      ),
      skipped: null,
    };
  });
}
