import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  fitQuality,
  predictQuality,
  QualityCoefficientsSchema,
  qualityTier,
} from '../../pipeline/fit/quality.ts';
import type { QualityRecord } from '../../pipeline/records.ts';

const MODELS = ['a', 'b', 'c', 'd'] as const;
const QUANTS = ['FP16', 'Q8_0', 'Q4_K_M', 'Q2_K'] as const;

const records = fc
  .array(
    fc.record({
      model: fc.constantFrom(...MODELS),
      quant: fc.constantFrom(...QUANTS),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
      weight: fc.integer({ min: 1, max: 300 }),
    }),
    { maxLength: 40 },
  )
  .map((rows) =>
    rows.map(
      (r, i): QualityRecord => ({
        id: `q${i}`,
        category: 'quality',
        source: 'prop.csv',
        line: i + 2,
        model: r.model,
        modelKnown: true,
        quant: r.quant,
        backend: 'ollama',
        gpu: 'g',
        gpuKnown: true,
        weight: r.weight,
        score: r.score,
        metric: 'composite',
      }),
    ),
  );

const query = fc.record({
  model: fc.constantFrom(...MODELS, 'unseen'),
  quant: fc.constantFrom(...QUANTS, 'Q3_K_S'),
});

describe('predictQuality properties', () => {
  test.prop([records, query])(
    'predictQuality(fitQuality(records)) is in [0, 1] with a tier that matches its drop',
    (train, q) => {
      const c = fitQuality(train).coefficients;
      const p = predictQuality(c, q);
      expect(p.quality).toBeGreaterThanOrEqual(0);
      expect(p.quality).toBeLessThanOrEqual(1);
      expect(p.tier).toBe(qualityTier(p.dropPp, c.tier_thresholds_pp));
      if (p.dropPp !== null) expect(Number.isFinite(p.dropPp)).toBe(true);
      if (p.provenance === 'measured') expect(p.quality).toBe(c.lookup[`${q.model}|${q.quant}`]);
    },
  );

  test.prop([records])('fitQuality(records) coefficients validate against the schema', (train) => {
    const roundTrip = JSON.parse(JSON.stringify(fitQuality(train).coefficients));
    expect(QualityCoefficientsSchema.safeParse(roundTrip).success).toBe(true);
  });
});
