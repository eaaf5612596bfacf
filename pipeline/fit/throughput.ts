/**
 * Throughput model (TR133 §5) with a physics route (memory-bound decode roofline):
 *
 *   1. lookup        mean N=1 tok/s per model|backend|quant on the reference GPU (`lookup`), and per
 *                    model|backend|quant|gpu elsewhere (`lookup_gpu`)
 *   2. multipliers   quant Q vs FP16 from paired cells (same model, backend, GPU), else the registry default
 *   3. power law     tok/s = a · params_B^(−b) on FP16-equivalent, reference-GPU tok/s (LM, log-log seed)
 *   4. physics       roofline = bandwidth / bytes_per_token, bytes_per_token = active_params · bpw/8 + KV(ctx);
 *                    efficiency = measured / roofline per backend (and backend × quant family)
 *   5. cross-GPU     lookup and power law scale by bandwidth_gpu / bandwidth_reference
 *   6. route choice  physics vs power law, scored leave-one-model-out on the training records
 *
 * Prediction order: exact lookup → bandwidth-scaled lookup → FP16 × multiplier → chosen fallback
 * route → labelled default. No prediction exceeds the roofline.
 */
import { z } from 'zod';
import { evaluatePowerLaw, fitPowerLaw } from '../math/power-law.ts';
import { median, type SpreadSummary, spreadSummary } from '../math/robust.ts';
import type { GpuSpec, ModelSpec, QuantSpec, ThroughputRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict } from '../util/keys.ts';
import type { Diagnostics, FitResult, Provenance, ResidualSummary, SpecLookup } from './types.ts';
import { kvCacheBytes } from './vram.ts';

export const FALLBACK_ROUTES = ['physics', 'power_law'] as const;
export type FallbackRoute = (typeof FALLBACK_ROUTES)[number];

const nonNegative = z.number().nonnegative();
const positive = z.number().positive();

/** Median, p10, p90 (type-7) and count of measured / roofline ratios. */
export const EfficiencySchema = z.strictObject({
  median: nonNegative,
  p10: nonNegative,
  p90: nonNegative,
  n: z.number().int().positive(),
});

/** Leave-one-model-out error of one fallback route: MAPE (fraction) and RMSE of ln(ŷ/y). */
export const RouteScoreSchema = z.strictObject({
  mape: nonNegative,
  log_rmse: nonNegative,
  n: z.number().int().positive(),
});
export type RouteScore = z.infer<typeof RouteScoreSchema>;

export const QuantMultiplierSourceSchema = z.strictObject({
  /** `measured` from paired cells, `default` from the registry, `baseline` for the reference quant. */
  source: z.enum(['measured', 'default', 'baseline']),
  /** Number of (model, backend, GPU) pairs behind a measured multiplier; 0 otherwise. */
  n: z.number().int().nonnegative(),
});

/**
 * Published throughput coefficients. `lookup`, `quant_multipliers`, `size_power_a`, `size_power_b`
 * and `fitted` keep the reference artifact's names and layout (`"llama3.2-1b|ollama|FP16"` keys,
 * escaped with `compositeKey`).
 */
export const ThroughputCoefficientsSchema = z.strictObject({
  lookup: z.record(z.string(), positive),
  /** Total record weight behind each `lookup` cell. */
  lookup_n: z.record(z.string(), positive),
  /** model|backend|quant|gpu → mean tok/s for GPUs other than the reference. */
  lookup_gpu: z.record(z.string(), positive),
  lookup_gpu_n: z.record(z.string(), positive),
  quant_multipliers: z.record(z.string(), positive),
  quant_multiplier_sources: z.record(z.string(), QuantMultiplierSourceSchema),
  size_power_a: nonNegative,
  size_power_b: z.number(),
  size_power_converged: z.boolean(),
  size_power_method: z.enum(['levenberg-marquardt', 'log-log', 'mean']),
  size_power_n: z.number().int().nonnegative(),
  /** Efficiency per backend. */
  efficiency: z.record(z.string(), EfficiencySchema),
  /** Efficiency per backend|quant family (only groups with enough records). */
  efficiency_by_family: z.record(z.string(), EfficiencySchema),
  /** Efficiency over every record; used for a backend with no data. */
  efficiency_global: EfficiencySchema.nullable(),
  fallback_route: z.enum(FALLBACK_ROUTES),
  route_scores: z.strictObject({
    physics: RouteScoreSchema.nullable(),
    power_law: RouteScoreSchema.nullable(),
  }),
  route_selection: z.enum(['leave_one_model_out', 'none']),
  route_selected_by: z.enum(['log_rmse', 'mape']),
  reference_gpu: z.string().min(1),
  baseline_quant: z.string().min(1),
  /** Context (tokens) for the roofline's KV term when a query or record has none. */
  default_context: positive,
  kv_bytes: positive,
  /** Labelled value returned for a model with no lookup entry and no registry spec. */
  unknown_tok_per_s: positive,
  n_records: z.number().int().nonnegative(),
  n_excluded_multi_agent: z.number().int().nonnegative(),
  fitted: z.boolean(),
});
export type ThroughputCoefficients = z.infer<typeof ThroughputCoefficientsSchema>;

/** Tuning of `fitThroughput`; `specs` and `referenceGpu` are required. */
export interface ThroughputFitOptions {
  readonly specs: SpecLookup;
  /** Hardware id whose measurements form `lookup` (the config's `defaults.reference_gpu`). */
  readonly referenceGpu: string;
  /** Context for the roofline when a record has none.
   * @default 2048 */
  readonly defaultContext?: number;
  /** Bytes per KV-cache element read per decoded token.
   * @default 2 */
  readonly kvBytes?: number;
  /** Quant that multipliers are relative to.
   * @default "FP16" */
  readonly baselineQuant?: string;
  /** Fewest records for a backend|quant-family efficiency group.
   * @default 3 */
  readonly minFamilyGroup?: number;
  /** Leave-one-model-out metric that chooses the fallback route.
   * @default "log_rmse" */
  readonly selectRouteBy?: 'log_rmse' | 'mape';
  /** Route used when neither can be scored (fewer than two models with specs).
   * @default "physics" */
  readonly defaultFallbackRoute?: FallbackRoute;
  /** Extra quant ids to carry a (default) multiplier for, e.g. every registry quant.
   * @default [] */
  readonly quants?: readonly string[];
  /** tok/s returned, labelled `unknown`, when nothing at all is known about a model.
   * @default 1 */
  readonly unknownTokPerS?: number;
  /** Upper bound on the power law's a.
   * @default 1000000 */
  readonly powerLawMaxA?: number;
  /** Upper bound on the power law's b (lower bound 0).
   * @default 5 */
  readonly powerLawMaxB?: number;
  /** @default 200 */
  readonly powerLawMaxIterations?: number;
}

export const DEFAULT_THROUGHPUT_FIT_OPTIONS = {
  defaultContext: 2048,
  kvBytes: 2,
  baselineQuant: 'FP16',
  minFamilyGroup: 3,
  selectRouteBy: 'log_rmse',
  defaultFallbackRoute: 'physics',
  quants: [],
  unknownTokPerS: 1,
  powerLawMaxA: 1_000_000,
  powerLawMaxB: 5,
  powerLawMaxIterations: 200,
} as const satisfies Required<Omit<ThroughputFitOptions, 'specs' | 'referenceGpu'>>;

type ResolvedThroughputOptions = Required<ThroughputFitOptions>;

function resolveThroughputFitOptions(options: ThroughputFitOptions): ResolvedThroughputOptions {
  const o = { ...DEFAULT_THROUGHPUT_FIT_OPTIONS, ...options };
  if (!options.specs)
    throw new PipelineError('options', 'fitThroughput: specs (registry lookup) is required');
  if (typeof o.referenceGpu !== 'string' || o.referenceGpu.length === 0) {
    throw new PipelineError('options', 'fitThroughput: referenceGpu must be a non-empty hardware id');
  }
  for (const key of [
    'defaultContext',
    'kvBytes',
    'unknownTokPerS',
    'powerLawMaxA',
    'powerLawMaxB',
  ] as const) {
    if (!(Number.isFinite(o[key]) && o[key] > 0)) {
      throw new PipelineError('options', `fitThroughput: ${key} must be > 0, got ${o[key]}`);
    }
  }
  for (const key of ['minFamilyGroup', 'powerLawMaxIterations'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1)) {
      throw new PipelineError('options', `fitThroughput: ${key} must be an integer ≥ 1, got ${o[key]}`);
    }
  }
  if (o.selectRouteBy !== 'log_rmse' && o.selectRouteBy !== 'mape') {
    throw new PipelineError('options', `fitThroughput: selectRouteBy must be log_rmse or mape`);
  }
  if (!FALLBACK_ROUTES.includes(o.defaultFallbackRoute)) {
    throw new PipelineError('options', `fitThroughput: defaultFallbackRoute must be physics or power_law`);
  }
  return o;
}

// ------------------------------------------------------------------------------------------
// Physics
// ------------------------------------------------------------------------------------------

/**
 * `rooflineTokPerS(model, quant, gpu, context, kvBytes)` is the memory-bound decode ceiling
 * bandwidth / bytes_per_token, with bytes_per_token = active_params · bpw / 8 + KV bytes at the
 * context (batch 1; all in decimal GB to match GB/s). Uses paramsB when activeParamsB is not positive.
 * @example rooflineTokPerS(llama1b, fp16, { bandwidthGbs: 556 }, 0, 2) // 556 / 2.48 ≈ 224
 */
export function rooflineTokPerS(
  model: ModelSpec,
  quant: QuantSpec,
  gpu: Pick<GpuSpec, 'bandwidthGbs'>,
  context: number,
  kvBytes: number,
): number {
  const active = model.activeParamsB > 0 ? model.activeParamsB : model.paramsB;
  const bytes = (active * 1e9 * quant.bitsPerWeight) / 8 + kvCacheBytes(model, context, 1, kvBytes);
  return bytes > 0 ? (gpu.bandwidthGbs * 1e9) / bytes : Number.POSITIVE_INFINITY;
}

/** Own-property read of a coefficient table (artifact objects come from JSON.parse). */
function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

// ------------------------------------------------------------------------------------------
// Fit
// ------------------------------------------------------------------------------------------

interface Row {
  readonly model: string;
  readonly backend: string;
  readonly quant: string;
  readonly gpu: string;
  readonly y: number;
  readonly weight: number;
  readonly context: number;
  readonly modelSpec: ModelSpec | undefined;
  readonly quantSpec: QuantSpec | undefined;
  readonly gpuSpec: GpuSpec | undefined;
}

function prepare(
  train: readonly ThroughputRecord[],
  o: ResolvedThroughputOptions,
): { rows: Row[]; multiAgent: number; invalid: number } {
  const rows: Row[] = [];
  let multiAgent = 0;
  let invalid = 0;
  // Canonical order (content-derived ids) so the floating-point sums do not depend on input order.
  const ordered = [...train].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.tokPerS - b.tokPerS));
  for (const r of ordered) {
    if (r.nAgents !== 1) {
      multiAgent++;
      continue;
    }
    if (!(Number.isFinite(r.tokPerS) && r.tokPerS > 0)) {
      invalid++;
      continue;
    }
    const gpuSpec = o.specs.gpu(r.gpu);
    rows.push({
      model: r.model,
      backend: r.backend,
      quant: r.quant,
      gpu: r.gpu,
      y: r.tokPerS,
      weight: r.weight > 0 && Number.isFinite(r.weight) ? r.weight : 1,
      context: r.contextLength !== null && r.contextLength > 0 ? r.contextLength : o.defaultContext,
      modelSpec: o.specs.model(r.model),
      quantSpec: o.specs.quant(r.quant),
      gpuSpec: gpuSpec && gpuSpec.bandwidthGbs > 0 ? gpuSpec : undefined,
    });
  }
  return { rows, multiAgent, invalid };
}

function weightedCells(
  rows: readonly Row[],
  keyOf: (r: Row) => string,
): Map<string, { mean: number; w: number }> {
  const acc = new Map<string, { sw: number; swy: number }>();
  for (const r of rows) {
    const k = keyOf(r);
    const a = acc.get(k) ?? { sw: 0, swy: 0 };
    a.sw += r.weight;
    a.swy += r.weight * r.y;
    acc.set(k, a);
  }
  const out = new Map<string, { mean: number; w: number }>();
  for (const k of [...acc.keys()].sort()) {
    const a = acc.get(k)!;
    out.set(k, { mean: a.swy / a.sw, w: a.sw });
  }
  return out;
}

/** Coefficients before route selection (also what each leave-one-model-out fold fits). */
type CoreCoefficients = Omit<ThroughputCoefficients, 'fallback_route' | 'route_scores' | 'route_selection'>;

function fitCore(rows: readonly Row[], o: ResolvedThroughputOptions, notes: string[]): CoreCoefficients {
  const refRows = rows.filter((r) => r.gpu === o.referenceGpu);
  const otherRows = rows.filter((r) => r.gpu !== o.referenceGpu);

  // 1. Lookups.
  const lookup = dict<number>();
  const lookupN = dict<number>();
  for (const [k, c] of weightedCells(refRows, (r) => compositeKey(r.model, r.backend, r.quant))) {
    lookup[k] = c.mean;
    lookupN[k] = c.w;
  }
  const lookupGpu = dict<number>();
  const lookupGpuN = dict<number>();
  for (const [k, c] of weightedCells(otherRows, (r) => compositeKey(r.model, r.backend, r.quant, r.gpu))) {
    lookupGpu[k] = c.mean;
    lookupGpuN[k] = c.w;
  }

  // 2. Quant multipliers from paired cells (same model, backend, GPU), weighted by the smaller cell
  //    weight. Quants outside the registry (`unknown`) are not paired: their ratio means nothing.
  const groups = new Map<string, Map<string, { sw: number; swy: number }>>();
  for (const r of rows) {
    const gk = compositeKey(r.model, r.backend, r.gpu);
    const inner = groups.get(gk) ?? new Map<string, { sw: number; swy: number }>();
    const cell = inner.get(r.quant) ?? { sw: 0, swy: 0 };
    cell.sw += r.weight;
    cell.swy += r.weight * r.y;
    inner.set(r.quant, cell);
    groups.set(gk, inner);
  }
  const pairs = new Map<string, { swr: number; sw: number; n: number }>();
  for (const gk of [...groups.keys()].sort()) {
    const inner = groups.get(gk)!;
    const base = inner.get(o.baselineQuant);
    if (!base) continue;
    for (const q of [...inner.keys()].sort()) {
      if (q === o.baselineQuant || !o.specs.quant(q)) continue;
      const cell = inner.get(q)!;
      const pairWeight = Math.min(cell.sw, base.sw);
      const a = pairs.get(q) ?? { swr: 0, sw: 0, n: 0 };
      a.swr += pairWeight * (cell.swy / cell.sw / (base.swy / base.sw));
      a.sw += pairWeight;
      a.n += 1;
      pairs.set(q, a);
    }
  }
  const quantMultipliers = dict<number>();
  const quantSources = dict<{ source: 'measured' | 'default' | 'baseline'; n: number }>();
  quantMultipliers[o.baselineQuant] = 1;
  quantSources[o.baselineQuant] = { source: 'baseline', n: 0 };
  for (const q of [...pairs.keys()].sort()) {
    const a = pairs.get(q)!;
    quantMultipliers[q] = a.swr / a.sw;
    quantSources[q] = { source: 'measured', n: a.n };
  }
  const seenQuants = [...new Set([...rows.map((r) => r.quant), ...o.quants])].sort();
  for (const q of seenQuants) {
    if (Object.hasOwn(quantMultipliers, q)) continue;
    const spec = o.specs.quant(q);
    if (spec && Number.isFinite(spec.defaultTpsMultiplier) && spec.defaultTpsMultiplier > 0) {
      quantMultipliers[q] = spec.defaultTpsMultiplier;
      quantSources[q] = { source: 'default', n: 0 };
    }
  }
  const multiplierOf = (quant: string, spec: QuantSpec | undefined): number | undefined =>
    own(quantMultipliers, quant) ??
    (spec && spec.defaultTpsMultiplier > 0 ? spec.defaultTpsMultiplier : undefined);

  // 3. Power law on FP16-equivalent tok/s at reference-GPU bandwidth, one point per record.
  const refSpec = o.specs.gpu(o.referenceGpu);
  const px: number[] = [];
  const py: number[] = [];
  const pw: number[] = [];
  for (const r of rows) {
    if (!r.modelSpec || !(r.modelSpec.paramsB > 0)) continue;
    const m = multiplierOf(r.quant, r.quantSpec);
    if (m === undefined) continue;
    let bw = 1;
    if (r.gpu !== o.referenceGpu) {
      if (!r.gpuSpec || !refSpec || !(refSpec.bandwidthGbs > 0)) continue;
      bw = refSpec.bandwidthGbs / r.gpuSpec.bandwidthGbs;
    }
    px.push(r.modelSpec.paramsB);
    py.push((r.y / m) * bw);
    pw.push(r.weight);
  }
  const law = fitPowerLaw(px, py, {
    weights: pw,
    maxA: o.powerLawMaxA,
    maxB: o.powerLawMaxB,
    maxIterations: o.powerLawMaxIterations,
  });
  if (!law.converged && law.note) notes.push(`power law: ${law.note} (method ${law.method}, n ${law.n})`);

  // 4. Efficiency = measured / roofline, per backend, per backend|family, overall.
  const byBackend = new Map<string, number[]>();
  const byFamily = new Map<string, number[]>();
  const all: number[] = [];
  for (const r of rows) {
    if (!r.modelSpec || !r.quantSpec || !r.gpuSpec) continue;
    const roof = rooflineTokPerS(r.modelSpec, r.quantSpec, r.gpuSpec, r.context, o.kvBytes);
    if (!(Number.isFinite(roof) && roof > 0)) continue;
    const eff = r.y / roof;
    all.push(eff);
    const fk = compositeKey(r.backend, r.quantSpec.family);
    byBackend.set(r.backend, [...(byBackend.get(r.backend) ?? []), eff]);
    byFamily.set(fk, [...(byFamily.get(fk) ?? []), eff]);
  }
  const efficiency = dict<SpreadSummary>();
  for (const k of [...byBackend.keys()].sort()) efficiency[k] = spreadSummary(byBackend.get(k)!)!;
  const efficiencyByFamily = dict<SpreadSummary>();
  for (const k of [...byFamily.keys()].sort()) {
    const v = byFamily.get(k)!;
    if (v.length >= o.minFamilyGroup) efficiencyByFamily[k] = spreadSummary(v)!;
  }
  const over = all.filter((e) => e > 1).length;
  if (over > 0)
    notes.push(
      `${over} record(s) measured above the roofline (efficiency > 1): check bandwidth and bpw specs`,
    );

  const lookupValues = Object.values(lookup);
  const gpuValues = Object.values(lookupGpu);
  const unknown =
    lookupValues.length > 0
      ? median(lookupValues)
      : gpuValues.length > 0
        ? median(gpuValues)
        : o.unknownTokPerS;

  return {
    lookup,
    lookup_n: lookupN,
    lookup_gpu: lookupGpu,
    lookup_gpu_n: lookupGpuN,
    quant_multipliers: quantMultipliers,
    quant_multiplier_sources: quantSources,
    size_power_a: law.a,
    size_power_b: law.b,
    size_power_converged: law.converged,
    size_power_method: law.method,
    size_power_n: law.n,
    efficiency,
    efficiency_by_family: efficiencyByFamily,
    efficiency_global: spreadSummary(all),
    route_selected_by: o.selectRouteBy,
    reference_gpu: o.referenceGpu,
    baseline_quant: o.baselineQuant,
    default_context: o.defaultContext,
    kv_bytes: o.kvBytes,
    unknown_tok_per_s: unknown,
    n_records: rows.length,
    n_excluded_multi_agent: 0,
    fitted: rows.length > 0,
  };
}

function scoreOf(actual: readonly number[], predicted: readonly number[]): RouteScore | null {
  const n = actual.length;
  if (n === 0) return null;
  let ape = 0;
  let sl = 0;
  for (let i = 0; i < n; i++) {
    ape += Math.abs(predicted[i]! - actual[i]!) / actual[i]!;
    sl += Math.log(predicted[i]! / actual[i]!) ** 2;
  }
  return { mape: ape / n, log_rmse: Math.sqrt(sl / n), n };
}

/**
 * Leave-one-model-out comparison of the two fallback routes: refit on the other models, predict the
 * held-out model's records with each route (roofline-clamped), score both on the same records.
 */
function scoreRoutes(
  rows: readonly Row[],
  o: ResolvedThroughputOptions,
): { physics: RouteScore | null; power_law: RouteScore | null; folds: number } {
  const refSpec = o.specs.gpu(o.referenceGpu);
  const eligible = rows.filter((r) => r.modelSpec && r.quantSpec && r.gpuSpec);
  const models = [...new Set(eligible.map((r) => r.model))].sort();
  if (models.length < 2 || !refSpec || !(refSpec.bandwidthGbs > 0))
    return { physics: null, power_law: null, folds: 0 };
  const actual: number[] = [];
  const phys: number[] = [];
  const pl: number[] = [];
  for (const m of models) {
    const core = fitCore(
      rows.filter((r) => r.model !== m),
      o,
      [],
    );
    for (const r of eligible) {
      if (r.model !== m) continue;
      const query: ThroughputQuery = {
        modelId: r.model,
        model: r.modelSpec!,
        quant: r.quantSpec!,
        backend: r.backend,
        gpu: r.gpuSpec!,
        referenceGpu: refSpec,
        context: r.context,
      };
      const roof = rooflineTokPerS(r.modelSpec!, r.quantSpec!, r.gpuSpec!, r.context, o.kvBytes);
      const a = physicsRoute(core, query);
      const b = powerLawRoute(core, query);
      if (a === null || b === null || !(a > 0) || !(b > 0)) continue;
      actual.push(r.y);
      phys.push(Math.min(a, roof));
      pl.push(Math.min(b, roof));
    }
  }
  return { physics: scoreOf(actual, phys), power_law: scoreOf(actual, pl), folds: models.length };
}

/**
 * `fitThroughput(train, { specs, referenceGpu })` builds the lookups, quant multipliers, size power
 * law and per-backend roofline efficiencies from the N=1 training records (records with
 * `nAgents` ≠ 1 are excluded and counted), then picks the fallback route for unmeasured models by
 * leave-one-model-out error. Never throws on data: an empty set gives `fitted: false`, empty
 * tables and `status: 'empty'`; a power law that did not converge is reported in the diagnostics.
 * @example fitThroughput(train, { specs, referenceGpu: 'rtx-4080-laptop' }).coefficients.lookup['llama3.2-1b|ollama|FP16']
 */
export function fitThroughput(
  train: readonly ThroughputRecord[],
  options: ThroughputFitOptions,
): FitResult<ThroughputCoefficients> {
  const o = resolveThroughputFitOptions(options);
  const { rows, multiAgent, invalid } = prepare(train, o);
  const notes: string[] = [];
  if (multiAgent > 0)
    notes.push(`${multiAgent} record(s) with nAgents ≠ 1 excluded (the model is per single stream)`);
  if (invalid > 0) notes.push(`${invalid} record(s) with non-positive tok/s skipped`);
  const noSpec = rows.filter((r) => !r.modelSpec).length;
  if (noSpec > 0)
    notes.push(`${noSpec} record(s) without a model spec: lookup only (no power law or physics)`);
  if (!o.specs.gpu(o.referenceGpu)) {
    notes.push(`reference GPU ${o.referenceGpu} not in the registry: no cross-GPU scaling during the fit`);
  }

  // 1–5. Tables, multipliers, power law, efficiencies.
  const core = fitCore(rows, o, notes);

  // 6. Route selection.
  const scores = scoreRoutes(rows, o);
  let route: FallbackRoute = o.defaultFallbackRoute;
  let selection: ThroughputCoefficients['route_selection'] = 'none';
  if (scores.physics && scores.power_law) {
    const metric = (s: RouteScore) => (o.selectRouteBy === 'log_rmse' ? s.log_rmse : s.mape);
    route = metric(scores.physics) < metric(scores.power_law) ? 'physics' : 'power_law';
    selection = 'leave_one_model_out';
    notes.push(
      `fallback route ${route} by leave-one-model-out ${o.selectRouteBy} over ${scores.folds} models: ` +
        `physics MAPE ${scores.physics.mape.toFixed(3)} log-RMSE ${scores.physics.log_rmse.toFixed(3)}, ` +
        `power law MAPE ${scores.power_law.mape.toFixed(3)} log-RMSE ${scores.power_law.log_rmse.toFixed(3)} (n ${scores.physics.n})`,
    );
  } else {
    if (route === 'physics' && !core.efficiency_global) route = 'power_law';
    notes.push(`fallback route ${route}: too few models with registry specs to compare routes`);
  }

  const coefficients: ThroughputCoefficients = {
    ...core,
    n_excluded_multi_agent: multiAgent,
    fallback_route: route,
    route_scores: { physics: scores.physics, power_law: scores.power_law },
    route_selection: selection,
  };

  // In-sample residuals of the full prediction chain on the records that can be predicted.
  const refSpec = o.specs.gpu(o.referenceGpu);
  const actual: number[] = [];
  const predicted: number[] = [];
  if (refSpec && refSpec.bandwidthGbs > 0) {
    for (const r of rows) {
      if (!r.quantSpec || !r.gpuSpec) continue;
      const p = predictThroughput(coefficients, {
        modelId: r.model,
        ...(r.modelSpec ? { model: r.modelSpec } : {}),
        quant: r.quantSpec,
        backend: r.backend,
        gpu: r.gpuSpec,
        referenceGpu: refSpec,
        context: r.context,
      });
      actual.push(r.y);
      predicted.push(p.tokPerS);
    }
  }
  const diagnostics: Diagnostics = {
    n: rows.length,
    converged: core.size_power_converged,
    status: rows.length === 0 ? (train.length === 0 ? 'empty' : 'fallback') : 'fitted',
    residuals: residualSummary(actual, predicted),
    notes,
  };
  return { coefficients, diagnostics };
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

// ------------------------------------------------------------------------------------------
// Predict
// ------------------------------------------------------------------------------------------

export interface ThroughputQuery {
  /** Canonical model id (the lookup key even when the registry has no spec for it). */
  readonly modelId: string;
  /** Registry spec; needed by the power-law and physics routes and the roofline. */
  readonly model?: ModelSpec;
  readonly quant: QuantSpec;
  readonly backend: string;
  readonly gpu: GpuSpec;
  /** Spec of the coefficients' `reference_gpu` (its bandwidth anchors cross-GPU scaling). */
  readonly referenceGpu: GpuSpec;
  /** Tokens in context for the roofline's KV term; default `default_context`. */
  readonly context?: number;
}

/** Which step of the chain answered. */
export type ThroughputRoute =
  | 'lookup'
  | 'bandwidth_scaled'
  | 'quant_multiplier'
  | 'physics'
  | 'power_law'
  | 'default';

export interface ThroughputPrediction {
  readonly tokPerS: number;
  /** `measured` exact lookup on that GPU, `derived` scaled or multiplied lookup, `extrapolated` a fallback route, `unknown` the labelled default. */
  readonly provenance: Provenance;
  readonly route: ThroughputRoute;
  /** True when the value was lowered to the roofline. */
  readonly clamped: boolean;
  /** Memory-bound ceiling for the query; null without a model spec. */
  readonly rooflineTokPerS: number | null;
}

function multiplierFor(c: CoreCoefficients, quant: QuantSpec): number {
  if (quant.id === c.baseline_quant) return 1;
  return (
    own(c.quant_multipliers, quant.id) ?? (quant.defaultTpsMultiplier > 0 ? quant.defaultTpsMultiplier : 1)
  );
}

/** efficiency(backend|family → backend → global) × roofline; null without a spec or any efficiency. */
function physicsRoute(c: CoreCoefficients, q: ThroughputQuery): number | null {
  if (!q.model) return null;
  const eff =
    own(c.efficiency_by_family, compositeKey(q.backend, q.quant.family)) ??
    own(c.efficiency, q.backend) ??
    c.efficiency_global;
  if (!eff) return null;
  return eff.median * rooflineTokPerS(q.model, q.quant, q.gpu, q.context ?? c.default_context, c.kv_bytes);
}

/** a·params^−b × multiplier(quant) × bandwidth ratio; null without a spec or a fitted law. */
function powerLawRoute(c: CoreCoefficients, q: ThroughputQuery): number | null {
  if (!q.model || !(q.model.paramsB > 0) || !(c.size_power_a > 0)) return null;
  const ratio = q.gpu.bandwidthGbs / q.referenceGpu.bandwidthGbs;
  return (
    evaluatePowerLaw(c.size_power_a, c.size_power_b, q.model.paramsB) * multiplierFor(c, q.quant) * ratio
  );
}

/**
 * `predictThroughput(coefficients, query)` walks the fallback chain: exact lookup on the query GPU
 * (`measured`) → reference lookup × bandwidth ratio (`derived`) → FP16 lookup × quant multiplier
 * (`derived`) → the chosen fallback route, then the other (`extrapolated`) → `unknown_tok_per_s`
 * (`unknown`). Any value above the roofline is lowered to it and flagged `clamped`. Throws
 * `PipelineError` when `referenceGpu` is not the coefficients' reference GPU, a bandwidth is not
 * positive, or the context is not positive.
 * @example predictThroughput(c, { modelId: 'llama3.2-1b', quant: fp16, backend: 'ollama', gpu: ref, referenceGpu: ref })
 */
export function predictThroughput(c: ThroughputCoefficients, q: ThroughputQuery): ThroughputPrediction {
  if (q.referenceGpu.id !== c.reference_gpu) {
    throw new PipelineError(
      'argument',
      `predictThroughput: referenceGpu is ${q.referenceGpu.id} but the coefficients were fitted against ${c.reference_gpu}`,
    );
  }
  if (!(q.gpu.bandwidthGbs > 0) || !(q.referenceGpu.bandwidthGbs > 0)) {
    throw new PipelineError('argument', `predictThroughput: GPU bandwidth must be positive (${q.gpu.id})`);
  }
  if (q.context !== undefined && !(Number.isFinite(q.context) && q.context > 0)) {
    throw new PipelineError(
      'argument',
      `predictThroughput: context must be a positive number, got ${q.context}`,
    );
  }
  const roofline = q.model
    ? rooflineTokPerS(q.model, q.quant, q.gpu, q.context ?? c.default_context, c.kv_bytes)
    : null;
  const finish = (tokPerS: number, provenance: Provenance, route: ThroughputRoute): ThroughputPrediction => {
    const clamped = roofline !== null && Number.isFinite(roofline) && tokPerS > roofline;
    return { tokPerS: clamped ? roofline! : tokPerS, provenance, route, clamped, rooflineTokPerS: roofline };
  };
  const onRef = q.gpu.id === c.reference_gpu;
  const ratio = q.gpu.bandwidthGbs / q.referenceGpu.bandwidthGbs;
  const key = compositeKey(q.modelId, q.backend, q.quant.id);

  // 1. Exact lookup on the query GPU.
  const exact = onRef
    ? own(c.lookup, key)
    : own(c.lookup_gpu, compositeKey(q.modelId, q.backend, q.quant.id, q.gpu.id));
  if (exact !== undefined) return finish(exact, 'measured', 'lookup');

  // 2. Reference-GPU lookup scaled by bandwidth.
  const ref = own(c.lookup, key);
  if (!onRef && ref !== undefined) return finish(ref * ratio, 'derived', 'bandwidth_scaled');

  // 3. Baseline (FP16) lookup × quant multiplier, on the query GPU if measured there.
  if (q.quant.id !== c.baseline_quant) {
    const baseKey = compositeKey(q.modelId, q.backend, c.baseline_quant);
    const baseHere = onRef
      ? own(c.lookup, baseKey)
      : own(c.lookup_gpu, compositeKey(q.modelId, q.backend, c.baseline_quant, q.gpu.id));
    const baseRef = own(c.lookup, baseKey);
    const base = baseHere ?? (baseRef !== undefined ? baseRef * ratio : undefined);
    if (base !== undefined) return finish(base * multiplierFor(c, q.quant), 'derived', 'quant_multiplier');
  }

  // 4. Fallback routes for unmeasured models: the chosen one first.
  const order: readonly FallbackRoute[] =
    c.fallback_route === 'physics' ? ['physics', 'power_law'] : ['power_law', 'physics'];
  for (const route of order) {
    const v = route === 'physics' ? physicsRoute(c, q) : powerLawRoute(c, q);
    if (v !== null && Number.isFinite(v) && v > 0) return finish(v, 'extrapolated', route);
  }

  // 5. Nothing known: a labelled default, never NaN.
  return finish(c.unknown_tok_per_s, 'unknown', 'default');
}

/** One record with its prediction, or why it could not be predicted. */
export interface ThroughputRecordPrediction {
  readonly id: string;
  readonly actual: number;
  readonly prediction: ThroughputPrediction | null;
  readonly skipped: 'multi_agent' | 'unknown_quant' | 'unknown_gpu' | 'unknown_reference_gpu' | null;
}

/**
 * `predictThroughputRecords(coefficients, records, specs)` predicts each record (its model, quant,
 * backend, GPU and context) through `predictThroughput`. The model is per single stream, so records
 * with `nAgents` ≠ 1 are returned with `prediction: null, skipped: 'multi_agent'`; records whose
 * quant or GPU is not in the registry are skipped likewise. Callers should report skipped counts.
 */
export function predictThroughputRecords(
  coefficients: ThroughputCoefficients,
  records: readonly ThroughputRecord[],
  specs: SpecLookup,
): ThroughputRecordPrediction[] {
  const refGpu = specs.gpu(coefficients.reference_gpu);
  return records.map((r) => {
    const base = { id: r.id, actual: r.tokPerS };
    if (r.nAgents !== 1) return { ...base, prediction: null, skipped: 'multi_agent' };
    const quant = specs.quant(r.quant);
    if (!quant) return { ...base, prediction: null, skipped: 'unknown_quant' };
    const gpu = specs.gpu(r.gpu);
    if (!gpu || !(gpu.bandwidthGbs > 0)) return { ...base, prediction: null, skipped: 'unknown_gpu' };
    if (!refGpu || !(refGpu.bandwidthGbs > 0))
      return { ...base, prediction: null, skipped: 'unknown_reference_gpu' };
    const model = specs.model(r.model);
    const prediction = predictThroughput(coefficients, {
      modelId: r.model,
      ...(model ? { model } : {}),
      quant,
      backend: r.backend,
      gpu,
      referenceGpu: refGpu,
      ...(r.contextLength !== null && r.contextLength > 0 ? { context: r.contextLength } : {}),
    });
    return { ...base, prediction, skipped: null };
  });
}
