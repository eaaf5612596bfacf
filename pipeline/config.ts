/**
 * `refit.config.yaml`: one zod schema is the single source of the config's shape, its defaults and
 * its error messages. `loadConfig(text, baseDir)` parses YAML, validates, and resolves source paths
 * relative to the config file. Every failure is a `PipelineError` (exit 2) naming the key or path.
 */

import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CATEGORIES, type Category } from './records.ts';
import { PipelineError } from './util/errors.ts';

// Schemas here are checked a few times a run: zod's JIT (code generated per object schema on first
// use) costs more than it saves then (measured: config parsing ~85 → ~65 ms of a bundled refit).
z.config({ jitless: true });

const category = z.enum(CATEGORIES as [Category, ...Category[]]);

/** Units a field can be declared in; converted to the field's canonical unit at ingest. */
export const UNITS = [
  'GB',
  'GiB',
  'MB',
  'MiB',
  'ms',
  's',
  'us',
  'fraction',
  'percent',
  'tok/s',
  'USD',
  'count',
] as const;
export type Unit = (typeof UNITS)[number];

/**
 * Where a canonical field comes from in a source row:
 * - a column name (value in the field's canonical unit),
 * - `{ column, unit?, unit_column?, default? }` (declared unit, a per-row unit column, or a fallback value),
 * - a list of those: the first with a non-empty value wins (e.g. `vram_gb` or `vram_mb`).
 */
const fieldRef = z.strictObject({
  column: z.string().min(1),
  unit: z.enum(UNITS).optional(),
  unit_column: z.string().min(1).optional(),
  default: z.union([z.string(), z.number()]).optional(),
});
const fieldSpec = z.union([
  z.string().min(1),
  fieldRef,
  z.array(z.union([z.string().min(1), fieldRef])).min(1),
]);
export type FieldSpec = z.infer<typeof fieldSpec>;
export type FieldRef = z.infer<typeof fieldRef>;

const source = z.strictObject({
  /** Path or glob relative to the config file. */
  path: z.string().min(1),
  category,
  format: z.enum(['csv', 'json', 'jsonl']).optional(),
  /**
   * For nested JSON: a path template to the record arrays, e.g. `efficiency.{backend}.{model}.points`;
   * `{name}` walks every key of an object and stores it as field `name`.
   */
  records: z.string().min(1).optional(),
  /** Canonical field → where it comes from. Unmapped canonical fields default to a column of the same name. */
  fields: z.record(z.string(), fieldSpec).default({}),
  /** Column → accepted values; a row with another value is rejected with code `excluded` and the reason. */
  where: z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1)).default({}),
  /** Column → rejected values; a row with one of them is rejected with code `excluded` (after `where`). */
  exclude: z.record(z.string(), z.array(z.union([z.string(), z.number()])).min(1)).default({}),
  /** Constant field values for every row of this source (e.g. the GPU when the file has no column). */
  set: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
  /** Free-text note explaining the choices for this source (rendered in the report). */
  note: z.string().optional(),
});
export type SourceConfig = z.infer<typeof source>;

const targetSet = z.strictObject({
  r2_min: z.number().min(-1).max(1).optional(),
  rmse_max: z.number().nonnegative().optional(),
  mae_max: z.number().nonnegative().optional(),
  mape_max: z.number().nonnegative().optional(),
});
export type TargetSet = z.infer<typeof targetSet>;

const targetsByModel = z.strictObject({
  vram: targetSet.default({}),
  throughput: targetSet.default({}),
  quality: targetSet.default({}),
  latency: targetSet.default({}),
  scaling: targetSet.default({}),
  cost: targetSet.default({}),
});
export type ModelTargets = z.infer<typeof targetsByModel>;

/** A §12 spot check: a named prediction compared against a range, or two predictions compared. */
const predictQuery = z.strictObject({
  model: z.string().min(1),
  quant: z.string().min(1).optional(),
  backend: z.string().min(1).optional(),
  gpu: z.string().min(1).optional(),
  context: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  tok_per_s: z.number().positive().optional(),
  hw_cost_per_hour: z.number().nonnegative().optional(),
});
export type PredictQuery = z.infer<typeof predictQuery>;

const spotCheck = z.strictObject({
  id: z.string().min(1),
  description: z.string().min(1),
  /** Which prediction: vram_gb, tok_per_s, quality, eta, usd_per_1m, monthly_usd, p95_ms. */
  quantity: z.enum(['vram_gb', 'tok_per_s', 'quality', 'eta', 'usd_per_1m', 'monthly_usd', 'p95_ms']),
  query: predictQuery,
  /** Compare with a range... */
  min: z.number().optional(),
  max: z.number().optional(),
  /** ...with an exact value (within `tolerance`)... */
  equals: z.number().optional(),
  tolerance: z.number().nonnegative().default(1e-6),
  /** ...or with the same quantity for another query: `lt`, `le`, `gt`, `ge`. */
  compare: z.strictObject({ op: z.enum(['lt', 'le', 'gt', 'ge']), query: predictQuery }).optional(),
});
export type SpotCheckConfig = z.infer<typeof spotCheck>;

export const DEFAULT_SEED = '42';

export const RefitConfigSchema = z.strictObject({
  /** Seed string for the one RNG (seedrandom gives different streams for `42` and `'42'`: always a string). */
  seed: z.string().min(1).default(DEFAULT_SEED),
  split: z
    .strictObject({
      /** Which split unit the gate's headline figures use; both are always computed and reported. */
      unit: z.enum(['record', 'config']).default('record'),
      test_fraction: z.number().gt(0).lt(1).default(0.2),
      stratify: z
        .array(z.enum(['model', 'backend', 'quant', 'gpu']))
        .min(1)
        .default(['model', 'backend']),
    })
    .default({ unit: 'record', test_fraction: 0.2, stratify: ['model', 'backend'] }),
  stability: z
    .strictObject({
      /** Repeat split + fit over this many seeds and report the spread (0 disables). */
      seeds: z.number().int().nonnegative().default(20),
      /**
       * Records per category the stability seeds use: a larger category is replaced by one seeded
       * uniform subsample of this size for every stability seed (null: always every record). The
       * published split, fit and gate always use every record.
       */
      max_records: z.number().int().positive().nullable().default(25_000),
    })
    .default({ seeds: 20, max_records: 25_000 }),
  registry: z
    .strictObject({
      models: z.string().min(1).default('datasets/registry/models.csv'),
      quants: z.string().min(1).default('datasets/registry/quants.csv'),
      gpus: z.string().min(1).default('datasets/registry/gpus.csv'),
      backends: z.string().min(1).default('datasets/registry/backends.csv'),
    })
    .default({
      models: 'datasets/registry/models.csv',
      quants: 'datasets/registry/quants.csv',
      gpus: 'datasets/registry/gpus.csv',
      backends: 'datasets/registry/backends.csv',
    }),
  sources: z.array(source).min(1),
  targets: z.strictObject({
    /** The spec's row-level targets (TR133 §11.2). */
    record: targetsByModel,
    /** Out-of-sample targets: configurations never seen in training. */
    config: targetsByModel,
  }),
  defaults: z.strictObject({
    /** Hardware id whose measurements anchor cross-GPU scaling. */
    reference_gpu: z.string().min(1),
    /** Hourly cost used when a GPU has none in the registry. */
    hw_cost_per_hour: z.number().nonnegative(),
    /** ρ at or above this is infeasible (TR133 §9.3). */
    utilisation_cap: z.number().gt(0).lt(1).default(0.7),
    /** Tail factor k in p95 = S + k·W. */
    tail_factor: z.number().positive().default(3),
    context_length: z.number().int().positive().default(2048),
    avg_output_tokens: z.number().int().positive().default(128),
    /** Per-backend Amdahl σ used only where no scaling data exists (standard form η = 1/(σN + 1 − σ)). */
    serial_fractions: z.record(z.string(), z.number().min(0).max(1)).default({}),
    /** σ for a backend absent from `serial_fractions` and from the data. */
    serial_fraction_fallback: z.number().min(0).max(1).default(0.5),
    /** Quality when neither the model nor the quant is known. */
    unknown_quality: z.number().min(0).max(1).default(0.5),
  }),
  spot_checks: z.array(spotCheck).default([]),
  drift: z
    .strictObject({
      /** Relative change in a coefficient that is flagged in the drift section. */
      threshold: z.number().nonnegative().default(0.1),
      /** Fail the gate (exit 1) when a validation point regresses beyond tolerance. */
      fail_on_regression: z.boolean().default(false),
      /** Relative error within which a validation point counts as "within tolerance". */
      point_tolerance: z.number().positive().default(0.25),
    })
    .default({ threshold: 0.1, fail_on_regression: false, point_tolerance: 0.25 }),
});

export type RefitConfig = z.infer<typeof RefitConfigSchema>;

/** Formats the first zod issue as `key.path: message`, naming the offending key. */
function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid configuration';
  const path = first.path.map(String).join('.');
  if (first.code === 'unrecognized_keys') {
    const keys = first.keys.join(', ');
    return `unknown key ${keys}${path ? ` in ${path}` : ''}`;
  }
  return `${path || '(root)'}: ${first.message}`;
}

/**
 * Parses and validates config text. Throws `PipelineError('config', ...)` naming the key.
 * Paths are left as written; `resolveConfigPaths` makes them absolute.
 */
export function parseConfig(text: string, label = 'config'): RefitConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new PipelineError(
      'config',
      `${label}: not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineError('config', `${label}: expected a mapping of keys at the top level`);
  }
  const result = RefitConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new PipelineError('config', `${label}: ${describeZodError(result.error)}`);
  }
  return result.data;
}
