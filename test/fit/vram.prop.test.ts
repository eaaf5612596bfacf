import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { SpecLookup } from '../../pipeline/fit/types.ts';
import {
  fitVram,
  predictVram,
  type VramCoefficients,
  VramCoefficientsSchema,
} from '../../pipeline/fit/vram.ts';
import type { ModelSpec, QuantSpec, VramRecord } from '../../pipeline/records.ts';

const FP16: QuantSpec = {
  id: 'FP16',
  bitsPerWeight: 16,
  family: 'float',
  defaultTpsMultiplier: 1,
  aliases: [],
};
const Q4: QuantSpec = {
  id: 'Q4_K_M',
  bitsPerWeight: 4.87,
  family: 'gguf-k',
  defaultTpsMultiplier: 1.9,
  aliases: [],
};

const modelArb = fc
  .record({
    paramsB: fc.double({ min: 0.05, max: 500, noNaN: true }),
    layers: fc.integer({ min: 1, max: 160 }),
    kvHeads: fc.integer({ min: 1, max: 128 }),
    headDim: fc.constantFrom(64, 80, 96, 128, 256),
  })
  .map(
    (m): ModelSpec => ({
      id: 'm',
      family: 'f',
      activeParamsB: m.paramsB,
      attention: 'gqa',
      aliases: [],
      ...m,
    }),
  );

const coefficientsArb = fc
  .record({
    overhead_factor: fc.double({ min: 0, max: 3, noNaN: true }),
    act_coeff: fc.double({ min: 0, max: 0.05, noNaN: true }),
    act_coeff_linear: fc.double({ min: 0, max: 0.1, noNaN: true }),
    intercept_gb: fc.double({ min: 0, max: 5, noNaN: true }),
    activation_cap_ratio: fc.double({ min: 0, max: 4, noNaN: true }),
    max_trained_context: fc.option(fc.integer({ min: 256, max: 131072 }), { nil: null }),
  })
  .map(
    (c): VramCoefficients => ({
      ...c,
      fitted: true,
      variant: 'quadratic',
      activation_backends: [],
      kv_bytes: 2,
      low_context_max: 2048,
      trained_params_b: { min: 0.5, max: 8 },
      cv_scheme: 'none',
      cv_folds: 0,
      selected_by: 'rmse',
      variants: {},
      n_records: 1,
      n_models: 1,
    }),
  );

const contextArb = fc.integer({ min: 1, max: 1_048_576 });

describe('predictVram properties', () => {
  test.prop([coefficientsArb, modelArb, contextArb, fc.integer({ min: 1, max: 64 })])(
    'predictVram is finite and non-negative with parts that add up',
    (c, model, context, batch) => {
      const p = predictVram(c, { model, quant: Q4, context, batch });
      for (const v of [p.vramGb, p.weightGb, p.kvGb, p.activationGb, p.interceptGb]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
      expect(
        Math.abs(p.weightGb + p.overheadGb + p.kvGb + p.activationGb + p.interceptGb - p.vramGb),
      ).toBeLessThan(1e-9 * Math.max(1, p.vramGb));
    },
  );

  test.prop([coefficientsArb, modelArb, contextArb, contextArb])(
    'predictVram never needs less VRAM for more context',
    (c, model, s1, s2) => {
      const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
      const a = predictVram(c, { model, quant: FP16, context: lo });
      const b = predictVram(c, { model, quant: FP16, context: hi });
      expect(b.vramGb).toBeGreaterThanOrEqual(a.vramGb * (1 - 1e-12));
    },
  );

  test.prop([coefficientsArb, modelArb, contextArb])(
    'predictVram for Q4_K_M never exceeds FP16',
    (c, model, s) => {
      const q4 = predictVram(c, { model, quant: Q4, context: s });
      const fp16 = predictVram(c, { model, quant: FP16, context: s });
      expect(q4.vramGb).toBeLessThanOrEqual(fp16.vramGb * (1 + 1e-12));
    },
  );

  test.prop([coefficientsArb, modelArb])(
    'predictVram at 4× the largest trained context keeps activation within max(activation there, weights + KV)',
    (c, model) => {
      const cMax = c.max_trained_context ?? 8192;
      const coef = { ...c, max_trained_context: cMax, activation_cap_ratio: 1 };
      const atMax = predictVram(coef, { model, quant: FP16, context: cMax });
      const far = predictVram(coef, { model, quant: FP16, context: 4 * cMax });
      expect(far.activationGb).toBeLessThanOrEqual(
        Math.max(atMax.activationGb, far.weightGb + far.kvGb) * (1 + 1e-12),
      );
    },
  );
});

const MODELS: ModelSpec[] = [
  {
    id: 'a',
    family: 'f',
    paramsB: 0.5,
    activeParamsB: 0.5,
    layers: 24,
    kvHeads: 2,
    headDim: 64,
    attention: 'gqa',
    aliases: [],
  },
  {
    id: 'b',
    family: 'f',
    paramsB: 3,
    activeParamsB: 3,
    layers: 28,
    kvHeads: 8,
    headDim: 128,
    attention: 'gqa',
    aliases: [],
  },
];
const specs: SpecLookup = {
  model: (id) => MODELS.find((m) => m.id === id),
  quant: (id) => (id === 'FP16' ? FP16 : id === 'Q4_K_M' ? Q4 : undefined),
  gpu: () => undefined,
  backend: () => undefined,
};

const recordArb = fc
  .record({
    model: fc.constantFrom('a', 'b', 'unknown'),
    quant: fc.constantFrom('FP16', 'Q4_K_M'),
    context: fc.integer({ min: 1, max: 65536 }),
    vramGb: fc.double({ min: 1e-3, max: 200, noNaN: true }),
    weight: fc.integer({ min: 1, max: 10 }),
  })
  .map(
    (r): VramRecord => ({
      id: `p-${r.model}-${r.context}-${r.vramGb}`,
      category: 'vram',
      source: 'prop',
      line: 1,
      model: r.model,
      modelKnown: r.model !== 'unknown',
      quant: r.quant,
      backend: 'x',
      gpu: 'g',
      gpuKnown: true,
      weight: r.weight,
      vramGb: r.vramGb,
      contextLength: r.context,
      batch: 1,
    }),
  );

describe('fitVram properties', () => {
  test.prop([fc.array(recordArb, { maxLength: 25 })], { numRuns: 60 })(
    'fitVram on arbitrary records gives schema-valid finite coefficients and predictions',
    (records) => {
      const { coefficients, diagnostics } = fitVram(records, { specs });
      expect(VramCoefficientsSchema.safeParse(coefficients).success).toBe(true);
      expect(diagnostics.n).toBeLessThanOrEqual(records.length);
      const p = predictVram(coefficients, { model: MODELS[1]!, quant: Q4, context: 100_000 });
      expect(Number.isFinite(p.vramGb)).toBe(true);
    },
  );
});
