import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { fitScaling, predictEta, ScalingCoefficientsSchema } from '../../pipeline/fit/scaling.ts';
import { amdahlEta, powerLawEta } from '../../pipeline/math/amdahl.ts';
import type { ScalingRecord } from '../../pipeline/records.ts';

function rec(
  i: number,
  model: string,
  backend: string,
  nAgents: number,
  eta: number,
  weight: number,
): ScalingRecord {
  return {
    id: `p${i}`,
    category: 'scaling',
    source: 'prop.csv',
    line: i + 2,
    model,
    modelKnown: true,
    quant: 'FP16',
    backend,
    gpu: 'g',
    gpuKnown: true,
    weight,
    nAgents,
    eta,
    perAgentTps: null,
    totalTps: null,
  };
}

/** Arbitrary scaling records: a few models and backends, N in 1..32, η in (0, 2], weights 1..500. */
const records = fc
  .array(
    fc.record({
      model: fc.constantFrom('a', 'b', 'c', '__proto__'),
      backend: fc.constantFrom('ollama', 'vllm', 'tgi'),
      n: fc.integer({ min: 1, max: 32 }),
      eta: fc.double({ min: 1e-3, max: 2, noNaN: true }),
      weight: fc.integer({ min: 1, max: 500 }),
    }),
    { maxLength: 40 },
  )
  .map((rows) => rows.map((r, i) => rec(i, r.model, r.backend, r.n, r.eta, r.weight)));

const query = fc.record({
  model: fc.constantFrom('a', 'b', 'c', 'unseen', '__proto__'),
  backend: fc.constantFrom('ollama', 'vllm', 'tgi', 'sglang', 'constructor'),
});

describe('predictEta properties', () => {
  test.prop([
    records,
    query,
    fc.double({ min: 1, max: 1e6, noNaN: true }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
  ])(
    'predictEta(fitScaling(records)) has η(1) = 1, 0 < η ≤ 1 and η non-increasing in N',
    (train, q, n, step) => {
      const c = fitScaling(train, { defaultSerialFractions: { sglang: 0.3 } }).coefficients;
      expect(predictEta(c, { ...q, n: 1 }).eta).toBe(1);
      const here = predictEta(c, { ...q, n }).eta;
      const further = predictEta(c, { ...q, n: n + step }).eta;
      expect(here).toBeGreaterThan(0);
      expect(here).toBeLessThanOrEqual(1);
      expect(further).toBeLessThanOrEqual(here);
    },
  );

  test.prop([records])(
    'fitScaling(records) coefficients are finite and validate against the schema',
    (train) => {
      const c = fitScaling(train).coefficients;
      const roundTrip = JSON.parse(JSON.stringify(c));
      expect(ScalingCoefficientsSchema.safeParse(roundTrip).success).toBe(true);
    },
  );

  test.prop([fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })])(
    'fitScaling recovers σ and α from clean curves to 1e-6',
    (sigma, alpha) => {
      const ns = [1, 2, 4, 8];
      const train = [
        ...ns.map((n, i) => rec(i, 'm', 'amd', n, amdahlEta(sigma, n), 1)),
        ...ns.map((n, i) => rec(10 + i, 'm', 'pow', n, powerLawEta(alpha, n), 1)),
      ];
      const c = fitScaling(train).coefficients;
      expect(Math.abs(c.serial_fractions['m|amd']! - sigma)).toBeLessThan(1e-6);
      expect(Math.abs(c.power_law_alphas['m|pow']! - alpha)).toBeLessThan(1e-6);
    },
  );
});
