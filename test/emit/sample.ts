/**
 * Shared sample data for the emit tests: the reference artifact's model sections (TR133 run,
 * datasets/reference/chimeraforge_fitted_models.json) wrapped in capfit's envelope, and section
 * schemas that describe exactly that layout.
 */

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseConfig } from '../../pipeline/config.ts';
import { coefficientsOf, fitAll } from '../../pipeline/fit/index.ts';
import type { Diagnostics, SpecLookup } from '../../pipeline/fit/types.ts';
import type { Registry } from '../../pipeline/records.ts';

const numbers = z.record(z.string(), z.number());

/** Section schemas matching the reference artifact's layout. */
export const REFERENCE_SECTIONS = {
  vram: z.strictObject({ overhead_factor: z.number(), act_coeff: z.number(), fitted: z.boolean() }),
  throughput: z.strictObject({
    lookup: numbers,
    quant_multipliers: numbers,
    size_power_a: z.number(),
    size_power_b: z.number(),
    fitted: z.boolean(),
  }),
  scaling: z.strictObject({ serial_fractions: numbers, defaults: numbers, fitted: z.boolean() }),
  quality: z.strictObject({
    lookup: numbers,
    fp16_baselines: numbers,
    quant_deltas: numbers,
    fitted: z.boolean(),
  }),
  cost: z.strictObject({ hw_cost_per_hour: z.number() }),
  latency: z.strictObject({ service_times: numbers, safety_factor: z.number(), fitted: z.boolean() }),
};

/** The six model sections of the reference artifact (its extra `safety` section is not one of capfit's models). */
export function referenceSections(): Record<string, unknown> {
  const reference = JSON.parse(
    readFileSync(
      new URL('../../datasets/reference/chimeraforge_fitted_models.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const { vram, throughput, scaling, quality, cost, latency } = reference;
  return { vram, throughput, scaling, quality, cost, latency };
}

export const HASH_A = 'a'.repeat(64);
export const HASH_B = 'b'.repeat(64);

export const SAMPLE_REGISTRY: Registry = {
  models: [
    {
      id: 'llama3.2-1b',
      family: 'llama3.2',
      paramsB: 1.24,
      layers: 16,
      kvHeads: 8,
      headDim: 64,
      attention: 'gqa',
      activeParamsB: 1.24,
      aliases: ['llama-3.2-1b-instruct'],
    },
  ],
  quants: [{ id: 'FP16', bitsPerWeight: 16, family: 'float', defaultTpsMultiplier: 1, aliases: ['f16'] }],
  gpus: [
    {
      id: 'rtx-4080-laptop',
      name: 'RTX 4080 Laptop 12GB',
      vendor: 'nvidia',
      segment: 'laptop',
      vramGb: 12,
      bandwidthGbs: 432,
      costPerHour: 0.035,
      aliases: [],
    },
  ],
  backends: [{ id: 'ollama', batching: 'serial', aliases: [] }],
};

export function diagnostics(status: Diagnostics['status'] = 'fitted', n = 10): Diagnostics {
  return {
    n,
    converged: true,
    status,
    residuals: n > 0 ? { rmse: 1.5, mae: 1.1, bias: -0.2, maxAbs: 3.4 } : null,
    notes: status === 'fitted' ? [] : ['too few records: defaults used'],
  };
}

/** The reference sections in capfit's envelope. */
export function sampleArtifact(): Record<string, unknown> {
  const sections = referenceSections();
  return {
    schema_version: 1,
    generator: { name: 'capfit', version: '0.1.0' },
    seed: '42',
    split_unit: 'record',
    ...sections,
    diagnostics: {
      vram: diagnostics(),
      throughput: diagnostics(),
      scaling: diagnostics(),
      quality: diagnostics(),
      cost: diagnostics('fallback', 0),
      latency: diagnostics(),
    },
    provenance: {
      inputs: [
        {
          path: 'datasets/corpus/tr123.csv',
          sha256: HASH_A,
          category: 'throughput',
          rows_read: 120,
          rows_accepted: 118,
        },
      ],
      config_sha256: HASH_B,
    },
    registry: SAMPLE_REGISTRY,
  };
}

/**
 * An artifact built from the real model modules fitted on no data (their documented fallbacks),
 * so the published schema is exercised on the coefficient shapes the fits actually produce.
 */
export function fallbackArtifact(): Record<string, unknown> {
  const config = parseConfig(
    [
      'sources: [{ path: a.csv, category: vram }]',
      'targets: { record: {}, config: {} }',
      'defaults: { reference_gpu: rtx-4080-laptop, hw_cost_per_hour: 0.035 }',
    ].join('\n'),
  );
  const find =
    <T extends { id: string }>(list: readonly T[]) =>
    (id: string) =>
      list.find((x) => x.id === id);
  const specs: SpecLookup = {
    model: find(SAMPLE_REGISTRY.models),
    quant: find(SAMPLE_REGISTRY.quants),
    gpu: find(SAMPLE_REGISTRY.gpus),
    backend: find(SAMPLE_REGISTRY.backends),
  };
  const empty = { throughput: [], vram: [], quality: [], latency: [], cost: [], scaling: [] };
  const fitted = fitAll(empty, { config, specs, quantIds: SAMPLE_REGISTRY.quants.map((q) => q.id) });
  return {
    ...sampleArtifact(),
    ...coefficientsOf(fitted),
    diagnostics: {
      vram: fitted.vram.diagnostics,
      throughput: fitted.throughput.diagnostics,
      scaling: fitted.scaling.diagnostics,
      quality: fitted.quality.diagnostics,
      cost: fitted.cost.diagnostics,
      latency: fitted.latency.diagnostics,
    },
  };
}
