/**
 * The refit config for a generated corpus. Sources: one CSV per category with the root
 * refit.config.yaml's `fields`, `where` and `set` for the corpus file of the same layout, minus the
 * filters that only clean the real corpus (its GPU and note allow-lists); where a filter names a
 * value the generator writes differently (`source_tr`), the generator's value is used. Everything
 * else (split, stability, targets, defaults, spot checks, drift) is copied from the root config
 * when one is given, so a generated corpus is refitted exactly as the bundled one is.
 */

import { stringify } from 'yaml';
import type { RefitConfig } from '../config.ts';
import type { Category } from '../records.ts';
import { byId, CATALOGUE_GPUS } from './catalogue.ts';
import { SOURCE_TR } from './rows.ts';
import { GENERATOR_TRUTH } from './truth.ts';

export interface GeneratedConfigOptions {
  /** Path of each category file, relative to the config file (or absolute). */
  readonly sources: Readonly<Record<Category, string>>;
  /** Registry CSV paths, relative to the config file (or absolute). */
  readonly registry: {
    readonly models: string;
    readonly quants: string;
    readonly gpus: string;
    readonly backends: string;
  };
  /** The split seed written into the config. */
  readonly seed: string;
  /** The root config, parsed: split, stability, targets, defaults, spot checks and drift come from it. */
  readonly base?: RefitConfig;
}

interface SourceMapping {
  readonly where?: Record<string, readonly (string | number)[]>;
  readonly fields: Record<string, unknown>;
  readonly set?: Record<string, string | number>;
}

const REFERENCE_GPU_NAME = byId(CATALOGUE_GPUS, GENERATOR_TRUTH.reference_gpu).spelling;

/** Per-category mappings, as the root config maps datasets/corpus/<category>.csv. */
const SOURCE_MAPPINGS: Readonly<Record<Category, SourceMapping>> = {
  throughput: {
    where: { throughput_metric: ['decode_tok_s'], n_agents: [1], status: ['ok'] },
    fields: { tok_per_s: 'tok_s', metric: 'throughput_metric' },
    set: { n: 1 },
  },
  vram: {
    where: { vram_kind: ['torch_cuda_peak_allocated', 'torch_cuda_alloc_with_kv'], status: ['ok'] },
    fields: {
      vram_gb: [
        { column: 'vram_gb', unit: 'GB' },
        { column: 'vram_mb', unit: 'MiB' },
      ],
    },
    set: { n: 1 },
  },
  quality: {
    where: { metric: ['Key Avg'], phase: ['phase2'], source_tr: [SOURCE_TR] },
    fields: { score: { column: 'score', unit_column: 'score_unit' }, metric: 'metric' },
    set: { gpu: REFERENCE_GPU_NAME },
  },
  latency: {
    where: { latency_metric: ['wall_ms'], concurrency: [1], status: ['ok'] },
    fields: {
      ms: [
        { column: 'mean_ms', unit: 'ms' },
        { column: 'median_ms', unit: 'ms' },
      ],
      metric: 'latency_metric',
      arrival_rate: 'arrival_rate_rps',
    },
    set: { n: 1 },
  },
  cost: {
    where: { cost_metric: ['per_1m_tokens'] },
    fields: {
      usd_per_1m: 'usd_per_1m_tokens',
      tok_per_s: 'decode_tok_s',
      hourly_rate: 'hourly_rate_usd',
      metric: 'cost_metric',
    },
  },
  scaling: {
    fields: { eta: { column: 'eta', unit_column: 'eta_unit' } },
  },
};

const CATEGORY_ORDER: readonly Category[] = ['throughput', 'vram', 'quality', 'latency', 'cost', 'scaling'];

/** What the config says when there is no root config to copy: TR133's targets and defaults. */
const STANDALONE = {
  split: { unit: 'record', test_fraction: 0.2, stratify: ['model', 'backend'] },
  stability: { seeds: 20 },
  targets: {
    record: {
      vram: { r2_min: 0.95 },
      throughput: { r2_min: 0.85 },
      quality: { rmse_max: 0.1 },
      latency: { mape_max: 0.25 },
    },
    config: {},
  },
  defaults: {
    reference_gpu: GENERATOR_TRUTH.reference_gpu,
    hw_cost_per_hour: GENERATOR_TRUTH.cost_rates[GENERATOR_TRUTH.reference_gpu],
  },
} as const;

/**
 * `generatedConfig(options)` is the YAML text of a refit config over the generated files.
 * @example generatedConfig({ sources: { throughput: 'throughput.csv', ... }, registry, seed: '42', base }) // '# Refit config ...\nseed: "42"\n...'
 */
export function generatedConfig(options: GeneratedConfigOptions): string {
  const base = options.base;
  const config = {
    seed: options.seed,
    split: base?.split ?? STANDALONE.split,
    stability: base?.stability ?? STANDALONE.stability,
    registry: { ...options.registry },
    sources: CATEGORY_ORDER.map((category) => {
      const m = SOURCE_MAPPINGS[category];
      return {
        path: options.sources[category],
        category,
        format: 'csv',
        note: `synthetic ${category} rows from capfit generate`,
        ...(m.where ? { where: m.where } : {}),
        fields: m.fields,
        ...(m.set ? { set: m.set } : {}),
      };
    }),
    targets: base?.targets ?? STANDALONE.targets,
    defaults: base?.defaults ?? STANDALONE.defaults,
    ...(base ? { spot_checks: base.spot_checks, drift: base.drift } : {}),
  };
  const header = `# Refit config for a synthetic corpus written by 'capfit generate' (seed ${JSON.stringify(options.seed)}).\n`;
  return header + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}
