import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUALITY_OPTIONS,
  fitQuality,
  predictQuality,
  QualityCoefficientsSchema,
  qualityTier,
  resolveQualityOptions,
} from '../../pipeline/fit/quality.ts';
import { createRng } from '../../pipeline/math/rng.ts';
import type { QualityRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

let line = 0;
function rec(model: string, quant: string, score: number, weight = 1): QualityRecord {
  line++;
  return Object.freeze({
    id: `q${line}`,
    category: 'quality',
    source: 'fixture.csv',
    line,
    model,
    modelKnown: true,
    quant,
    backend: 'ollama',
    gpu: 'rtx-4080-laptop',
    gpuKnown: true,
    weight,
    score,
    metric: 'Key Avg',
  });
}

const QUANTS = ['FP16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_S', 'Q2_K'] as const;

/** Shaped like the corpus: TR125 §9 key-metric averages (n = 250 each); llama3.1-8b has no FP16. */
const CORPUS_LIKE: readonly QualityRecord[] = [
  ...(
    [
      ['llama3.2-1b', [0.4973, 0.496, 0.4962, 0.4902, 0.5143, 0.4928, 0.4006]],
      ['llama3.2-3b', [0.6324, 0.6319, 0.6342, 0.6242, 0.6209, 0.5778, 0.6066]],
      ['phi-2', [0.6325, 0.6354, 0.6357, 0.64, 0.6295, 0.6104, 0.6208]],
      ['qwen2.5-1.5b', [0.6133, 0.6121, 0.6007, 0.6046, 0.588, 0.5958, 0.4591]],
    ] as const
  ).flatMap(([model, scores]) => scores.map((s, i) => rec(model, QUANTS[i]!, s, 250))),
  ...[0.6533, 0.647, 0.6611, 0.6587, 0.6296, 0.6178].map((s, i) =>
    rec('llama3.1-8b', QUANTS[i + 1]!, s, 250),
  ),
];

describe('fitQuality', () => {
  it('fitQuality(records) averages (model, quant) scores by weight', () => {
    const c = fitQuality([
      rec('m', 'FP16', 0.5, 1),
      rec('m', 'FP16', 0.8, 3),
      rec('m', 'Q4_K_M', 0.6),
    ]).coefficients;
    expect(c.lookup['m|FP16']).toBeCloseTo((0.5 + 3 * 0.8) / 4, 12);
    expect(c.fp16_baselines.m).toBeCloseTo(0.725, 12);
    expect(c.quant_deltas.Q4_K_M).toBeCloseTo(0.6 - 0.725, 12);
  });

  it('fitQuality(records) recovers known quant deltas from seeded noisy data within 0.01', () => {
    const rng = createRng('quality-deltas');
    const truth: Record<string, number> = { Q8_0: 0, Q4_K_M: -0.01, Q3_K_S: -0.03, Q2_K: -0.1 };
    const records: QualityRecord[] = [];
    for (let m = 0; m < 12; m++) {
      const base = 0.45 + 0.2 * rng();
      records.push(rec(`model-${m}`, 'FP16', base));
      for (const [quant, delta] of Object.entries(truth)) {
        records.push(rec(`model-${m}`, quant, base + delta + 0.01 * Math.sqrt(3) * (2 * rng() - 1)));
      }
    }
    const c = fitQuality(records).coefficients;
    for (const [quant, delta] of Object.entries(truth)) {
      expect(Math.abs(c.quant_deltas[quant]! - delta)).toBeLessThan(0.01);
      expect(c.quant_delta_stats[quant]!.n).toBe(12);
      // The noise sd is 0.01, so the sample std of the deltas should be close to it.
      expect(c.quant_delta_stats[quant]!.std!).toBeGreaterThan(0.005);
      expect(c.quant_delta_stats[quant]!.std!).toBeLessThan(0.02);
    }
  });

  it('fitQuality(corpus-like) gives mean deltas over models with FP16 only, with std and n', () => {
    const c = fitQuality(CORPUS_LIKE).coefficients;
    const expected = (0.4006 - 0.4973 + (0.6066 - 0.6324) + (0.6208 - 0.6325) + (0.4591 - 0.6133)) / 4;
    expect(c.quant_deltas.Q2_K).toBeCloseTo(expected, 12);
    expect(c.quant_delta_stats.Q2_K).toMatchObject({ n: 4 });
    expect(c.quant_delta_stats.Q2_K!.std!).toBeGreaterThan(0);
    expect(Object.keys(c.fp16_baselines).sort()).toEqual([
      'llama3.2-1b',
      'llama3.2-3b',
      'phi-2',
      'qwen2.5-1.5b',
    ]);
    expect(c.proxy_baselines['llama3.1-8b']).toEqual({ quant: 'Q8_0', quality: 0.6533 });
    expect(Object.keys(c.lookup)).toHaveLength(34);
  });

  it('fitQuality(records) stores a null std for a delta backed by one model', () => {
    const c = fitQuality([rec('m', 'FP16', 0.6), rec('m', 'Q2_K', 0.5)]).coefficients;
    expect(c.quant_delta_stats.Q2_K).toEqual({ mean: c.quant_deltas.Q2_K, std: null, n: 1 });
  });

  it('fitQuality([]) is empty and predicts the unknown quality', () => {
    const { coefficients, diagnostics } = fitQuality([]);
    expect(diagnostics.status).toBe('empty');
    expect(coefficients.fitted).toBe(false);
    expect(predictQuality(coefficients, { model: 'm', quant: 'Q4_K_M' })).toEqual({
      quality: 0.5,
      tier: 'unknown',
      dropPp: null,
      provenance: 'unknown',
      baseline: { kind: 'none', quant: null, quality: null },
    });
  });

  it('fitQuality(records) ignores scores outside [0, 1] and zero weights, as a labelled fallback', () => {
    const { coefficients, diagnostics } = fitQuality([rec('m', 'FP16', 1.5), rec('m', 'Q8_0', 0.4, 0)]);
    expect(diagnostics.status).toBe('fallback');
    expect(diagnostics.notes[0]).toMatch(/^2 records/);
    expect(Object.keys(coefficients.lookup)).toEqual([]);
  });

  it('fitQuality(records) without any FP16 keeps exact lookups and no deltas', () => {
    const c = fitQuality([rec('a', 'Q8_0', 0.6), rec('a', 'Q2_K', 0.5)]).coefficients;
    expect(Object.keys(c.quant_deltas)).toEqual([]);
    expect(predictQuality(c, { model: 'a', quant: 'Q2_K' })).toMatchObject({
      quality: 0.5,
      provenance: 'measured',
      baseline: { kind: 'proxy', quant: 'Q8_0' },
    });
    expect(predictQuality(c, { model: 'a', quant: 'Q4_K_M' }).provenance).toBe('unknown');
  });

  it('fitQuality(records) output validates against QualityCoefficientsSchema and is order-independent', () => {
    const c = fitQuality(CORPUS_LIKE).coefficients;
    const roundTrip = JSON.parse(JSON.stringify(c));
    expect(QualityCoefficientsSchema.parse(roundTrip)).toEqual(roundTrip);
    expect(JSON.stringify(fitQuality([...CORPUS_LIKE].reverse()).coefficients)).toBe(JSON.stringify(c));
  });
});

describe('predictQuality', () => {
  const c = fitQuality(CORPUS_LIKE).coefficients;

  it('predictQuality(c, llama3.2-1b) scores FP16 at least Q2_K (spot check 5)', () => {
    const fp16 = predictQuality(c, { model: 'llama3.2-1b', quant: 'FP16' });
    const q2 = predictQuality(c, { model: 'llama3.2-1b', quant: 'Q2_K' });
    expect(fp16.quality).toBeGreaterThanOrEqual(q2.quality);
    expect(q2).toMatchObject({ provenance: 'measured', tier: 'acceptable' });
    expect(q2.dropPp).toBeCloseTo((0.4973 - 0.4006) * 100, 9);
  });

  it('predictQuality(c, exact) is the lookup value with its drop from FP16', () => {
    const p = predictQuality(c, { model: 'qwen2.5-1.5b', quant: 'Q2_K' });
    expect(p.quality).toBeCloseTo(0.4591, 12);
    expect(p.dropPp).toBeCloseTo(15.42, 9);
    expect(p.tier).toBe('unacceptable');
    expect(p.baseline).toEqual({ kind: 'fp16', quant: 'FP16', quality: 0.6133 });
  });

  it('predictQuality(c, unmeasured quant) is FP16 baseline + average delta (derived)', () => {
    const partial = fitQuality(
      CORPUS_LIKE.filter((r) => !(r.model === 'phi-2' && r.quant === 'Q3_K_S')),
    ).coefficients;
    const p = predictQuality(partial, { model: 'phi-2', quant: 'Q3_K_S' });
    expect(p.provenance).toBe('derived');
    expect(p.quality).toBeCloseTo(0.6325 + partial.quant_deltas.Q3_K_S!, 12);
    expect(p.dropPp).toBeCloseTo(-partial.quant_deltas.Q3_K_S! * 100, 9);
  });

  it('predictQuality(c, model without FP16) extrapolates from its proxy baseline and says so', () => {
    const partial = fitQuality(
      CORPUS_LIKE.filter((r) => !(r.model === 'llama3.1-8b' && r.quant === 'Q2_K')),
    ).coefficients;
    const p = predictQuality(partial, { model: 'llama3.1-8b', quant: 'Q2_K' });
    expect(p.provenance).toBe('extrapolated');
    expect(p.quality).toBeCloseTo(0.6533 + partial.quant_deltas.Q2_K! - partial.quant_deltas.Q8_0!, 12);
    expect(p.baseline).toEqual({ kind: 'proxy', quant: 'Q8_0', quality: 0.6533 });
    const fp16 = predictQuality(partial, { model: 'llama3.1-8b', quant: 'FP16' });
    expect(fp16.provenance).toBe('extrapolated');
    expect(fp16.quality).toBeCloseTo(0.6533 - partial.quant_deltas.Q8_0!, 12);
  });

  it('predictQuality(c, unknown model) returns the unknown quality with a tier from the average delta', () => {
    const p = predictQuality(c, { model: 'mistral-7b', quant: 'Q2_K' });
    expect(p).toMatchObject({ quality: 0.5, provenance: 'unknown', baseline: { kind: 'average_delta' } });
    expect(p.dropPp).toBeCloseTo(-c.quant_deltas.Q2_K! * 100, 9);
    expect(predictQuality(c, { model: 'mistral-7b', quant: 'IQ1_S' }).tier).toBe('unknown');
  });

  it('predictQuality(c, known model, unknown quant) is unknown with no drop', () => {
    expect(predictQuality(c, { model: 'phi-2', quant: 'IQ1_S' })).toMatchObject({
      quality: 0.5,
      provenance: 'unknown',
      dropPp: null,
      tier: 'unknown',
    });
  });

  it('predictQuality(c, query) clamps baseline + delta to [0, 1]', () => {
    const low = fitQuality([
      rec('a', 'FP16', 0.9),
      rec('a', 'Q2_K', 0.05),
      rec('b', 'FP16', 0.02),
    ]).coefficients;
    expect(predictQuality(low, { model: 'b', quant: 'Q2_K' }).quality).toBe(0);
  });

  it('predictQuality(c, query) reads keys like __proto__ as data', () => {
    const p = fitQuality([rec('__proto__', 'FP16', 0.6), rec('__proto__', 'constructor', 0.5)]).coefficients;
    expect(predictQuality(p, { model: '__proto__', quant: 'constructor' }).quality).toBe(0.5);
    expect(predictQuality(p, { model: 'x', quant: 'toString' }).provenance).toBe('unknown');
  });
});

describe('qualityTier', () => {
  const t = DEFAULT_QUALITY_OPTIONS.tierThresholdsPp;
  it('qualityTier(drop) uses < 3, < 10, ≤ 15, > 15 pp', () => {
    expect(qualityTier(-5, t)).toBe('negligible');
    expect(qualityTier(2.99, t)).toBe('negligible');
    expect(qualityTier(3, t)).toBe('acceptable');
    expect(qualityTier(9.99, t)).toBe('acceptable');
    expect(qualityTier(10, t)).toBe('concerning');
    expect(qualityTier(10.4, t)).toBe('concerning');
    expect(qualityTier(15, t)).toBe('concerning');
    expect(qualityTier(15.01, t)).toBe('unacceptable');
    expect(qualityTier(null, t)).toBe('unknown');
  });
});

describe('resolveQualityOptions', () => {
  it('resolveQualityOptions({}) equals DEFAULT_QUALITY_OPTIONS and the @default tags', () => {
    expect(resolveQualityOptions({})).toEqual(DEFAULT_QUALITY_OPTIONS);
    const source = readFileSync('pipeline/fit/quality.ts', 'utf8');
    expect(source).toMatch(/@default 'FP16'\s*\*\/\s*readonly baselineQuant/);
    expect(source).toMatch(/@default 0\.5\s*\*\/\s*readonly unknownQuality/);
    expect(source).toMatch(
      /@default \{ negligible: 3, acceptable: 10, concerning: 15 \}\s*\*\/\s*readonly tierThresholdsPp/,
    );
    const order = /@default (\[.*\])\s*\*\/\s*readonly precisionOrder/.exec(source)?.[1];
    expect(JSON.parse(order!.replaceAll("'", '"'))).toEqual(DEFAULT_QUALITY_OPTIONS.precisionOrder);
  });

  it('resolveQualityOptions(options) rejects bad values naming the option', () => {
    expect(() => resolveQualityOptions({ unknownQuality: 2 })).toThrow(PipelineError);
    expect(() =>
      resolveQualityOptions({ tierThresholdsPp: { negligible: 10, acceptable: 3, concerning: 15 } }),
    ).toThrow(/tierThresholdsPp/);
    expect(() => resolveQualityOptions({ baselineQuant: '' })).toThrow(/baselineQuant/);
  });
});
