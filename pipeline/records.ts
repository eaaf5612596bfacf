/**
 * Shapes that cross stage boundaries: issues, ingested rows, normalised records, splits and the
 * registry (model, quant, backend and GPU reference data). Every stage takes and returns plain
 * readonly arrays of these; no stage passes a table object to another.
 */

/** The six record categories, one per fitted model. */
export type Category = 'throughput' | 'vram' | 'quality' | 'latency' | 'cost' | 'scaling';

export const CATEGORIES: readonly Category[] = [
  'throughput',
  'vram',
  'quality',
  'latency',
  'cost',
  'scaling',
];

/**
 * Why a row was rejected (or, for `unknown_*`, kept but flagged).
 * - `unparseable_file`: the whole file could not be read or parsed (one issue per file, line 0).
 * - `ragged_row`: a CSV row with more or fewer fields than the header.
 * - `missing_field`: a required field is absent or empty.
 * - `bad_number`: a numeric field does not parse as a number (`1,5`, `12 GB`, `n/a`).
 * - `non_finite`: NaN or ±Infinity (`1e999`).
 * - `negative` / `out_of_range`: a value outside its physical domain (VRAM < 0, tok/s = 0, η > 2, concurrency 0).
 * - `unknown_unit`: the unit column names a unit the field does not know.
 * - `duplicate_id`: an explicit record id seen before in the same category.
 * - `excluded`: the row fails a `where` filter of its source (another metric, a non-ok status...).
 * - `bad_name`: a name that cannot be an identifier (empty after cleaning, control characters).
 * - `unknown_model` / `unknown_gpu` / `unknown_quant` / `unknown_backend`: kept, labelled, counted.
 */
export type IssueCode =
  | 'unparseable_file'
  | 'ragged_row'
  | 'missing_field'
  | 'bad_number'
  | 'non_finite'
  | 'negative'
  | 'out_of_range'
  | 'unknown_unit'
  | 'duplicate_id'
  | 'excluded'
  | 'bad_name'
  | 'unknown_model'
  | 'unknown_gpu'
  | 'unknown_quant'
  | 'unknown_backend';

/** A problem with one row (or one file, `line` 0) of one source. Rejections and warnings share this shape. */
export interface Issue {
  /** Source path as written in the config (relative to the config file). */
  readonly source: string;
  /** 1-based line where the row ends (csv-parse `ctx.lines`); 0 for a whole-file issue. */
  readonly line: number;
  readonly code: IssueCode;
  readonly message: string;
  /** `reject` removed the row; `warn` kept it (unknown names). */
  readonly severity: 'reject' | 'warn';
}

/** Per-source accounting; invariant: `read === accepted + rejected`. */
export interface SourceCount {
  readonly source: string;
  readonly category: Category;
  readonly read: number;
  readonly accepted: number;
  readonly rejected: number;
}

/** Scalar value of an ingested field, already converted to the field's canonical unit. */
export type FieldValue = string | number | null;

/**
 * A row after ingest: canonical field names (see `CATEGORY_FIELDS` in ingest), canonical units,
 * names not yet normalised.
 */
export interface IngestedRow {
  readonly category: Category;
  readonly source: string;
  readonly line: number;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** Identity and provenance shared by every normalised record. */
export interface BaseRecord {
  /**
   * Content-derived id (hash of category + identity + values, with `#k` for exact duplicates), so the
   * same rows in any file order or source order get the same ids, split and artifacts.
   */
  readonly id: string;
  readonly category: Category;
  readonly source: string;
  readonly line: number;
  /** Canonical model id (`llama3.2-1b`), or the cleaned raw name when `modelKnown` is false. */
  readonly model: string;
  readonly modelKnown: boolean;
  /** Canonical quant id (`FP16`, `Q4_K_M`, ...) or `unknown`. */
  readonly quant: string;
  /** Canonical backend id (`ollama`, `vllm`, `tgi`, `transformers-gpu`, ...) or the cleaned raw name. */
  readonly backend: string;
  /** Canonical hardware id (`rtx-4080-laptop`), or the cleaned raw name when `gpuKnown` is false. */
  readonly gpu: string;
  readonly gpuKnown: boolean;
  /** Samples behind the row (`n` of a published mean); 1 for a single run. Used as a fit weight. */
  readonly weight: number;
}

export interface ThroughputRecord extends BaseRecord {
  readonly category: 'throughput';
  /** Decode tokens per second (per request when `nAgents` > 1). */
  readonly tokPerS: number;
  readonly nAgents: number;
  readonly contextLength: number | null;
  /** The source's metric label (`decode_tok_s`, `effective_tps`, ...), kept for audit. */
  readonly metric: string;
}

export interface VramRecord extends BaseRecord {
  readonly category: 'vram';
  readonly vramGb: number;
  readonly contextLength: number;
  readonly batch: number;
}

export interface QualityRecord extends BaseRecord {
  readonly category: 'quality';
  /** Composite quality on a 0–1 scale. */
  readonly score: number;
  readonly metric: string;
}

export interface LatencyRecord extends BaseRecord {
  readonly category: 'latency';
  /** Latency in milliseconds. */
  readonly ms: number;
  readonly metric: string;
  readonly concurrency: number;
  /** Open-loop arrival rate in requests/s, null for closed-loop or serial runs. */
  readonly arrivalRate: number | null;
}

export interface CostRecord extends BaseRecord {
  readonly category: 'cost';
  readonly usdPer1M: number;
  readonly tokPerS: number | null;
  readonly hourlyRate: number | null;
  readonly metric: string;
}

export interface ScalingRecord extends BaseRecord {
  readonly category: 'scaling';
  readonly nAgents: number;
  /** Per-agent efficiency η(N) as a fraction (η(1) ≈ 1). */
  readonly eta: number;
  readonly perAgentTps: number | null;
  readonly totalTps: number | null;
}

export type AnyRecord =
  | ThroughputRecord
  | VramRecord
  | QualityRecord
  | LatencyRecord
  | CostRecord
  | ScalingRecord;

/** Normalised records grouped by category. */
export interface RecordSet {
  readonly throughput: readonly ThroughputRecord[];
  readonly vram: readonly VramRecord[];
  readonly quality: readonly QualityRecord[];
  readonly latency: readonly LatencyRecord[];
  readonly cost: readonly CostRecord[];
  readonly scaling: readonly ScalingRecord[];
}

/** Train/test partition of one category. */
export interface Split<T> {
  readonly train: readonly T[];
  readonly test: readonly T[];
}

export type SplitUnit = 'record' | 'config';

export interface SplitSet {
  readonly unit: SplitUnit;
  readonly seed: string;
  readonly throughput: Split<ThroughputRecord>;
  readonly vram: Split<VramRecord>;
  readonly quality: Split<QualityRecord>;
  readonly latency: Split<LatencyRecord>;
  readonly cost: Split<CostRecord>;
  readonly scaling: Split<ScalingRecord>;
}

// ---------------------------------------------------------------------------------------------
// Registry: reference data loaded from datasets/registry/*.csv and embedded in the artifact so
// that `predict` and `plan` need nothing else.
// ---------------------------------------------------------------------------------------------

export interface ModelSpec {
  /** Canonical id, e.g. `llama3.2-1b`. */
  readonly id: string;
  readonly family: string;
  /** Parameters in billions. */
  readonly paramsB: number;
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** `gqa`, `mha`, `mqa` (informational). */
  readonly attention: string;
  /** Active parameters per token in billions (MoE); equals paramsB for dense models. */
  readonly activeParamsB: number;
  /** Extra spellings that normalise to this id (lower-cased, compared after cleaning). */
  readonly aliases: readonly string[];
}

export interface QuantSpec {
  /** Canonical id, e.g. `Q4_K_M`, `FP16`. */
  readonly id: string;
  /** Effective bits per weight including block scales (GGUF Q4_K_M ≈ 4.85). */
  readonly bitsPerWeight: number;
  /** `float`, `gguf-k`, `gguf-legacy`, `gptq`, `awq`, `fp8`, ... */
  readonly family: string;
  /** Throughput multiplier vs FP16 used when nothing is measured (TR133 §5.3 defaults where given). */
  readonly defaultTpsMultiplier: number;
  readonly aliases: readonly string[];
}

export interface GpuSpec {
  /** Canonical id, e.g. `rtx-4090`, `a100-80gb`, `m3-max-40c`. */
  readonly id: string;
  /** Display name, e.g. `RTX 4090 24GB`. */
  readonly name: string;
  readonly vendor: string;
  /** `consumer`, `laptop`, `workstation`, `datacenter`, `apple`. */
  readonly segment: string;
  readonly vramGb: number;
  /** Peak memory bandwidth from the vendor's spec sheet, GB/s. */
  readonly bandwidthGbs: number;
  /** Hourly cost in USD (amortised for consumer parts, rental for datacenter). */
  readonly costPerHour: number;
  readonly aliases: readonly string[];
}

export interface BackendSpec {
  readonly id: string;
  /** `continuous` (vLLM, TGI, SGLang...) or `serial` (Ollama, llama.cpp, transformers...). */
  readonly batching: 'continuous' | 'serial';
  readonly aliases: readonly string[];
}

export interface Registry {
  readonly models: readonly ModelSpec[];
  readonly quants: readonly QuantSpec[];
  readonly gpus: readonly GpuSpec[];
  readonly backends: readonly BackendSpec[];
}
