/**
 * `validation.json`: the validation results in a stable, snake_case JSON shape. Per split unit
 * (`record`: held-out rows; `config`: held-out configurations) it holds each model's score, the
 * stability over K seeds and that unit's gate; then the spot checks and the headline gate.
 */

import { z } from 'zod';
import type { SplitUnit } from '../records.ts';
import type { GateResult, ModelScore, PointError } from '../validate/score.ts';
import type { SpotCheckResult } from '../validate/spot-checks.ts';
import type { StabilitySummary } from '../validate/stability.ts';
import { SCHEMA_VERSION } from './artifact.ts';

const nullableNumber = z.number().nullable();
const count = z.number().int().nonnegative();

const MetricsSchema = z.strictObject({
  n: count,
  r2: nullableNumber,
  rmse: nullableNumber,
  mae: nullableNumber,
  mape: nullableNumber,
  bias: nullableNumber,
  status: z.enum(['ok', 'insufficient']),
});

const provenance = z.enum(['measured', 'derived', 'extrapolated', 'default', 'unknown']);

const TargetResultSchema = z.strictObject({
  metric: z.enum(['r2', 'rmse', 'mae', 'mape']),
  op: z.enum(['>=', '<=']),
  target: z.number(),
  value: nullableNumber,
  status: z.enum(['pass', 'fail', 'insufficient']),
});

const PointSchema = z.strictObject({
  id: z.string(),
  model: z.string(),
  backend: z.string(),
  quant: z.string(),
  gpu: z.string(),
  actual: z.number(),
  predicted: z.number(),
  provenance,
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  error: z.number(),
  abs_error: z.number(),
  rel_error: nullableNumber,
});

const ModelScoreSchema = z.strictObject({
  metrics: MetricsSchema,
  by_backend: z.record(z.string(), MetricsSchema),
  in_corpus: MetricsSchema,
  out_of_sample: MetricsSchema,
  targets: z.array(TargetResultSchema),
  worst: z.strictObject({ by_absolute: z.array(PointSchema), by_relative: z.array(PointSchema) }),
  skipped: count,
});

const SpreadSchema = z
  .strictObject({
    n: count,
    median: z.number(),
    p10: z.number(),
    p90: z.number(),
    min: z.number(),
    max: z.number(),
  })
  .nullable();

const StabilitySchema = z.strictObject({
  runs: count,
  /** Records of the category each run split (`used`) out of the corpus's (`total`). */
  records: z.strictObject({ used: count, total: count }),
  /** Median and type-7 10th/90th percentiles over the runs. */
  metrics: z.strictObject({
    r2: SpreadSchema,
    rmse: SpreadSchema,
    mae: SpreadSchema,
    mape: SpreadSchema,
    bias: SpreadSchema,
  }),
  targets: z.array(
    z.strictObject({
      metric: z.enum(['r2', 'rmse', 'mae', 'mape']),
      op: z.enum(['>=', '<=']),
      target: z.number(),
      passed: count,
      failed: count,
      insufficient: count,
      pass_rate: z.number().min(0).max(1),
    }),
  ),
});

const GateEntrySchema = TargetResultSchema.extend({ model: z.string() });

const GateSchema = z.strictObject({
  status: z.enum(['pass', 'fail']),
  /** `not-met`: insufficient data fails a target; `ignore`: it does not decide the gate. */
  insufficient_policy: z.enum(['not-met', 'ignore']),
  total: count,
  passed: count,
  failed: z.array(GateEntrySchema),
  insufficient: z.array(GateEntrySchema),
});

const UnitSchema = z.strictObject({
  models: z.record(z.string(), ModelScoreSchema),
  stability: z.record(z.string(), StabilitySchema).nullable(),
  gate: GateSchema,
});

const SpotCheckSchema = z.strictObject({
  id: z.string(),
  description: z.string(),
  quantity: z.string(),
  value: nullableNumber,
  provenance: provenance.nullable(),
  compare_value: nullableNumber,
  expected: z.string(),
  status: z.enum(['pass', 'fail', 'error']),
  detail: z.string(),
});

export const ValidationFileSchema = z
  .strictObject({
    schema_version: z.literal(SCHEMA_VERSION),
    seed: z.string().min(1),
    /** The unit whose gate is the headline result. */
    headline_unit: z.enum(['record', 'config']),
    units: z.strictObject({ record: UnitSchema.optional(), config: UnitSchema.optional() }),
    spot_checks: z.array(SpotCheckSchema),
    gate: GateSchema,
  })
  .meta({ title: 'capfit validation.json' });
export type ValidationFile = z.infer<typeof ValidationFileSchema>;

/** One split unit's results as computed by the validate stage. */
export interface UnitResults {
  readonly scores: Readonly<Record<string, ModelScore>>;
  /** Null when stability was not run (`stability.seeds: 0`). */
  readonly stability: Readonly<Record<string, StabilitySummary>> | null;
  readonly gate: GateResult;
}

export interface ValidationInput {
  readonly seed: string;
  readonly headlineUnit: SplitUnit;
  readonly units: Readonly<Partial<Record<SplitUnit, UnitResults>>>;
  readonly spotChecks: readonly SpotCheckResult[];
  readonly gate: GateResult;
}

function pointJson(p: PointError): z.infer<typeof PointSchema> {
  return {
    id: p.id,
    model: p.model,
    backend: p.backend,
    quant: p.quant,
    gpu: p.gpu,
    actual: p.actual,
    predicted: p.predicted,
    provenance: p.provenance,
    inputs: { ...p.inputs },
    error: p.error,
    abs_error: p.absError,
    rel_error: p.relError,
  };
}

function scoreJson(s: ModelScore): z.infer<typeof ModelScoreSchema> {
  return {
    metrics: s.metrics,
    by_backend: s.byBackend,
    in_corpus: s.inCorpus,
    out_of_sample: s.outOfSample,
    targets: [...s.targets],
    worst: { by_absolute: s.worst.byAbsolute.map(pointJson), by_relative: s.worst.byRelative.map(pointJson) },
    skipped: s.skipped,
  };
}

function stabilityJson(s: StabilitySummary): z.infer<typeof StabilitySchema> {
  return {
    runs: s.runs,
    records: { used: s.records.used, total: s.records.total },
    metrics: s.metrics,
    targets: s.targets.map(({ passRate, ...rest }) => ({ ...rest, pass_rate: passRate })),
  };
}

/** The gate in the file's shape. */
export function gateJson(g: GateResult): z.infer<typeof GateSchema> {
  return {
    status: g.status,
    insufficient_policy: g.policy,
    total: g.total,
    passed: g.passed,
    failed: [...g.failed],
    insufficient: [...g.insufficient],
  };
}

function mapValues<V, W>(record: Readonly<Record<string, V>>, fn: (v: V) => W): Record<string, W> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, fn(record[k]!)]),
  );
}

/**
 * Converts the validate stage's results into the `validation.json` shape (snake_case keys, models
 * sorted) and checks it against `ValidationFileSchema`.
 */
export function buildValidationFile(input: ValidationInput): ValidationFile {
  const units: { record?: z.infer<typeof UnitSchema>; config?: z.infer<typeof UnitSchema> } = {};
  for (const unit of ['record', 'config'] as const) {
    const u = input.units[unit];
    if (!u) continue;
    units[unit] = {
      models: mapValues(u.scores, scoreJson),
      stability: u.stability === null ? null : mapValues(u.stability, stabilityJson),
      gate: gateJson(u.gate),
    };
  }
  const file = {
    schema_version: SCHEMA_VERSION,
    seed: input.seed,
    headline_unit: input.headlineUnit,
    units,
    spot_checks: input.spotChecks.map((c) => ({
      id: c.id,
      description: c.description,
      quantity: c.quantity,
      value: c.value,
      provenance: c.provenance,
      compare_value: c.compareValue,
      expected: c.expected,
      status: c.status,
      detail: c.detail,
    })),
    gate: gateJson(input.gate),
  };
  const result = ValidationFileSchema.safeParse(file);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`validation file is invalid at ${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  return result.data;
}
