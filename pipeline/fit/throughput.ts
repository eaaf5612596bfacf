/**
 * Throughput model (TR133 §5) with a physics route (memory-bound decode with a per-token overhead):
 *
 *   1. lookup        mean N=1 tok/s per model|backend|quant on the reference GPU (`lookup`), and per
 *                    model|backend|quant|gpu elsewhere (`lookup_gpu`), each with the context it holds
 *                    at (`lookup_context`, `lookup_gpu_context`)
 *   2. multipliers   quant Q vs FP16 from paired cells (same model, backend, GPU, metric, context),
 *                    else the registry default; `quant_efficiency` = multiplier / bytes ratio
 *   3. power law     tok/s = a · params_B^(−b) on FP16-equivalent, reference-GPU tok/s (LM, log-log seed)
 *   4. physics       time per token = overhead + bytes_per_token / (bandwidth · η) per backend, with
 *                    bytes_per_token = active_params · bpw/8 + KV(ctx), overhead ≥ 0, η ≤ 1
 *                    (non-negative least squares on relative time error); roofline = bandwidth / bytes
 *   5. route choice  physics vs power law for unmeasured models, scored leave-one-model-out
 *
 * Prediction order: exact lookup (context-scaled) → bandwidth-scaled reference lookup → nearest
 * measured sibling quant of the same model and backend → chosen fallback route → labelled default.
 * No prediction exceeds the roofline, and none is NaN or ≤ 0.
 *
 * Records are grouped once into configurations (model, backend, quant, GPU, metric, context) with
 * their sums; everything the fit and its leave-one-model-out folds need is built from per-cell,
 * per-(backend, model) and per-(model, quant) sufficient statistics, so a fold is a subtraction of
 * sums. The cost is linear in the records (plus sorting each configuration's values, which makes
 * the sums independent of input order) and quadratic only in the number of distinct models.
 * Coefficients are treated as immutable: predictions index a coefficients object once.
 */
import { z } from 'zod';
import { type GramSystem, nonNegativeLeastSquaresGram } from '../math/least-squares.ts';
import {
  combineLogLogSums,
  emptyLogLogSums,
  evaluatePowerLaw,
  fitPowerLaw,
  type LogLogSums,
  powerLawFromLogLogSums,
} from '../math/power-law.ts';
import { quantileSelect, quantileSorted, type SpreadSummary, sortPairs } from '../math/robust.ts';
import type { GpuSpec, ModelSpec, QuantSpec, ThroughputRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict, splitKey } from '../util/keys.ts';
import { getOrInsert, TupleCache } from '../util/memo.ts';
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

/**
 * Decode time per token of one backend: t = overhead_ms/1000 + bytes_per_token /
 * (bandwidth · bandwidth_efficiency), fitted over `n` records.
 */
export const DecodeTimeSchema = z.strictObject({
  overhead_ms: nonNegative,
  bandwidth_efficiency: positive,
  n: z.number().int().positive(),
});
export type DecodeTime = z.infer<typeof DecodeTimeSchema>;

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
  /** Number of paired cells behind a measured multiplier; 0 otherwise. */
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
  /** Context (tokens) at which each `lookup` value holds; other contexts scale by the roofline ratio. */
  lookup_context: z.record(z.string(), positive),
  /** model|backend|quant|gpu → mean tok/s for GPUs other than the reference. */
  lookup_gpu: z.record(z.string(), positive),
  lookup_gpu_n: z.record(z.string(), positive),
  lookup_gpu_context: z.record(z.string(), positive),
  quant_multipliers: z.record(z.string(), positive),
  quant_multiplier_sources: z.record(z.string(), QuantMultiplierSourceSchema),
  /** Measured multiplier ÷ bytes-per-token ratio vs the baseline quant (1 = the speed-up physics allows). */
  quant_efficiency: z.record(z.string(), positive),
  /** Effective bits per weight of every quant the coefficients know (sibling-quant scaling). */
  quant_bits_per_weight: z.record(z.string(), positive),
  size_power_a: nonNegative,
  size_power_b: z.number(),
  size_power_converged: z.boolean(),
  size_power_method: z.enum(['levenberg-marquardt', 'log-log', 'mean']),
  size_power_n: z.number().int().nonnegative(),
  /** Efficiency (measured / roofline) per backend. */
  efficiency: z.record(z.string(), EfficiencySchema),
  /** Efficiency per backend|quant family (only groups with enough records). */
  efficiency_by_family: z.record(z.string(), EfficiencySchema),
  /** Efficiency over every record. */
  efficiency_global: EfficiencySchema.nullable(),
  /** Physics route per backend: per-token overhead and bandwidth efficiency. */
  decode_time: z.record(z.string(), DecodeTimeSchema),
  /** The same fitted over every backend; used for a backend with no data. */
  decode_time_global: DecodeTimeSchema.nullable(),
  /** Upper bound on `bandwidth_efficiency` (a GPU cannot stream faster than its bandwidth). */
  max_bandwidth_efficiency: positive,
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
  /** Upper bound on the physics route's bandwidth efficiency η.
   * @default 1 */
  readonly maxBandwidthEfficiency?: number;
  /** Leave-one-model-out metric that chooses the fallback route.
   * @default "log_rmse" */
  readonly selectRouteBy?: 'log_rmse' | 'mape';
  /** Route used when neither can be scored (fewer than two models with specs).
   * @default "physics" */
  readonly defaultFallbackRoute?: FallbackRoute;
  /** Extra quant ids to carry a (default) multiplier and bits per weight for, e.g. every registry quant.
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
  /** @default 30 */
  readonly powerLawMaxIterations?: number;
}

export const DEFAULT_THROUGHPUT_FIT_OPTIONS = {
  defaultContext: 2048,
  kvBytes: 2,
  baselineQuant: 'FP16',
  minFamilyGroup: 3,
  maxBandwidthEfficiency: 1,
  selectRouteBy: 'log_rmse',
  defaultFallbackRoute: 'physics',
  quants: [],
  unknownTokPerS: 1,
  powerLawMaxA: 1_000_000,
  powerLawMaxB: 5,
  powerLawMaxIterations: 30,
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
    'maxBandwidthEfficiency',
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

/** Bytes read per decoded token: active_params · bpw / 8 + KV bytes at `context` (batch 1). */
function bytesPerToken(model: ModelSpec, bitsPerWeight: number, context: number, kvBytes: number): number {
  const active = model.activeParamsB > 0 ? model.activeParamsB : model.paramsB;
  return (active * 1e9 * bitsPerWeight) / 8 + kvCacheBytes(model, context, 1, kvBytes);
}

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
  const bytes = bytesPerToken(model, quant.bitsPerWeight, context, kvBytes);
  return bytes > 0 ? (gpu.bandwidthGbs * 1e9) / bytes : Number.POSITIVE_INFINITY;
}

/**
 * `decodeTokPerS(fit, bytesPerToken, bandwidthGbs)` = 1 / (overhead + bytes / (bandwidth · η)),
 * the physics route's single-stream decode rate.
 * @example decodeTokPerS({ overhead_ms: 1, bandwidth_efficiency: 1, n: 1 }, 4e9, 1000) // 1 / (1 ms + 4 ms) = 200
 */
export function decodeTokPerS(fit: DecodeTime, bytes: number, bandwidthGbs: number): number {
  return 1 / (fit.overhead_ms / 1000 + bytes / (bandwidthGbs * 1e9 * fit.bandwidth_efficiency));
}

/** Own-property read of a coefficient table (artifact objects come from JSON.parse). */
function own<V>(table: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

// ------------------------------------------------------------------------------------------
// Fit: records → configurations (sufficient statistics per model, backend, quant, GPU, metric, context)
// ------------------------------------------------------------------------------------------

/**
 * All N=1 records of one configuration. Everything downstream reads the configuration's sums
 * (s0 = Σw, s1 = Σw·y, s2 = Σw·y², s2l = Σw·y²·ln y) or walks its values, so the fit is linear in
 * the records and the specs are resolved once per configuration.
 */
interface Config {
  readonly model: string;
  /** Index of the model among the sorted distinct models (fold id). */
  readonly mi: number;
  readonly backend: string;
  readonly quant: string;
  readonly gpu: string;
  readonly metric: string;
  readonly context: number;
  readonly modelSpec: ModelSpec | undefined;
  readonly quantSpec: QuantSpec | undefined;
  readonly gpuSpec: GpuSpec | undefined;
  /** Bytes per token (NaN without model and quant specs). */
  readonly bytes: number;
  /** Seconds per token at the GPU's full bandwidth (NaN without all three specs). */
  readonly x: number;
  /** tok/s and weights in canonical order (by value, then weight). */
  readonly ys: Float64Array;
  readonly ws: Float64Array;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
  readonly s2l: number;
}

interface Prepared {
  readonly configs: Config[];
  readonly nRecords: number;
  readonly multiAgent: number;
  readonly invalid: number;
}

/** Growable Float64Array. */
class Floats {
  private data = new Float64Array(4);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Injective internal key (length-prefixed parts): cheaper than `compositeKey` in per-record loops. */
function internalKey(parts: readonly string[]): string {
  let k = '';
  for (const p of parts) k += `${p.length}:${p}`;
  return k;
}

function cached<V>(lookup: (id: string) => V | undefined): (id: string) => V | undefined {
  const memo = new Map<string, V | undefined>();
  return (id) => {
    if (memo.has(id)) return memo.get(id);
    const v = lookup(id);
    memo.set(id, v);
    return v;
  };
}

/**
 * Groups the N=1 records by configuration. Within a configuration the values are put in a canonical
 * order (ascending tok/s, then weight; records equal in both are interchangeable), so the sums do
 * not depend on the input order.
 */
function prepare(train: readonly ThroughputRecord[], o: ResolvedThroughputOptions): Prepared {
  let multiAgent = 0;
  let invalid = 0;
  let nRecords = 0;
  type Group = { key: string; r: ThroughputRecord; context: number; ys: Floats; ws: Floats };
  const groups: Group[] = [];
  const byConfig = new TupleCache<Group>();
  for (const r of train) {
    if (r.nAgents !== 1) {
      multiAgent++;
      continue;
    }
    if (!(Number.isFinite(r.tokPerS) && r.tokPerS > 0)) {
      invalid++;
      continue;
    }
    nRecords++;
    const context = r.contextLength !== null && r.contextLength > 0 ? r.contextLength : o.defaultContext;
    const g = byConfig.get([r.model, r.backend, r.quant, r.gpu, r.metric, context], () => {
      const key = internalKey([r.model, r.backend, r.quant, r.gpu, r.metric, String(context)]);
      const created = { key, r, context, ys: new Floats(), ws: new Floats() };
      groups.push(created);
      return created;
    });
    g.ys.push(r.tokPerS);
    g.ws.push(r.weight > 0 && Number.isFinite(r.weight) ? r.weight : 1);
  }
  const modelOf = cached((id) => o.specs.model(id));
  const quantOf = cached((id) => o.specs.quant(id));
  const gpuOf = cached((id) => {
    const g = o.specs.gpu(id);
    return g && g.bandwidthGbs > 0 ? g : undefined;
  });
  groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const modelIndex = new Map(
    [...new Set(groups.map((g) => g.r.model))].sort().map((m, i) => [m, i] as const),
  );
  const configs: Config[] = [];
  for (const { r, context, ys: yRaw, ws: wRaw } of groups) {
    let ys = yRaw.values();
    let ws = wRaw.values();
    if (ws.every((w) => w === ws[0])) ys.sort();
    else ({ values: ys, weights: ws } = sortPairs(ys, ws));
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s2l = 0;
    for (let i = 0; i < ys.length; i++) {
      const w = ws[i]!;
      const y = ys[i]!;
      s0 += w;
      s1 += w * y;
      s2 += w * y * y;
      s2l += w * y * y * Math.log(y);
    }
    const modelSpec = modelOf(r.model);
    const quantSpec = quantOf(r.quant);
    const gpuSpec = gpuOf(r.gpu);
    const bytes =
      modelSpec && quantSpec
        ? bytesPerToken(modelSpec, quantSpec.bitsPerWeight, context, o.kvBytes)
        : Number.NaN;
    configs.push({
      model: r.model,
      mi: modelIndex.get(r.model)!,
      backend: r.backend,
      quant: r.quant,
      gpu: r.gpu,
      metric: r.metric,
      context,
      modelSpec,
      quantSpec,
      gpuSpec,
      bytes,
      x: gpuSpec && bytes > 0 ? bytes / (gpuSpec.bandwidthGbs * 1e9) : Number.NaN,
      ys,
      ws,
      s0,
      s1,
      s2,
      s2l,
    });
  }
  return { configs, nRecords, multiAgent, invalid };
}

// ------------------------------------------------------------------------------------------
// Fit: tables
// ------------------------------------------------------------------------------------------

/** Sufficient statistics of one lookup cell. */
interface CellAcc {
  sw: number;
  swy: number;
  swc: number;
  /** Σ w / bytes (the harmonic mean of bytes gives the context whose roofline is the mean roofline). */
  swInvBytes: number;
  allBytes: boolean;
  cMin: number;
  cMax: number;
  readonly modelSpec: ModelSpec | undefined;
  readonly bpw: number;
}

function addToCell(cells: Map<string, CellAcc>, key: string, cfg: Config): void {
  let a = cells.get(key);
  if (!a) {
    a = {
      sw: 0,
      swy: 0,
      swc: 0,
      swInvBytes: 0,
      allBytes: true,
      cMin: cfg.context,
      cMax: cfg.context,
      modelSpec: cfg.modelSpec,
      bpw: cfg.quantSpec?.bitsPerWeight ?? Number.NaN,
    };
    cells.set(key, a);
  }
  a.sw += cfg.s0;
  a.swy += cfg.s1;
  a.swc += cfg.s0 * cfg.context;
  if (cfg.bytes > 0) a.swInvBytes += cfg.s0 / cfg.bytes;
  else a.allBytes = false;
  a.cMin = Math.min(a.cMin, cfg.context);
  a.cMax = Math.max(a.cMax, cfg.context);
}

/**
 * Context at which a cell's mean holds: with constant efficiency, mean tok/s = η·BW·mean(1/bytes),
 * which is the roofline at the context c* with bytes(c*) = 1 / mean(1/bytes). Without specs (or a
 * model with no KV term), the weighted mean context.
 */
function cellContext(a: CellAcc, kvBytes: number): number {
  if (a.cMin === a.cMax) return a.cMin;
  const mean = a.swc / a.sw;
  if (!a.allBytes || !a.modelSpec || !(a.bpw > 0)) return mean;
  const perToken = kvCacheBytes(a.modelSpec, 1, 1, kvBytes);
  if (!(perToken > 0)) return mean;
  const bytesStar = a.sw / a.swInvBytes;
  const c = (bytesStar - bytesPerToken(a.modelSpec, a.bpw, 0, kvBytes)) / perToken;
  return Number.isFinite(c) ? Math.min(a.cMax, Math.max(a.cMin, c)) : mean;
}

/** Writes the sorted cells into the published tables. */
function publishCells(
  cells: ReadonlyMap<string, CellAcc>,
  kvBytes: number,
): { value: Record<string, number>; n: Record<string, number>; context: Record<string, number> } {
  const value = dict<number>();
  const n = dict<number>();
  const context = dict<number>();
  for (const k of [...cells.keys()].sort()) {
    const a = cells.get(k)!;
    value[k] = a.swy / a.sw;
    n[k] = a.sw;
    context[k] = cellContext(a, kvBytes);
  }
  return { value, n, context };
}

interface Pair {
  readonly quant: string;
  readonly mi: number;
  readonly weight: number;
  readonly ratio: number;
  /** ratio × bytes(Q)/bytes(baseline); NaN without a model spec. */
  readonly rho: number;
}

/** Paired quant/baseline configurations: same model, backend, GPU, metric and context. */
function quantPairs(configs: readonly Config[], o: ResolvedThroughputOptions): Pair[] {
  const groups = new Map<string, Map<string, Config>>();
  for (const cfg of configs) {
    const gk = internalKey([cfg.model, cfg.backend, cfg.gpu, cfg.metric, String(cfg.context)]);
    const inner = getOrInsert(groups, gk, () => new Map());
    inner.set(cfg.quant, cfg);
  }
  const pairs: Pair[] = [];
  for (const gk of [...groups.keys()].sort()) {
    const inner = groups.get(gk)!;
    const base = inner.get(o.baselineQuant);
    if (!base) continue;
    for (const q of [...inner.keys()].sort()) {
      const cell = inner.get(q)!;
      // Quants outside the registry (`unknown`) are not paired: their ratio means nothing.
      if (q === o.baselineQuant || !cell.quantSpec) continue;
      const ratio = cell.s1 / cell.s0 / (base.s1 / base.s0);
      const rho = cell.bytes > 0 && base.bytes > 0 ? (ratio * cell.bytes) / base.bytes : Number.NaN;
      pairs.push({ quant: q, mi: cell.mi, weight: Math.min(cell.s0, base.s0), ratio, rho });
    }
  }
  return pairs;
}

interface PairAcc {
  swr: number;
  sw: number;
  n: number;
  swp: number;
  swpw: number;
}

const emptyPairAcc = (): PairAcc => ({ swr: 0, sw: 0, n: 0, swp: 0, swpw: 0 });

/**
 * Pair sums per quant, in total and per model, so that the weighted mean multiplier of a
 * leave-one-model-out fold is (total − model part) in O(1).
 */
class PairTable {
  private readonly total = new Map<string, PairAcc>();
  private readonly byModel = new Map<number, Map<string, PairAcc>>();

  constructor(pairs: readonly Pair[]) {
    for (const p of pairs) {
      for (const a of [
        getOrInsert(this.total, p.quant, emptyPairAcc),
        getOrInsert(
          getOrInsert(this.byModel, p.mi, () => new Map<string, PairAcc>()),
          p.quant,
          emptyPairAcc,
        ),
      ]) {
        a.swr += p.weight * p.ratio;
        a.sw += p.weight;
        a.n += 1;
        if (Number.isFinite(p.rho)) {
          a.swp += p.weight * p.rho;
          a.swpw += p.weight;
        }
      }
    }
  }

  /** Quants with at least one pair, sorted. */
  quants(): string[] {
    return [...this.total.keys()].sort();
  }

  /** Weighted mean multiplier, pair count and quant efficiency of `quant`, leaving model `skip` out. */
  get(quant: string, skip = -1): { multiplier: number; n: number; rho: number | undefined } | undefined {
    const t = this.total.get(quant);
    if (!t) return undefined;
    const p = this.byModel.get(skip)?.get(quant);
    const n = t.n - (p?.n ?? 0);
    if (n <= 0) return undefined;
    const sw = p ? t.sw - p.sw : t.sw;
    const swr = p ? t.swr - p.swr : t.swr;
    const swpw = p ? t.swpw - p.swpw : t.swpw;
    const swp = p ? t.swp - p.swp : t.swp;
    return { multiplier: swr / sw, n, rho: swpw > 0 && (!p || p.swpw < t.swpw) ? swp / swpw : undefined };
  }
}

/** Type-7 median, p10, p90 of `values` (sorted in place); null when empty. */
function summary(values: Float64Array): SpreadSummary | null {
  if (values.length === 0) return null;
  // Three selections, not a sort: these arrays hold a value per training record.
  return {
    median: quantileSelect(values, 0.5),
    p10: quantileSelect(values, 0.1),
    p90: quantileSelect(values, 0.9),
    n: values.length,
  };
}

// ------------------------------------------------------------------------------------------
// Fit: physics (decode time) and power law from sufficient statistics
// ------------------------------------------------------------------------------------------

/**
 * Gram sums of z = t − x/η_max = overhead + s′·x on columns [x, 1] with weights w·y² (relative
 * error in time t = 1/y). Per configuration they follow from s0, s1, s2: Σw·y²·z = s1 − (x/η)·s2,
 * Σw·y²·z² = s0 − 2(x/η)·s1 + (x/η)²·s2.
 */
interface DecodeSums {
  g00: number;
  g01: number;
  g11: number;
  b0: number;
  b1: number;
  c: number;
  n: number;
}

const emptyDecodeSums = (): DecodeSums => ({ g00: 0, g01: 0, g11: 0, b0: 0, b1: 0, c: 0, n: 0 });

/**
 * Decode-time sums of the records of `cfg` that are physically possible (efficiency x·y ≤ η_max):
 * a record above its roofline contradicts the registry's bandwidth or bits per weight and says
 * nothing about bandwidth efficiency. Values are ascending, so those records are a prefix.
 */
function decodePart(cfg: Config, maxEta: number): DecodeSums {
  const s = emptyDecodeSums();
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  for (; n < cfg.ys.length && cfg.x * cfg.ys[n]! <= maxEta; n++) {
    const w = cfg.ws[n]!;
    const y = cfg.ys[n]!;
    s0 += w;
    s1 += w * y;
    s2 += w * y * y;
  }
  if (n === 0) return s;
  const x = cfg.x;
  const k = x / maxEta;
  const bz = s1 - k * s2;
  s.g00 = x * x * s2;
  s.g01 = x * s2;
  s.g11 = s2;
  s.b0 = x * bz;
  s.b1 = bz;
  s.c = s0 - 2 * k * s1 + k * k * s2;
  s.n = n;
  return s;
}

function addDecode(s: DecodeSums, part: DecodeSums): void {
  s.g00 += part.g00;
  s.g01 += part.g01;
  s.g11 += part.g11;
  s.b0 += part.b0;
  s.b1 += part.b1;
  s.c += part.c;
  s.n += part.n;
}

function subtractDecode(a: DecodeSums, b: DecodeSums | undefined): DecodeSums {
  if (!b) return a;
  return {
    g00: a.g00 - b.g00,
    g01: a.g01 - b.g01,
    g11: a.g11 - b.g11,
    b0: a.b0 - b.b0,
    b1: a.b1 - b.b1,
    c: a.c - b.c,
    n: a.n - b.n,
  };
}

/**
 * Non-negative least squares for t = overhead + (1/η_max + s′)·x: the slope column comes first, so
 * when overhead and slope explain the data equally (a single bytes value) the fit keeps the
 * bandwidth term, which is the one that transfers to other GPUs.
 */
function decodeFromSums(s: DecodeSums, maxEta: number): DecodeTime | null {
  if (s.n <= 0 || !(s.g11 > 0)) return null;
  const system: GramSystem = {
    gram: [
      [s.g00, s.g01],
      [s.g01, s.g11],
    ],
    xty: [s.b0, s.b1],
    yty: s.c,
  };
  const { beta } = nonNegativeLeastSquaresGram(system);
  const overhead = beta[1]!;
  const eta = 1 / (1 / maxEta + beta[0]!);
  if (!(Number.isFinite(eta) && eta > 0 && Number.isFinite(overhead) && overhead >= 0)) return null;
  return { overhead_ms: overhead * 1000, bandwidth_efficiency: eta, n: s.n };
}

/** Per-(model, quant) sums for the FP16-equivalent power law, before dividing by the multiplier. */
interface LawAcc {
  /** Σ A·{1, u, u², v, u·v} with A = w·(y·bw)², u = ln params, v = ln(y·bw). */
  readonly sums: LogLogSums;
  /** Σ w and Σ w·y·bw (the mean fallback). */
  sw: number;
  swy: number;
}

/** Law sums per quant in total and per (model, quant); a fold is total − model part, per quant. */
interface LawTable {
  readonly total: Map<string, LawAcc>;
  readonly byModel: Map<number, Map<string, LawAcc>>;
}

const emptyLawAcc = (): LawAcc => ({ sums: emptyLogLogSums(), sw: 0, swy: 0 });

/** FP16-equivalent log-log sums for a fold (model `skip` left out) under multipliers `mult`. */
function foldLawSums(
  law: LawTable,
  skip: number,
  mult: (quant: string) => number | undefined,
): { sums: LogLogSums; sw: number; swy: number } {
  const out = emptyLogLogSums();
  let sw = 0;
  let swy = 0;
  const parts = law.byModel.get(skip);
  for (const [q, t] of law.total) {
    const m = mult(q);
    if (m === undefined || !(m > 0)) continue;
    const p = parts?.get(q);
    const a = p ? combineLogLogSums(t.sums, p.sums, -1) : t.sums;
    const k = 1 / (m * m);
    const lm = Math.log(m);
    out.sw += k * a.sw;
    out.su += k * a.su;
    out.suu += k * a.suu;
    out.sv += k * (a.sv - lm * a.sw);
    out.suv += k * (a.suv - lm * a.su);
    sw += t.sw - (p?.sw ?? 0);
    swy += (t.swy - (p?.swy ?? 0)) / m;
  }
  return { sums: out, sw, swy };
}

/** Running MAPE and log-RMSE of one route over the records of many configurations. */
class RouteScorer {
  private ape = 0;
  private sl = 0;
  private n = 0;
  /** Adds every record of `cfg` against the configuration's prediction `p`. */
  add(cfg: Config, p: number): void {
    const lp = Math.log(p);
    for (let i = 0; i < cfg.ys.length; i++) {
      const y = cfg.ys[i]!;
      this.ape += Math.abs(p - y) / y;
      this.sl += (lp - Math.log(y)) ** 2;
    }
    this.n += cfg.ys.length;
  }
  score(): RouteScore | null {
    return this.n > 0 ? { mape: this.ape / this.n, log_rmse: Math.sqrt(this.sl / this.n), n: this.n } : null;
  }
}

/**
 * Leave-one-model-out scores of the two fallback routes: for each model with specs, the decode-time
 * physics (per backend, else over all backends) and the FP16-equivalent log-log power law (with
 * multipliers re-derived without the model) are refitted from the sums minus the model's part, and
 * the model's records are predicted with each route, roofline-clamped.
 */
function scoreRoutes(
  configs: readonly Config[],
  decode: {
    readonly total: DecodeSums;
    readonly byBackend: ReadonlyMap<string, DecodeSums>;
    readonly byModel: ReadonlyMap<number, DecodeSums>;
    readonly byBackendModel: ReadonlyMap<string, ReadonlyMap<number, DecodeSums>>;
  },
  law: LawTable,
  pairs: PairTable,
  defaultMultiplier: (quant: string) => number | undefined,
  refBw: number | undefined,
  o: ResolvedThroughputOptions,
): { physics: RouteScore | null; power_law: RouteScore | null; folds: number } {
  const byModel = new Map<number, Config[]>();
  for (const cfg of configs) {
    if (cfg.modelSpec && cfg.quantSpec && cfg.gpuSpec && cfg.bytes > 0)
      getOrInsert(byModel, cfg.mi, () => []).push(cfg);
  }
  const models = [...byModel.keys()].sort((a, b) => a - b);
  if (models.length < 2 || refBw === undefined) return { physics: null, power_law: null, folds: 0 };
  const maxEta = o.maxBandwidthEfficiency;
  const physics = new RouteScorer();
  const power = new RouteScorer();
  for (const mi of models) {
    const global = decodeFromSums(subtractDecode(decode.total, decode.byModel.get(mi)), maxEta);
    const perBackend = new Map<string, DecodeTime | null>();
    const mult = (q: string): number | undefined =>
      q === o.baselineQuant ? 1 : (pairs.get(q, mi)?.multiplier ?? defaultMultiplier(q));
    const s = foldLawSums(law, mi, mult);
    const fitted = powerLawFromLogLogSums(s.sums, { maxA: o.powerLawMaxA, maxB: o.powerLawMaxB });
    const a = fitted ? fitted.a : s.sw > 0 ? s.swy / s.sw : 0;
    const b = fitted ? fitted.b : 0;
    for (const cfg of byModel.get(mi)!) {
      let d = perBackend.get(cfg.backend);
      if (d === undefined) {
        const sums = decode.byBackend.get(cfg.backend);
        const rest = sums ? subtractDecode(sums, decode.byBackendModel.get(cfg.backend)?.get(mi)) : undefined;
        d = rest && rest.n > 0 ? (decodeFromSums(rest, maxEta) ?? global) : global;
        perBackend.set(cfg.backend, d);
      }
      const m = mult(cfg.quant);
      if (!d || !(a > 0) || m === undefined || !(cfg.modelSpec!.paramsB > 0)) continue;
      const bw = cfg.gpuSpec!.bandwidthGbs;
      const roof = (bw * 1e9) / cfg.bytes;
      const phys = Math.min(decodeTokPerS(d, cfg.bytes, bw), roof);
      const pl = Math.min(evaluatePowerLaw(a, b, cfg.modelSpec!.paramsB) * m * (bw / refBw), roof);
      if (!(phys > 0 && pl > 0 && Number.isFinite(phys) && Number.isFinite(pl))) continue;
      physics.add(cfg, phys);
      power.add(cfg, pl);
    }
  }
  return { physics: physics.score(), power_law: power.score(), folds: models.length };
}

// ------------------------------------------------------------------------------------------
// Fit
// ------------------------------------------------------------------------------------------

/**
 * `fitThroughput(train, { specs, referenceGpu })` builds the context-aware lookups, the quant
 * multipliers and quant efficiencies, the size power law, the per-backend decode-time physics and
 * efficiency summaries from the N=1 training records (records with `nAgents` ≠ 1 are excluded and
 * counted), then picks the fallback route for unmeasured models by leave-one-model-out error.
 * Never throws on data: an empty set gives `fitted: false`, empty tables and `status: 'empty'`; a
 * power law that did not converge is reported in the diagnostics.
 * @example fitThroughput(train, { specs, referenceGpu: 'rtx-4080-laptop' }).coefficients.lookup['llama3.2-1b|ollama|FP16']
 */
export function fitThroughput(
  train: readonly ThroughputRecord[],
  options: ThroughputFitOptions,
): FitResult<ThroughputCoefficients> {
  const o = resolveThroughputFitOptions(options);
  const { configs, nRecords, multiAgent, invalid } = prepare(train, o);
  const notes: string[] = [];
  if (multiAgent > 0)
    notes.push(`${multiAgent} record(s) with nAgents ≠ 1 excluded (the model is per single stream)`);
  if (invalid > 0) notes.push(`${invalid} record(s) with non-positive tok/s skipped`);
  let noSpec = 0;
  for (const cfg of configs) if (!cfg.modelSpec) noSpec += cfg.ys.length;
  if (noSpec > 0)
    notes.push(`${noSpec} record(s) without a model spec: lookup only (no power law or physics)`);
  const refSpec = o.specs.gpu(o.referenceGpu);
  const refBw = refSpec && refSpec.bandwidthGbs > 0 ? refSpec.bandwidthGbs : undefined;
  if (!refSpec) {
    notes.push(`reference GPU ${o.referenceGpu} not in the registry: no cross-GPU scaling during the fit`);
  }
  const maxEta = o.maxBandwidthEfficiency;

  // 1. One pass over the configurations: lookup cells, efficiencies, decode-time sums.
  const refCells = new Map<string, CellAcc>();
  const gpuCells = new Map<string, CellAcc>();
  const byBackend = new Map<string, Floats>();
  const byFamily = new Map<string, Floats>();
  const allEff = new Floats();
  let over = 0;
  const decode = {
    total: emptyDecodeSums(),
    byBackend: new Map<string, DecodeSums>(),
    byModel: new Map<number, DecodeSums>(),
    byBackendModel: new Map<string, Map<number, DecodeSums>>(),
  };
  const seenQuants = new Set<string>(o.quants);
  let aboveCap = 0;
  for (const cfg of configs) {
    seenQuants.add(cfg.quant);
    if (cfg.gpu === o.referenceGpu) addToCell(refCells, compositeKey(cfg.model, cfg.backend, cfg.quant), cfg);
    else addToCell(gpuCells, compositeKey(cfg.model, cfg.backend, cfg.quant, cfg.gpu), cfg);
    if (!(cfg.x > 0) || !cfg.quantSpec) continue;
    const fb = getOrInsert(byBackend, cfg.backend, () => new Floats());
    const fk = compositeKey(cfg.backend, cfg.quantSpec.family);
    const ff = getOrInsert(byFamily, fk, () => new Floats());
    for (let i = 0; i < cfg.ys.length; i++) {
      const eff = cfg.x * cfg.ys[i]!;
      if (eff > 1) over++;
      allEff.push(eff);
      fb.push(eff);
      ff.push(eff);
    }
    const part = decodePart(cfg, maxEta);
    aboveCap += cfg.ys.length - part.n;
    if (part.n === 0) continue;
    addDecode(decode.total, part);
    const db = getOrInsert(decode.byBackend, cfg.backend, () => emptyDecodeSums());
    addDecode(db, part);
    const dm = getOrInsert(decode.byModel, cfg.mi, () => emptyDecodeSums());
    addDecode(dm, part);
    const dbm = getOrInsert(decode.byBackendModel, cfg.backend, () => new Map());
    const dbmm = getOrInsert(dbm, cfg.mi, () => emptyDecodeSums());
    addDecode(dbmm, part);
  }
  const lookup = publishCells(refCells, o.kvBytes);
  const lookupGpu = publishCells(gpuCells, o.kvBytes);

  // 2. Quant multipliers and efficiencies from paired configurations; registry defaults for the rest.
  const pairs = new PairTable(quantPairs(configs, o));
  const quantMultipliers = dict<number>();
  const quantSources = dict<{ source: 'measured' | 'default' | 'baseline'; n: number }>();
  const quantEfficiency = dict<number>();
  const quantBpw = dict<number>();
  quantMultipliers[o.baselineQuant] = 1;
  quantSources[o.baselineQuant] = { source: 'baseline', n: 0 };
  quantEfficiency[o.baselineQuant] = 1;
  for (const q of pairs.quants()) {
    const m = pairs.get(q)!;
    quantMultipliers[q] = m.multiplier;
    quantSources[q] = { source: 'measured', n: m.n };
    if (m.rho !== undefined && m.rho > 0) quantEfficiency[q] = m.rho;
  }
  const quantOf = cached((id) => o.specs.quant(id));
  const defaultMultiplier = (q: string): number | undefined => {
    const spec = quantOf(q);
    return spec && Number.isFinite(spec.defaultTpsMultiplier) && spec.defaultTpsMultiplier > 0
      ? spec.defaultTpsMultiplier
      : undefined;
  };
  for (const q of [...seenQuants].sort()) {
    const spec = quantOf(q);
    if (spec && Number.isFinite(spec.bitsPerWeight) && spec.bitsPerWeight > 0)
      quantBpw[q] = spec.bitsPerWeight;
    if (Object.hasOwn(quantMultipliers, q)) continue;
    const d = defaultMultiplier(q);
    if (d !== undefined) {
      quantMultipliers[q] = d;
      quantSources[q] = { source: 'default', n: 0 };
    }
  }

  // 3. Power law on FP16-equivalent tok/s at reference-GPU bandwidth: LM on the configurations'
  //    weighted means (the same optimum as on the records), log-log sums per (model, quant) for folds.
  const px: number[] = [];
  const py: number[] = [];
  const pw: number[] = [];
  let lawRecords = 0;
  const law: LawTable = { total: new Map(), byModel: new Map() };
  for (const cfg of configs) {
    if (!cfg.modelSpec || !(cfg.modelSpec.paramsB > 0)) continue;
    let bw = 1;
    if (cfg.gpu !== o.referenceGpu) {
      if (!cfg.gpuSpec || refBw === undefined) continue;
      bw = refBw / cfg.gpuSpec.bandwidthGbs;
    }
    const m = own(quantMultipliers, cfg.quant);
    if (m !== undefined) {
      px.push(cfg.modelSpec.paramsB);
      py.push(((cfg.s1 / cfg.s0) * bw) / m);
      pw.push(cfg.s0);
      lawRecords += cfg.ys.length;
    }
    const known =
      cfg.quant === o.baselineQuant ||
      pairs.get(cfg.quant) !== undefined ||
      defaultMultiplier(cfg.quant) !== undefined;
    if (!known) continue;
    const u = Math.log(cfg.modelSpec.paramsB);
    const A = bw * bw * cfg.s2;
    const Av = bw * bw * (cfg.s2l + Math.log(bw) * cfg.s2);
    for (const a of [
      getOrInsert(law.total, cfg.quant, emptyLawAcc),
      getOrInsert(
        getOrInsert(law.byModel, cfg.mi, () => new Map<string, LawAcc>()),
        cfg.quant,
        emptyLawAcc,
      ),
    ]) {
      a.sums.sw += A;
      a.sums.su += A * u;
      a.sums.suu += A * u * u;
      a.sums.sv += Av;
      a.sums.suv += Av * u;
      a.sw += cfg.s0;
      a.swy += bw * cfg.s1;
    }
  }
  const lawFit = fitPowerLaw(px, py, {
    weights: pw,
    maxA: o.powerLawMaxA,
    maxB: o.powerLawMaxB,
    maxIterations: o.powerLawMaxIterations,
  });
  if (!lawFit.converged && lawFit.note)
    notes.push(`power law: ${lawFit.note} (method ${lawFit.method}, n ${lawRecords})`);

  // 4. Efficiency summaries and decode-time physics per backend.
  const efficiency = dict<SpreadSummary>();
  for (const k of [...byBackend.keys()].sort()) efficiency[k] = summary(byBackend.get(k)!.values())!;
  const efficiencyByFamily = dict<SpreadSummary>();
  for (const k of [...byFamily.keys()].sort()) {
    const v = byFamily.get(k)!;
    if (v.length >= o.minFamilyGroup) efficiencyByFamily[k] = summary(v.values())!;
  }
  if (over > 0)
    notes.push(
      `${over} record(s) measured above the roofline (efficiency > 1): check bandwidth and bpw specs`,
    );
  if (aboveCap > 0)
    notes.push(`${aboveCap} record(s) above ${maxEta} × roofline left out of the decode-time fit`);
  const decodeTime = dict<DecodeTime>();
  for (const b of [...decode.byBackend.keys()].sort()) {
    const d = decodeFromSums(decode.byBackend.get(b)!, maxEta);
    if (d) decodeTime[b] = d;
  }
  const decodeGlobal = decodeFromSums(decode.total, maxEta);
  const decodeEntries = Object.entries(decodeTime);
  if (decodeEntries.length > 0) {
    notes.push(
      `decode time per backend (overhead ms, bandwidth efficiency): ${decodeEntries
        .map(([b, d]) => `${b} ${d.overhead_ms.toFixed(2)}, ${d.bandwidth_efficiency.toFixed(3)} (n ${d.n})`)
        .join('; ')}`,
    );
  }
  const lookupValues = Float64Array.from(Object.values(lookup.value));
  const gpuValues = Float64Array.from(Object.values(lookupGpu.value));
  const unknown =
    lookupValues.length > 0
      ? quantileSorted(lookupValues.sort(), 0.5)
      : gpuValues.length > 0
        ? quantileSorted(gpuValues.sort(), 0.5)
        : o.unknownTokPerS;

  // 5. Route selection by leave-one-model-out error.
  const scores = scoreRoutes(configs, decode, law, pairs, defaultMultiplier, refBw, o);
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
    if (route === 'physics' && !decodeGlobal && allEff.length === 0) route = 'power_law';
    notes.push(`fallback route ${route}: too few models with registry specs to compare routes`);
  }

  const coefficients: ThroughputCoefficients = {
    lookup: lookup.value,
    lookup_n: lookup.n,
    lookup_context: lookup.context,
    lookup_gpu: lookupGpu.value,
    lookup_gpu_n: lookupGpu.n,
    lookup_gpu_context: lookupGpu.context,
    quant_multipliers: quantMultipliers,
    quant_multiplier_sources: quantSources,
    quant_efficiency: quantEfficiency,
    quant_bits_per_weight: quantBpw,
    size_power_a: lawFit.a,
    size_power_b: lawFit.b,
    size_power_converged: lawFit.converged,
    size_power_method: lawFit.method,
    size_power_n: lawRecords,
    efficiency,
    efficiency_by_family: efficiencyByFamily,
    efficiency_global: summary(allEff.values()),
    decode_time: decodeTime,
    decode_time_global: decodeGlobal,
    max_bandwidth_efficiency: maxEta,
    fallback_route: route,
    route_scores: { physics: scores.physics, power_law: scores.power_law },
    route_selection: selection,
    route_selected_by: o.selectRouteBy,
    reference_gpu: o.referenceGpu,
    baseline_quant: o.baselineQuant,
    default_context: o.defaultContext,
    kv_bytes: o.kvBytes,
    unknown_tok_per_s: unknown,
    n_records: nRecords,
    n_excluded_multi_agent: multiAgent,
    fitted: nRecords > 0,
  };

  // In-sample residuals of the full prediction chain (one prediction per configuration).
  const residuals = new ResidualAccumulator();
  if (refSpec && refBw !== undefined) {
    for (const cfg of configs) {
      if (!cfg.quantSpec || !cfg.gpuSpec) continue;
      const p = predictThroughput(coefficients, {
        modelId: cfg.model,
        ...(cfg.modelSpec ? { model: cfg.modelSpec } : {}),
        quant: cfg.quantSpec,
        backend: cfg.backend,
        gpu: cfg.gpuSpec,
        referenceGpu: refSpec,
        context: cfg.context,
      });
      residuals.add(cfg.ys, p.tokPerS);
    }
  }
  const diagnostics: Diagnostics = {
    n: nRecords,
    converged: lawFit.converged,
    status: nRecords === 0 ? (train.length === 0 ? 'empty' : 'fallback') : 'fitted',
    residuals: residuals.summary(),
    notes,
  };
  return { coefficients, diagnostics };
}

/** Unweighted residual summary of predictions over records, accumulated per configuration. */
class ResidualAccumulator {
  private n = 0;
  private sse = 0;
  private sae = 0;
  private sb = 0;
  private maxAbs = 0;
  add(actual: Float64Array, predicted: number): void {
    for (let i = 0; i < actual.length; i++) {
      const e = predicted - actual[i]!;
      this.sse += e * e;
      this.sae += Math.abs(e);
      this.sb += e;
      this.maxAbs = Math.max(this.maxAbs, Math.abs(e));
    }
    this.n += actual.length;
  }
  summary(): ResidualSummary | null {
    const n = this.n;
    return n === 0
      ? null
      : { rmse: Math.sqrt(this.sse / n), mae: this.sae / n, bias: this.sb / n, maxAbs: this.maxAbs };
  }
}
// ------------------------------------------------------------------------------------------
// Predict
// ------------------------------------------------------------------------------------------

export interface ThroughputQuery {
  /** Canonical model id (the lookup key even when the registry has no spec for it). */
  readonly modelId: string;
  /** Registry spec; needed by the physics routes, context scaling and the roofline. */
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
  | 'context_scaled'
  | 'bandwidth_scaled'
  | 'sibling_quant'
  | 'quant_multiplier'
  | 'physics'
  | 'power_law'
  | 'default';

export interface ThroughputPrediction {
  readonly tokPerS: number;
  /** `measured` exact lookup at its own context, `derived` a scaled lookup or sibling quant, `extrapolated` a fallback route, `unknown` the labelled default. */
  readonly provenance: Provenance;
  readonly route: ThroughputRoute;
  /** True when the value was lowered to the roofline. */
  readonly clamped: boolean;
  /** Memory-bound ceiling for the query; null without a model spec. */
  readonly rooflineTokPerS: number | null;
}

/** One measured cell of a (model, backend): `gpu` null on the reference GPU. */
interface IndexedCell {
  readonly quant: string;
  readonly gpu: string | null;
  readonly value: number;
  readonly context: number | undefined;
  readonly weight: number;
}

const cellIndexes = new WeakMap<object, Map<string, IndexedCell[]>>();

/** Cells by compositeKey(model, backend), built once per coefficients object. */
function cellIndex(c: ThroughputCoefficients): Map<string, IndexedCell[]> {
  let index = cellIndexes.get(c);
  if (index) return index;
  index = new Map();
  const add = (
    table: Readonly<Record<string, number>>,
    n: Readonly<Record<string, number>>,
    ctx: Readonly<Record<string, number>> | undefined,
    arity: number,
  ) => {
    for (const key of Object.keys(table)) {
      const parts = splitKey(key);
      if (parts.length !== arity) continue;
      const mb = compositeKey(parts[0]!, parts[1]!);
      const list = getOrInsert(index!, mb, () => []);
      list.push({
        quant: parts[2]!,
        gpu: arity === 4 ? parts[3]! : null,
        value: table[key]!,
        context: own(ctx, key),
        weight: own(n, key) ?? 1,
      });
    }
  };
  add(c.lookup, c.lookup_n, c.lookup_context, 3);
  add(c.lookup_gpu, c.lookup_gpu_n, c.lookup_gpu_context, 4);
  cellIndexes.set(c, index);
  return index;
}

function multiplierFor(c: ThroughputCoefficients, quant: QuantSpec): number {
  if (quant.id === c.baseline_quant) return 1;
  return (
    own(c.quant_multipliers, quant.id) ?? (quant.defaultTpsMultiplier > 0 ? quant.defaultTpsMultiplier : 1)
  );
}

/** Decode-time fit for the backend, else the global one; null for hand-built or empty coefficients. */
function decodeFitFor(c: ThroughputCoefficients, backend: string): DecodeTime | null {
  return own(c.decode_time, backend) ?? c.decode_time_global ?? null;
}

/**
 * Physics route: 1 / (overhead + bytes / (bandwidth · η)) with the backend's decode-time fit, else
 * efficiency (backend|family → backend → global) × roofline; null without a spec or any fit.
 */
function physicsRoute(c: ThroughputCoefficients, q: ThroughputQuery, context: number): number | null {
  if (!q.model) return null;
  const d = decodeFitFor(c, q.backend);
  if (d)
    return decodeTokPerS(
      d,
      bytesPerToken(q.model, q.quant.bitsPerWeight, context, c.kv_bytes),
      q.gpu.bandwidthGbs,
    );
  const eff =
    own(c.efficiency_by_family, compositeKey(q.backend, q.quant.family)) ??
    own(c.efficiency, q.backend) ??
    c.efficiency_global;
  if (!eff) return null;
  return eff.median * rooflineTokPerS(q.model, q.quant, q.gpu, context, c.kv_bytes);
}

/** a·params^−b × multiplier(quant) × bandwidth ratio; null without a spec or a fitted law. */
function powerLawRoute(c: ThroughputCoefficients, q: ThroughputQuery): number | null {
  if (!q.model || !(q.model.paramsB > 0) || !(c.size_power_a > 0)) return null;
  const ratio = q.gpu.bandwidthGbs / q.referenceGpu.bandwidthGbs;
  return (
    evaluatePowerLaw(c.size_power_a, c.size_power_b, q.model.paramsB) * multiplierFor(c, q.quant) * ratio
  );
}

const usable = (v: number | null | undefined): v is number =>
  v !== null && v !== undefined && Number.isFinite(v) && v > 0;

/**
 * `predictThroughput(coefficients, query)` walks the fallback chain:
 *   1. exact lookup on the query GPU (`measured`), scaled by roofline(ctx)/roofline(cell context)
 *      when the query context differs from the cell's (`context_scaled`, `derived`);
 *   2. reference lookup moved to the query GPU (`bandwidth_scaled`, `derived`): only the
 *      bandwidth-bound part of the time per token scales, t′ = overhead + (t − overhead)·bw_ref/bw;
 *   3. nearest measured quant Q′ (in bits per weight) of the same model and backend, on the query
 *      GPU else the reference GPU: tok(Q) = tok(Q′)·bytes(Q′, c′)/bytes(Q, c)·ρ(Q)/ρ(Q′) with ρ the
 *      quant efficiency (`sibling_quant`), or the multiplier ratio without a model spec
 *      (`quant_multiplier`), both `derived`;
 *   4. the chosen fallback route, then the other (`extrapolated`);
 *   5. `unknown_tok_per_s` (`unknown`).
 * Any value above the roofline is lowered to it and flagged `clamped`; no step returns NaN or ≤ 0.
 * Throws `PipelineError` when `referenceGpu` is not the coefficients' reference GPU, a bandwidth is
 * not positive, or the context is not positive.
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
  const context = q.context ?? c.default_context;
  const model = q.model;
  const roofline = model ? rooflineTokPerS(model, q.quant, q.gpu, context, c.kv_bytes) : null;
  const finish = (tokPerS: number, provenance: Provenance, route: ThroughputRoute): ThroughputPrediction => {
    const clamped = roofline !== null && Number.isFinite(roofline) && tokPerS > roofline;
    return { tokPerS: clamped ? roofline! : tokPerS, provenance, route, clamped, rooflineTokPerS: roofline };
  };
  const onRef = q.gpu.id === c.reference_gpu;
  const queryBytes = model ? bytesPerToken(model, q.quant.bitsPerWeight, context, c.kv_bytes) : Number.NaN;
  const decode = decodeFitFor(c, q.backend);
  /**
   * Moves a rate measured at bandwidth `fromBw` to the query GPU: only the bandwidth-bound part of
   * the time per token scales, and that part is at least bytes / (fromBw · η_max) (a rate measured
   * above its roofline is first brought down to what the bandwidth allows).
   */
  const toQueryGpu = (value: number, fromBw: number): number => {
    if (fromBw === q.gpu.bandwidthGbs) return value;
    const t = 1 / value;
    const t0 = decode ? Math.min(decode.overhead_ms / 1000, t) : 0;
    const floor = queryBytes > 0 ? queryBytes / (fromBw * 1e9 * (c.max_bandwidth_efficiency ?? 1)) : 0;
    const tBw = Math.max(t - t0, floor);
    if (t0 === 0 && tBw === t) return (value * q.gpu.bandwidthGbs) / fromBw;
    return 1 / (t0 + (tBw * fromBw) / q.gpu.bandwidthGbs);
  };
  /** roofline(query context) / roofline(cell context) for the query quant; 1 without a spec. */
  const contextRatio = (cellContext: number | undefined): number => {
    if (!model || cellContext === undefined || !(queryBytes > 0)) return 1;
    if (Math.abs(cellContext - context) <= 1e-9 * context) return 1;
    return bytesPerToken(model, q.quant.bitsPerWeight, cellContext, c.kv_bytes) / queryBytes;
  };
  const key = compositeKey(q.modelId, q.backend, q.quant.id);

  // 1. Exact lookup on the query GPU, at the query context.
  const gpuKey = compositeKey(q.modelId, q.backend, q.quant.id, q.gpu.id);
  const exact = onRef ? own(c.lookup, key) : own(c.lookup_gpu, gpuKey);
  if (usable(exact)) {
    const ratio = contextRatio(onRef ? own(c.lookup_context, key) : own(c.lookup_gpu_context, gpuKey));
    if (ratio === 1) return finish(exact, 'measured', 'lookup');
    const v = exact * ratio;
    if (usable(v)) return finish(v, 'derived', 'context_scaled');
  }

  // 2. Reference-GPU lookup moved to the query GPU.
  const ref = own(c.lookup, key);
  if (!onRef && usable(ref)) {
    const v = toQueryGpu(ref * contextRatio(own(c.lookup_context, key)), q.referenceGpu.bandwidthGbs);
    if (usable(v)) return finish(v, 'derived', 'bandwidth_scaled');
  }

  // 3. Nearest measured sibling quant of the same model and backend.
  const cells = cellIndex(c).get(compositeKey(q.modelId, q.backend));
  if (cells) {
    const tiers: (string | null)[] = onRef ? [null] : [q.gpu.id, null];
    for (const tier of tiers) {
      const v = siblingValue(c, q, cells, tier, context, queryBytes);
      if (v && usable(v.value)) {
        const moved = tier === null && !onRef ? toQueryGpu(v.value, q.referenceGpu.bandwidthGbs) : v.value;
        if (usable(moved)) return finish(moved, 'derived', v.route);
      }
    }
  }

  // 4. Fallback routes for unmeasured models: the chosen one first.
  const order: readonly FallbackRoute[] =
    c.fallback_route === 'physics' ? ['physics', 'power_law'] : ['power_law', 'physics'];
  for (const route of order) {
    const v = route === 'physics' ? physicsRoute(c, q, context) : powerLawRoute(c, q);
    if (usable(v)) return finish(v, 'extrapolated', route);
  }

  // 5. Nothing known: a labelled default, never NaN.
  return finish(usable(c.unknown_tok_per_s) ? c.unknown_tok_per_s : 1, 'unknown', 'default');
}

/**
 * Sibling-quant estimate from the cells of one GPU tier (`null` = reference GPU), at that tier's
 * bandwidth: the nearest quant in bits per weight (ties: more weight, then quant id) scaled by the
 * bytes-per-token ratio and the quant efficiencies; without a model spec or bits per weight, the
 * baseline (else nearest-multiplier) cell scaled by the multiplier ratio.
 */
function siblingValue(
  c: ThroughputCoefficients,
  q: ThroughputQuery,
  cells: readonly IndexedCell[],
  tier: string | null,
  context: number,
  queryBytes: number,
): { value: number; route: ThroughputRoute } | null {
  const candidates = cells.filter(
    (cell) => cell.gpu === tier && cell.quant !== q.quant.id && usable(cell.value),
  );
  if (candidates.length === 0) return null;
  const rho = (id: string) => own(c.quant_efficiency, id) ?? 1;
  if (q.model && queryBytes > 0) {
    let best: { cell: IndexedCell; bpw: number; d: number } | null = null;
    for (const cell of candidates) {
      const bpw = own(c.quant_bits_per_weight, cell.quant);
      if (!usable(bpw)) continue;
      const d = Math.abs(bpw - q.quant.bitsPerWeight);
      if (
        !best ||
        d < best.d - 1e-12 ||
        (Math.abs(d - best.d) <= 1e-12 &&
          (cell.weight > best.cell.weight ||
            (cell.weight === best.cell.weight && cell.quant < best.cell.quant)))
      )
        best = { cell, bpw, d };
    }
    if (best) {
      const siblingBytes = bytesPerToken(q.model, best.bpw, best.cell.context ?? context, c.kv_bytes);
      const value =
        ((best.cell.value * siblingBytes) / queryBytes) * (rho(q.quant.id) / rho(best.cell.quant));
      return { value, route: 'sibling_quant' };
    }
  }
  const target = multiplierFor(c, q.quant);
  let best: { cell: IndexedCell; m: number } | null = null;
  for (const cell of candidates) {
    const m = cell.quant === c.baseline_quant ? 1 : own(c.quant_multipliers, cell.quant);
    if (!usable(m)) continue;
    const better =
      !best ||
      (cell.quant === c.baseline_quant && best.cell.quant !== c.baseline_quant) ||
      (best.cell.quant !== c.baseline_quant &&
        (Math.abs(Math.log(m / target)) < Math.abs(Math.log(best.m / target)) - 1e-12 ||
          (Math.abs(Math.log(m / target)) <= Math.abs(Math.log(best.m / target)) + 1e-12 &&
            cell.quant < best.cell.quant)));
    if (better) best = { cell, m };
  }
  return best ? { value: (best.cell.value * target) / best.m, route: 'quant_multiplier' } : null;
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
  // One outcome per configuration (its prediction or why it has none), shared by its records; each
  // record then costs one small object of one shape.
  type Outcome = Pick<ThroughputRecordPrediction, 'prediction' | 'skipped'>;
  const cache = new TupleCache<Outcome>();
  const out = new Array<ThroughputRecordPrediction>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const context = r.contextLength !== null && r.contextLength > 0 ? r.contextLength : null;
    const outcome: Outcome =
      r.nAgents !== 1
        ? MULTI_AGENT
        : cache.get([r.model, r.quant, r.backend, r.gpu, context], () => {
            const quant = specs.quant(r.quant);
            if (!quant) return { prediction: null, skipped: 'unknown_quant' };
            const gpu = specs.gpu(r.gpu);
            if (!gpu || !(gpu.bandwidthGbs > 0)) return { prediction: null, skipped: 'unknown_gpu' };
            if (!refGpu || !(refGpu.bandwidthGbs > 0))
              return { prediction: null, skipped: 'unknown_reference_gpu' };
            const model = specs.model(r.model);
            const prediction = predictThroughput(coefficients, {
              modelId: r.model,
              ...(model ? { model } : {}),
              quant,
              backend: r.backend,
              gpu,
              referenceGpu: refGpu,
              ...(context !== null ? { context } : {}),
            });
            return { prediction, skipped: null };
          });
    out[i] = { id: r.id, actual: r.tokPerS, prediction: outcome.prediction, skipped: outcome.skipped };
  }
  return out;
}

const MULTI_AGENT = { prediction: null, skipped: 'multi_agent' } as const;
