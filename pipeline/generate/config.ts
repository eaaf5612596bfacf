/**
 * The refit config for a generated corpus: one CSV source per category with the same `fields` and
 * `where` mappings the root refit.config.yaml uses for the corpus files of the same layout, the
 * registry of the checkout, and targets and defaults matching the generator's truth.
 */

import { stringify } from 'yaml';
import type { Category } from '../records.ts';
import { GENERATOR_TRUTH } from './truth.ts';

export interface GeneratedConfigOptions {
  /** Path of each category file, relative to the config file. */
  readonly sources: Readonly<Record<Category, string>>;
  /** Registry CSV paths, relative to the config file. */
  readonly registry: {
    readonly models: string;
    readonly quants: string;
    readonly gpus: string;
    readonly backends: string;
  };
  /** The split seed written into the config. */
  readonly seed: string;
  /**
   * Split + fit repetitions for the stability section (0 disables it).
   * @default 20
   */
  readonly stabilitySeeds?: number;
}

/** Field mappings and filters per category, the same as the root config's for these layouts. */
const SOURCE_MAPPINGS: Readonly<
  Record<Category, { readonly fields: Record<string, unknown>; readonly where: Record<string, unknown[]> }>
> = {
  throughput: {
    fields: { tok_per_s: 'tok_s', metric: 'throughput_metric' },
    where: { status: ['ok'], throughput_metric: ['decode_tok_s'] },
  },
  vram: {
    fields: {
      vram_gb: [
        { column: 'vram_gb', unit: 'GB' },
        { column: 'vram_mb', unit: 'MB' },
      ],
      metric: 'vram_kind',
    },
    where: { status: ['ok'] },
  },
  quality: {
    fields: { score: { column: 'score', unit_column: 'score_unit' } },
    where: { metric: ['Composite'] },
  },
  latency: {
    fields: { ms: ['mean_ms', 'median_ms', 'p50_ms'], metric: 'latency_metric' },
    where: { status: ['ok'] },
  },
  cost: {
    fields: {
      usd_per_1m: 'usd_per_1m_tokens',
      tok_per_s: 'decode_tok_s',
      hourly_rate: 'hourly_rate_usd',
      metric: 'cost_metric',
    },
    where: {},
  },
  scaling: {
    fields: { eta: { column: 'eta', unit_column: 'eta_unit' } },
    where: {},
  },
};

const CATEGORY_ORDER: readonly Category[] = ['throughput', 'vram', 'quality', 'latency', 'cost', 'scaling'];

/**
 * `generatedConfig(options)` is the YAML text of a refit config over the generated files. Targets
 * are the TR133 §11.2 record targets; defaults take the reference GPU, its hourly rate and the
 * per-backend serial fractions from the generator's truth.
 * @example generatedConfig({ sources: { throughput: 'throughput.csv', ... }, registry, seed: '42' }) // 'seed: "42"\n...'
 */
export function generatedConfig(options: GeneratedConfigOptions): string {
  const truth = GENERATOR_TRUTH;
  const config = {
    seed: options.seed,
    split: { unit: 'record', test_fraction: 0.2, stratify: ['model', 'backend'] },
    stability: { seeds: options.stabilitySeeds ?? 20 },
    registry: { ...options.registry },
    sources: CATEGORY_ORDER.map((category) => ({
      path: options.sources[category],
      category,
      format: 'csv',
      fields: SOURCE_MAPPINGS[category].fields,
      where: SOURCE_MAPPINGS[category].where,
      note: `synthetic ${category} rows from capfit generate`,
    })),
    targets: {
      record: {
        vram: { r2_min: 0.95 },
        throughput: { r2_min: 0.85 },
        quality: { rmse_max: 0.1 },
        latency: { mape_max: 0.25 },
        scaling: {},
        cost: {},
      },
      config: { vram: {}, throughput: {}, quality: {}, latency: {}, scaling: {}, cost: {} },
    },
    defaults: {
      reference_gpu: truth.reference_gpu,
      hw_cost_per_hour: truth.cost_rates[truth.reference_gpu],
      serial_fractions: { ...truth.serial_fractions },
    },
  };
  return `# Refit config for a synthetic corpus written by 'capfit generate' (seed ${JSON.stringify(options.seed)}).\n${stringify(config, { lineWidth: 0 })}`;
}
