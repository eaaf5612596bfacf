/**
 * `fitted_models.json`: the published artifact. One zod schema is the contract: the TS type comes
 * from it, `artifactJsonSchema()` exports it as JSON Schema (draft 2020-12) for consumers without
 * our code, and `parseArtifact` validates what `predict`/`plan` load. The six model sections follow
 * the reference artifact's layout (`throughput.lookup["llama3.2-1b|ollama|FP16"]`,
 * `vram.overhead_factor`, ...) and are each model module's own coefficient schema.
 */

import { z } from 'zod';
import { CostCoefficientsSchema } from '../fit/cost.ts';
import type { Coefficients } from '../fit/index.ts';
import { LatencyCoefficientsSchema } from '../fit/latency.ts';
import { QualityCoefficientsSchema } from '../fit/quality.ts';
import { ScalingCoefficientsSchema } from '../fit/scaling.ts';
import { ThroughputCoefficientsSchema } from '../fit/throughput.ts';
import { VramCoefficientsSchema } from '../fit/vram.ts';
import { CATEGORIES, type Category } from '../records.ts';
import type { LoadedRegistry } from '../registry.ts';
import { PipelineError } from '../util/errors.ts';
import { stableStringify } from '../util/stable-json.ts';

/** Version of the artifact layout; bump it on any incompatible change. */
export const SCHEMA_VERSION = 1;

export const GENERATOR_NAME = 'capfit';

/** The model sections in the spec's order (TR133 §4–§9). */
export const MODEL_SECTIONS = ['vram', 'throughput', 'scaling', 'quality', 'cost', 'latency'] as const;
export type ModelSection = (typeof MODEL_SECTIONS)[number];

/** One zod schema per model section. */
export type SectionSchemas = { readonly [K in ModelSection]: z.ZodType };

/**
 * The model modules' coefficient schemas, as published. This is the one place that binds the
 * artifact to the fit modules.
 */
export const MODEL_SECTION_SCHEMAS = {
  vram: VramCoefficientsSchema,
  throughput: ThroughputCoefficientsSchema,
  scaling: ScalingCoefficientsSchema,
  quality: QualityCoefficientsSchema,
  cost: CostCoefficientsSchema,
  latency: LatencyCoefficientsSchema,
} as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case hex SHA-256');
const count = z.number().int().nonnegative();

/** `Diagnostics` from fit/types.ts. */
export const DiagnosticsSchema = z.strictObject({
  n: count,
  converged: z.boolean(),
  status: z.enum(['fitted', 'fallback', 'empty']),
  residuals: z
    .strictObject({ rmse: z.number(), mae: z.number(), bias: z.number(), maxAbs: z.number() })
    .nullable(),
  notes: z.array(z.string()),
});

const aliases = z.array(z.string());

/** `Registry` from records.ts (plus the tag table), embedded so `predict` and `plan` need nothing else. */
export const RegistrySchema = z.strictObject({
  models: z.array(
    z.strictObject({
      id: z.string().min(1),
      family: z.string(),
      paramsB: z.number().positive(),
      layers: count,
      kvHeads: count,
      headDim: count,
      attention: z.string(),
      activeParamsB: z.number().positive(),
      aliases,
    }),
  ),
  quants: z.array(
    z.strictObject({
      id: z.string().min(1),
      bitsPerWeight: z.number().positive(),
      family: z.string(),
      defaultTpsMultiplier: z.number().positive(),
      aliases,
    }),
  ),
  gpus: z.array(
    z.strictObject({
      id: z.string().min(1),
      name: z.string(),
      vendor: z.string(),
      segment: z.string(),
      vramGb: z.number().positive(),
      bandwidthGbs: z.number().positive(),
      costPerHour: z.number().nonnegative(),
      aliases,
    }),
  ),
  backends: z.array(
    z.strictObject({ id: z.string().min(1), batching: z.enum(['continuous', 'serial']), aliases }),
  ),
  /** Ollama tags (`llama3.2:1b`) and the model and quant each ships (`TagSpec` in registry.ts). */
  tags: z
    .array(z.strictObject({ tag: z.string().min(1), model: z.string().min(1), quant: z.string().min(1) }))
    .optional(),
});

const category = z.enum(CATEGORIES as [Category, ...Category[]]);

/** One input file behind the artifact. */
export const ProvenanceInputSchema = z.strictObject({
  /** Path as written in the config (relative to it), `/`-separated. */
  path: z.string().min(1),
  sha256: sha256Hex,
  category,
  rows_read: count,
  rows_accepted: count,
});
export type ProvenanceInput = z.infer<typeof ProvenanceInputSchema>;

/**
 * Builds the artifact schema around the given section schemas (the published `ArtifactSchema` uses
 * `MODEL_SECTION_SCHEMAS`; tests and tools can plug in others).
 */
export function createArtifactSchema<S extends SectionSchemas>(sections: S) {
  return z
    .strictObject({
      schema_version: z.literal(SCHEMA_VERSION),
      generator: z.strictObject({ name: z.literal(GENERATOR_NAME), version: z.string().min(1) }),
      /** The split seed (a string: seedrandom streams differ for `42` and `'42'`). */
      seed: z.string().min(1),
      /** Split unit of the headline validation figures. */
      split_unit: z.enum(['record', 'config']),
      vram: sections.vram as S['vram'],
      throughput: sections.throughput as S['throughput'],
      scaling: sections.scaling as S['scaling'],
      quality: sections.quality as S['quality'],
      cost: sections.cost as S['cost'],
      latency: sections.latency as S['latency'],
      diagnostics: z.strictObject({
        vram: DiagnosticsSchema,
        throughput: DiagnosticsSchema,
        scaling: DiagnosticsSchema,
        quality: DiagnosticsSchema,
        cost: DiagnosticsSchema,
        latency: DiagnosticsSchema,
      }),
      provenance: z.strictObject({
        inputs: z.array(ProvenanceInputSchema),
        config_sha256: sha256Hex,
      }),
      registry: RegistrySchema,
    })
    .meta({
      title: 'capfit fitted_models.json',
      description: `Fitted capacity-model coefficients (artifact schema version ${SCHEMA_VERSION}).`,
    });
}

export const ArtifactSchema = createArtifactSchema(MODEL_SECTION_SCHEMAS);
export type Artifact = z.infer<typeof ArtifactSchema>;

/** The artifact schema as JSON Schema (draft 2020-12), for `artifacts/fitted_models.schema.json`. */
export function artifactJsonSchema(schema: z.ZodType = ArtifactSchema): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** `path.to[3].key: message` for the first issue, plus how many more there are. */
export function describeSchemaError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'does not match the schema';
  let path = '';
  for (const part of first.path) {
    path += typeof part === 'number' ? `[${part}]` : path === '' ? String(part) : `.${String(part)}`;
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  const detail = first.code === 'unrecognized_keys' ? `unknown key ${first.keys.join(', ')}` : first.message;
  return `${path === '' ? '(root)' : path}: ${detail}${more}`;
}

export interface ParseArtifactOptions {
  /**
   * How the file is named in messages.
   * @default 'artifact'
   */
  readonly label?: string;
  /** @default ArtifactSchema */
  readonly schema?: z.ZodType;
}

/** Reads JSON text; throws a PipelineError that says whether it looks truncated. */
export function parseJsonText(text: string, label: string): unknown {
  if (text.trim() === '') throw new PipelineError('artifact', `${label} is empty`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    const truncated =
      /end of JSON input/.test(message) || (at !== null && Number(at[1]) >= text.trimEnd().length);
    throw new PipelineError(
      'artifact',
      truncated
        ? `${label} is truncated (JSON ends early): ${message}`
        : `${label} is not valid JSON: ${message}`,
    );
  }
}

/**
 * Parses and validates artifact text. Throws a `PipelineError` (exit 2) naming the problem: empty,
 * truncated or invalid JSON, not an object, a missing or different `schema_version`
 * (`artifact schema version 7, this capfit reads 1`), or the first schema violation with its path.
 */
export function parseArtifact(text: string, options: ParseArtifactOptions = {}): Artifact {
  const label = options.label ?? 'artifact';
  const raw = parseJsonText(text, label);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PipelineError('artifact', `${label} is not a JSON object`);
  }
  const version = (raw as { schema_version?: unknown }).schema_version;
  if (version === undefined) {
    throw new PipelineError(
      'artifact',
      `${label} has no schema_version; this capfit reads ${SCHEMA_VERSION}`,
    );
  }
  if (version !== SCHEMA_VERSION) {
    throw new PipelineError(
      'artifact',
      `${label} schema version ${JSON.stringify(version)}, this capfit reads ${SCHEMA_VERSION}`,
    );
  }
  const result = (options.schema ?? ArtifactSchema).safeParse(raw);
  if (!result.success) {
    throw new PipelineError(
      'artifact',
      `${label} does not match the schema at ${describeSchemaError(result.error)}`,
    );
  }
  return result.data as Artifact;
}

/**
 * Validates an artifact built in memory and serialises it with sorted keys and a trailing newline.
 * An invalid artifact is a bug upstream (a fit produced coefficients outside its own schema), so
 * this throws a plain Error naming the path.
 */
export function serialiseArtifact(artifact: unknown, schema: z.ZodType = ArtifactSchema): string {
  const result = schema.safeParse(artifact);
  if (!result.success) throw new Error(`artifact is invalid at ${describeSchemaError(result.error)}`);
  return stableStringify(result.data);
}

/** The six coefficient sections of an artifact, as `createPredictor` takes them. */
export function coefficientsOfArtifact(artifact: Artifact): Coefficients {
  return {
    vram: artifact.vram,
    throughput: artifact.throughput,
    scaling: artifact.scaling,
    quality: artifact.quality,
    cost: artifact.cost,
    latency: artifact.latency,
  };
}

/** The embedded registry with its tag table (an artifact without `tags` has none). */
export function registryOfArtifact(artifact: Artifact): LoadedRegistry {
  const r = artifact.registry;
  return { models: r.models, quants: r.quants, gpus: r.gpus, backends: r.backends, tags: r.tags ?? [] };
}
