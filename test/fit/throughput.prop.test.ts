import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  fitThroughput,
  predictThroughput,
  rooflineTokPerS,
  ThroughputCoefficientsSchema,
} from '../../pipeline/fit/throughput.ts';
import type { SpecLookup } from '../../pipeline/fit/types.ts';
import type { GpuSpec, ModelSpec, QuantSpec, ThroughputRecord } from '../../pipeline/records.ts';

const QUANTS: QuantSpec[] = [
  { id: 'FP16', bitsPerWeight: 16, family: 'float', defaultTpsMultiplier: 1, aliases: [] },
  { id: 'Q8_0', bitsPerWeight: 8.5, family: 'gguf-legacy', defaultTpsMultiplier: 1.3, aliases: [] },
  { id: 'Q4_K_M', bitsPerWeight: 4.87, family: 'gguf-k', defaultTpsMultiplier: 1.9, aliases: [] },
];
const GPUS: GpuSpec[] = [
  {
    id: 'ref',
    name: 'ref',
    vendor: 'v',
    segment: 's',
    vramGb: 12,
    bandwidthGbs: 432,
    costPerHour: 0.04,
    aliases: [],
  },
  {
    id: 'dc',
    name: 'dc',
    vendor: 'v',
    segment: 's',
    vramGb: 80,
    bandwidthGbs: 3352,
    costPerHour: 2.5,
    aliases: [],
  },
];
const MODELS: ModelSpec[] = [0.5, 1.2, 3.2, 8, 70].map((p, i) => ({
  id: `m${i}`,
  family: 'f',
  paramsB: p,
  activeParamsB: p,
  layers: 16 + 8 * i,
  kvHeads: 8,
  headDim: 128,
  attention: 'gqa',
  aliases: [],
}));
const specs: SpecLookup = {
  model: (id) => MODELS.find((m) => m.id === id),
  quant: (id) => QUANTS.find((q) => q.id === id),
  gpu: (id) => GPUS.find((g) => g.id === id),
  backend: () => undefined,
};

const recordArb = fc
  .record({
    model: fc.constantFrom('m0', 'm1', 'm2', 'm3', 'unknown-model'),
    backend: fc.constantFrom('ollama', 'vllm', 'tgi'),
    quant: fc.constantFrom('FP16', 'Q8_0', 'Q4_K_M', 'unknown'),
    gpu: fc.constantFrom('ref', 'dc', 'mystery'),
    tokPerS: fc.double({ min: 0.01, max: 5000, noNaN: true }),
    nAgents: fc.constantFrom(1, 1, 1, 2),
    context: fc.option(fc.integer({ min: 1, max: 131072 }), { nil: null }),
    weight: fc.integer({ min: 1, max: 50 }),
  })
  .map(
    (r): ThroughputRecord => ({
      id: `p-${r.model}-${r.backend}-${r.quant}-${r.gpu}-${r.tokPerS}-${r.context}`,
      category: 'throughput',
      source: 'prop',
      line: 1,
      model: r.model,
      modelKnown: r.model !== 'unknown-model',
      quant: r.quant,
      backend: r.backend,
      gpu: r.gpu,
      gpuKnown: r.gpu !== 'mystery',
      weight: r.weight,
      tokPerS: r.tokPerS,
      nAgents: r.nAgents,
      contextLength: r.context,
      metric: 'decode_tok_s',
    }),
  );

const queryArb = fc.record({
  model: fc.integer({ min: 0, max: MODELS.length }),
  quant: fc.constantFrom(...QUANTS),
  backend: fc.constantFrom('ollama', 'vllm', 'tgi', 'sglang'),
  gpu: fc.constantFrom(...GPUS),
  context: fc.option(fc.integer({ min: 1, max: 262144 }), { nil: undefined }),
});

describe('fitThroughput / predictThroughput properties', () => {
  test.prop([fc.array(recordArb, { maxLength: 40 }), fc.array(queryArb, { minLength: 1, maxLength: 8 })], {
    numRuns: 60,
  })('predictions are finite, positive and never above the roofline', (records, queries) => {
    const { coefficients } = fitThroughput(records, { specs, referenceGpu: 'ref' });
    expect(ThroughputCoefficientsSchema.safeParse(coefficients).success).toBe(true);
    for (const q of queries) {
      const model = MODELS[q.model];
      const p = predictThroughput(coefficients, {
        modelId: model?.id ?? 'not-in-registry',
        ...(model ? { model } : {}),
        quant: q.quant,
        backend: q.backend,
        gpu: q.gpu,
        referenceGpu: GPUS[0]!,
        ...(q.context !== undefined ? { context: q.context } : {}),
      });
      expect(Number.isFinite(p.tokPerS)).toBe(true);
      expect(p.tokPerS).toBeGreaterThan(0);
      if (model) {
        const roof = rooflineTokPerS(model, q.quant, q.gpu, q.context ?? coefficients.default_context, 2);
        expect(p.rooflineTokPerS).toBeCloseTo(roof, 9);
        expect(p.tokPerS).toBeLessThanOrEqual(roof);
      } else {
        expect(p.rooflineTokPerS).toBeNull();
      }
    }
  });
});
