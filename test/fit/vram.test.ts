import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SpecLookup } from '../../pipeline/fit/types.ts';
import {
  DEFAULT_VRAM_FIT_OPTIONS,
  fitVram,
  kvCacheGb,
  predictVram,
  predictVramRecords,
  type VramCoefficients,
  VramCoefficientsSchema,
  weightGb,
} from '../../pipeline/fit/vram.ts';
import { createRng } from '../../pipeline/math/rng.ts';
import type { VramRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { modelSpec as model, quantSpec as quant } from './specs.ts';

const MODELS = [
  model('tiny-0.5b', 0.5, 24, 2, 64),
  model('small-1b', 1.24, 16, 8, 64),
  model('mid-3b', 3.2, 28, 8, 128),
  model('big-8b', 8.03, 32, 8, 128),
];
const FP16 = quant('FP16', 16, 'float', 1);
const Q8 = quant('Q8_0', 8.5, 'gguf-legacy', 1.3);
const Q4 = quant('Q4_K_M', 4.87, 'gguf-k', 1.9);
const specs: SpecLookup = {
  model: (id) => MODELS.find((m) => m.id === id),
  quant: (id) => [FP16, Q8, Q4].find((q) => q.id === id),
  gpu: () => undefined,
  backend: () => undefined,
};

interface Truth {
  readonly overhead: number;
  readonly act: number;
  readonly actLin: number;
  readonly intercept: number;
}

let nextId = 0;
function record(modelId: string, quantId: string, context: number, vramGb: number): VramRecord {
  nextId++;
  return Object.freeze({
    id: `v${nextId}`,
    category: 'vram',
    source: 'test',
    line: nextId,
    model: modelId,
    modelKnown: true,
    quant: quantId,
    backend: 'transformers-gpu',
    gpu: 'test-gpu',
    gpuKnown: true,
    weight: 1,
    vramGb,
    contextLength: context,
    batch: 1,
  });
}

/** Records from a known truth over every model, two quants and contexts 256–32768, with ±noise seeded error. */
function generate(
  truth: Truth,
  seed: string,
  noise: number,
  contexts = [256, 512, 1024, 2048, 8192, 16384, 32768],
) {
  const rng = createRng(seed);
  const out: VramRecord[] = [];
  for (const m of MODELS) {
    for (const q of [FP16, Q4]) {
      for (const s of contexts) {
        const w = weightGb(m.paramsB, q.bitsPerWeight);
        const kv = kvCacheGb(m, s, 1, 2);
        const act = m.layers * (truth.act * (s / 1024) ** 2 + truth.actLin * (s / 1024));
        const y = (w * truth.overhead + kv + act + truth.intercept) * (1 + noise * (2 * rng() - 1));
        out.push(record(m.id, q.id, s, y));
      }
    }
  }
  return Object.freeze(out);
}

function documentedDefaults(path: string): Map<string, unknown> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  const out = new Map<string, unknown>();
  for (const m of text.matchAll(/@default ([^\n]+?)\s*\*\/\s*readonly (\w+)\?/g))
    out.set(m[2]!, JSON.parse(m[1]!));
  return out;
}

/** Every number anywhere inside a JSON-like value. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('weightGb / kvCacheGb', () => {
  it('weightGb(paramsB, bpw) is params × bpw / 8', () => {
    expect(weightGb(8.03, 16)).toBeCloseTo(16.06, 10);
    expect(weightGb(3.21, 4.87)).toBeCloseTo((3.21 * 4.87) / 8, 10);
  });

  it('kvCacheGb for an 8B GQA model at 8192 tokens is exactly 1 GiB', () => {
    expect(kvCacheGb(MODELS[3]!, 8192, 1, 2)).toBeCloseTo(1, 12);
    expect(kvCacheGb(MODELS[3]!, 8192, 4, 2)).toBeCloseTo(4, 12);
  });
});

describe('fitVram', () => {
  it('fitVram(quadratic data, { variants: [quadratic] }) recovers overhead within 2% and act_coeff within 5%', () => {
    // Pass 1 assumes activation is negligible at ≤ 2048 tokens, so the low contexts here stop at 1024.
    const truth = { overhead: 1.1, act: 0.004, actLin: 0, intercept: 0 };
    const contexts = [256, 512, 1024, 4096, 8192, 16384, 32768];
    const { coefficients, diagnostics } = fitVram(generate(truth, 'vram-quad', 0.01, contexts), {
      specs,
      variants: ['quadratic'],
    });
    expect(coefficients.variant).toBe('quadratic');
    expect(Math.abs(coefficients.overhead_factor / 1.1 - 1)).toBeLessThan(0.02);
    expect(Math.abs(coefficients.act_coeff / 0.004 - 1)).toBeLessThan(0.05);
    expect(coefficients.fitted).toBe(true);
    expect(diagnostics.status).toBe('fitted');
    expect(diagnostics.n).toBe(56);
  });

  it('fitVram(intercept + linear data) chooses intercept_linear and recovers its terms', () => {
    const truth = { overhead: 1.05, act: 0, actLin: 0.01, intercept: 0.8 };
    const { coefficients } = fitVram(generate(truth, 'vram-int', 0.005), { specs });
    expect(coefficients.variant).toBe('intercept_linear');
    expect(Math.abs(coefficients.overhead_factor / 1.05 - 1)).toBeLessThan(0.02);
    expect(Math.abs(coefficients.act_coeff_linear / 0.01 - 1)).toBeLessThan(0.05);
    expect(Math.abs(coefficients.intercept_gb - 0.8)).toBeLessThan(0.05);
    expect(coefficients.cv_scheme).toBe('leave_one_model_out');
    expect(coefficients.cv_folds).toBe(4);
  });

  it('fitVram records every variant with its held-out error and picks the smallest', () => {
    const truth = { overhead: 1.05, act: 0, actLin: 0.01, intercept: 0.8 };
    const { coefficients, diagnostics } = fitVram(generate(truth, 'vram-all', 0.005), { specs });
    const v = coefficients.variants;
    expect(Object.keys(v).sort()).toEqual(['intercept_linear', 'intercept_quadratic', 'linear', 'quadratic']);
    const scores = Object.values(v).map((x) => x!.cv_rmse_gb!);
    expect(v[coefficients.variant]!.cv_rmse_gb).toBe(Math.min(...scores));
    expect(v.quadratic!.cv_n).toBe(56);
    expect(diagnostics.notes.some((n) => n.startsWith('variant intercept_linear chosen'))).toBe(true);
  });

  it('fitVram(quadratic data) with all variants picks a quadratic form', () => {
    const truth = { overhead: 1.1, act: 0.004, actLin: 0, intercept: 0 };
    const { coefficients } = fitVram(generate(truth, 'vram-quad-all', 0.005), { specs });
    expect(['quadratic', 'intercept_quadratic']).toContain(coefficients.variant);
    expect(coefficients.intercept_gb).toBeLessThan(0.1);
  });

  it('fitVram([]) returns the labelled empty fallback with finite coefficients', () => {
    const { coefficients, diagnostics } = fitVram([], { specs });
    expect(diagnostics.status).toBe('empty');
    expect(diagnostics.converged).toBe(false);
    expect(coefficients.fitted).toBe(false);
    expect(coefficients.overhead_factor).toBe(DEFAULT_VRAM_FIT_OPTIONS.fallbackOverheadFactor);
    expect(VramCoefficientsSchema.parse(coefficients)).toEqual(coefficients);
    const p = predictVram(coefficients, { model: MODELS[2]!, quant: FP16, context: 4096 });
    expect(p.provenance).toBe('default');
    expect(Number.isFinite(p.vramGb)).toBe(true);
  });

  it('fitVram with one record is a labelled fallback without NaN', () => {
    const { coefficients, diagnostics } = fitVram([record('mid-3b', 'FP16', 1024, 7.4)], { specs });
    expect(diagnostics.status).toBe('fallback');
    expect(coefficients.cv_scheme).toBe('none');
    expect(coefficients.act_coeff).toBe(0);
    expect(VramCoefficientsSchema.safeParse(coefficients).success).toBe(true);
    expect(diagnostics.notes.some((n) => n.includes('activation not identifiable'))).toBe(true);
  });

  it('fitVram with all contexts ≤ 2048 sets activation to 0 and says why', () => {
    const truth = { overhead: 1.1, act: 0.004, actLin: 0, intercept: 0.3 };
    const { coefficients, diagnostics } = fitVram(generate(truth, 'vram-low', 0.01, [256, 512, 1024, 2048]), {
      specs,
    });
    expect(diagnostics.status).toBe('fallback');
    expect(coefficients.act_coeff).toBe(0);
    expect(coefficients.act_coeff_linear).toBe(0);
    expect(coefficients.max_trained_context).toBe(2048);
    expect(VramCoefficientsSchema.safeParse(coefficients).success).toBe(true);
  });

  it('fitVram with constant measurements stays finite', () => {
    const records = MODELS.flatMap((m) => [512, 8192].map((s) => record(m.id, 'FP16', s, 5)));
    const { coefficients } = fitVram(records, { specs });
    expect(VramCoefficientsSchema.safeParse(coefficients).success).toBe(true);
    expect(numbersIn(coefficients).every(Number.isFinite)).toBe(true);
  });

  it('fitVram skips records whose model or quant is not in the registry and counts them', () => {
    const truth = { overhead: 1.1, act: 0.004, actLin: 0, intercept: 0 };
    const records = [
      ...generate(truth, 'vram-skip', 0.01),
      record('nope', 'FP16', 512, 3),
      record('mid-3b', 'IQ9', 512, 3),
    ];
    const { coefficients, diagnostics } = fitVram(records, { specs });
    expect(coefficients.n_records).toBe(56);
    expect(diagnostics.notes).toContain('1 record(s) skipped: model not in the registry');
    expect(diagnostics.notes).toContain('1 record(s) skipped: quant not in the registry');
    const onlyUnknown = fitVram([record('nope', 'FP16', 512, 3)], { specs });
    expect(onlyUnknown.diagnostics.status).toBe('fallback');
    expect(onlyUnknown.coefficients.fitted).toBe(false);
  });

  it('fitVram is deterministic and its coefficients round-trip through JSON', () => {
    const data = generate({ overhead: 1.1, act: 0.002, actLin: 0.003, intercept: 0.4 }, 'vram-det', 0.02);
    const a = fitVram(data, { specs }).coefficients;
    const b = fitVram([...data].reverse(), { specs }).coefficients;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(VramCoefficientsSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
  });

  it('fitVram with a bad option throws PipelineError naming it', () => {
    expect(() => fitVram([], { specs, kvBytes: -1 })).toThrow(PipelineError);
    expect(() => fitVram([], { specs, kvBytes: -1 })).toThrow(/kvBytes must be > 0/);
    expect(() => fitVram([], { specs, variants: [] })).toThrow(/variants must be/);
  });

  it('fitVram held-out scores equal refitting each fold from scratch with the public API', () => {
    const data = generate({ overhead: 1.08, act: 0.001, actLin: 0.004, intercept: 0.5 }, 'vram-folds', 0.03);
    for (const v of ['quadratic', 'intercept_linear'] as const) {
      const { coefficients } = fitVram(data, { specs, variants: [v] });
      let sse = 0;
      let n = 0;
      for (const m of MODELS) {
        const fold = fitVram(
          data.filter((r) => r.model !== m.id),
          { specs, variants: [v] },
        ).coefficients;
        for (const r of data.filter((d) => d.model === m.id)) {
          const p = predictVram(fold, { model: m, quant: specs.quant(r.quant)!, context: r.contextLength });
          sse += (p.vramGb - r.vramGb) ** 2;
          n++;
        }
      }
      expect(coefficients.variants[v]!.cv_n).toBe(n);
      expect(coefficients.variants[v]!.cv_rmse_gb!).toBeCloseTo(Math.sqrt(sse / n), 10);
    }
  });

  it('fitVram with one model holds out single records, then interleaved folds beyond maxRecordFolds', () => {
    const data = generate({ overhead: 1.1, act: 0.002, actLin: 0, intercept: 0 }, 'vram-one', 0.01).filter(
      (r) => r.model === 'mid-3b',
    );
    expect(data.length).toBe(14);
    const loo = fitVram(data, { specs }).coefficients;
    expect(loo.cv_scheme).toBe('leave_one_record_out');
    expect(loo.cv_folds).toBe(14);
    const folded = fitVram(data, { specs, maxRecordFolds: 4 }).coefficients;
    expect(folded.cv_scheme).toBe('record_folds');
    expect(folded.cv_folds).toBe(4);
    expect(folded.variants.quadratic!.cv_n).toBe(14);
    expect(() => fitVram(data, { specs, maxRecordFolds: 2 })).toThrow(
      /maxRecordFolds must be an integer ≥ 3/,
    );
  });

  it('DEFAULT_VRAM_FIT_OPTIONS agrees with the documented @default values', () => {
    const docs = documentedDefaults('../../pipeline/fit/vram.ts');
    for (const [key, value] of Object.entries(DEFAULT_VRAM_FIT_OPTIONS))
      expect(docs.get(key), key).toEqual(value);
    expect(docs.size).toBe(Object.keys(DEFAULT_VRAM_FIT_OPTIONS).length);
  });
});

/** Coefficients in the spec's quadratic form with a given max trained context. */
function quadratic(overhead: number, act: number, maxContext: number | null): VramCoefficients {
  return {
    ...fitVram([], { specs }).coefficients,
    overhead_factor: overhead,
    act_coeff: act,
    fitted: true,
    max_trained_context: maxContext,
    trained_params_b: { min: 0.5, max: 8.03 },
  };
}

describe('predictVram', () => {
  it('predictVram with TR133 text coefficients (1.058, 0.00455) gives its §4.3 7.52 GB for llama3.2-3b at 2048', () => {
    const llama3b = model('llama3.2-3b', 3.21, 28, 8, 128);
    const p = predictVram(quadratic(1.058, 0.00455, 32768), { model: llama3b, quant: FP16, context: 2048 });
    expect(p.vramGb).toBeCloseTo(7.52, 2);
    expect(p.weightGb + p.overheadGb + p.kvGb + p.activationGb + p.interceptGb).toBeCloseTo(p.vramGb, 12);
    expect(p.provenance).toBe('derived');
  });

  it('predictVram bounds activation at 4× the largest trained context and flags it', () => {
    const c = quadratic(1.05, 0.00909, 8192);
    const m = MODELS[2]!;
    const atMax = predictVram(c, { model: m, quant: FP16, context: 8192 });
    const far = predictVram(c, { model: m, quant: FP16, context: 4 * 8192 });
    const raw = m.layers * 0.00909 * 32 ** 2;
    expect(atMax.clamped).toBe(false);
    expect(far.clamped).toBe(true);
    expect(far.provenance).toBe('extrapolated');
    expect(raw).toBeGreaterThan(200); // the unbounded quadratic term: > 200 GB for a 3B model
    expect(far.activationGb).toBeLessThanOrEqual(
      Math.max(atMax.activationGb, far.weightGb + far.kvGb) + 1e-9,
    );
    expect(far.activationGb).toBeLessThan(raw / 5);
    expect(far.vramGb).toBeGreaterThanOrEqual(atMax.vramGb);
  });

  it('predictVram without a trained context range applies no bound', () => {
    const p = predictVram(quadratic(1, 0.001, null), { model: MODELS[0]!, quant: FP16, context: 65536 });
    expect(p.clamped).toBe(false);
    expect(p.activationGb).toBeCloseTo(24 * 0.001 * 64 ** 2, 9);
  });

  it('predictVram scales KV and activation by batch', () => {
    const c = quadratic(1, 0.001, 32768);
    const one = predictVram(c, { model: MODELS[1]!, quant: Q4, context: 4096 });
    const four = predictVram(c, { model: MODELS[1]!, quant: Q4, context: 4096, batch: 4 });
    expect(four.kvGb).toBeCloseTo(4 * one.kvGb, 12);
    expect(four.activationGb).toBeCloseTo(4 * one.activationGb, 12);
    expect(four.weightGb).toBe(one.weightGb);
  });

  it('predictVram marks a model larger than any trained one as extrapolated', () => {
    const huge = model('huge-70b', 70, 80, 8, 128);
    expect(predictVram(quadratic(1, 0, 32768), { model: huge, quant: Q4, context: 2048 }).provenance).toBe(
      'extrapolated',
    );
  });

  it('predictVram throws PipelineError for a non-positive context or batch', () => {
    const c = quadratic(1, 0, 8192);
    expect(() => predictVram(c, { model: MODELS[0]!, quant: FP16, context: 0 })).toThrow(/context must be/);
    expect(() => predictVram(c, { model: MODELS[0]!, quant: FP16, context: 10, batch: Number.NaN })).toThrow(
      PipelineError,
    );
  });
});

describe('predictVramRecords', () => {
  it('predictVramRecords predicts known records and labels the rest', () => {
    const c = quadratic(1.1, 0.002, 32768);
    const out = predictVramRecords(
      c,
      [record('mid-3b', 'Q4_K_M', 2048, 3), record('nope', 'FP16', 512, 1)],
      specs,
    );
    expect(out[0]!.skipped).toBeNull();
    expect(out[0]!.prediction!.vramGb).toBeCloseTo(
      predictVram(c, { model: MODELS[2]!, quant: Q4, context: 2048 }).vramGb,
      12,
    );
    expect(out[1]).toMatchObject({ prediction: null, skipped: 'unknown_model', actual: 1 });
  });
});

describe('VramCoefficientsSchema', () => {
  it('VramCoefficientsSchema rejects non-finite numbers and unknown keys', () => {
    const c = quadratic(1, 0.001, 8192);
    expect(VramCoefficientsSchema.safeParse({ ...c, act_coeff: Number.POSITIVE_INFINITY }).success).toBe(
      false,
    );
    expect(VramCoefficientsSchema.safeParse({ ...c, overhead_factor: Number.NaN }).success).toBe(false);
    expect(VramCoefficientsSchema.safeParse({ ...c, extra: 1 }).success).toBe(false);
    expect(VramCoefficientsSchema.safeParse(c).success).toBe(true);
  });
});

describe('predictVram activation_backends', () => {
  it('predictVram applies the fitted activation only to backends the fit measured', () => {
    const m3 = model('m', 3);
    const fp16 = quant('FP16', 16, 'float', 1);
    const specs = {
      model: (id: string) => (id === 'm' ? m3 : undefined),
      quant: (id: string) => (id === 'FP16' ? fp16 : undefined),
      gpu: () => undefined,
      backend: () => undefined,
    };
    const records = [512, 1024, 2048, 4096, 8192].map((ctx, i) => ({
      id: `r${i}`,
      category: 'vram' as const,
      source: 's',
      line: i + 2,
      model: 'm',
      modelKnown: true,
      quant: 'FP16',
      backend: 'transformers-gpu',
      gpu: 'g',
      gpuKnown: true,
      weight: 1,
      vramGb: 6 + 0.004 * 28 * (ctx / 1024) ** 2 + (2 * 28 * ctx * 8 * 128 * 2) / 1024 ** 3,
      contextLength: ctx,
      batch: 1,
    }));
    const c = fitVram(records, { specs }).coefficients;
    expect(c.activation_backends).toEqual(['transformers-gpu']);
    const hf = predictVram(c, { model: m3, quant: fp16, context: 8192, backend: 'transformers-gpu' });
    const ollama = predictVram(c, { model: m3, quant: fp16, context: 8192, backend: 'ollama' });
    expect(hf.activationApplied).toBe(true);
    expect(hf.activationGb).toBeGreaterThan(1);
    expect(ollama.activationApplied).toBe(false);
    expect(ollama.activationGb).toBe(0);
    expect(ollama.provenance).toBe('extrapolated');
    expect(ollama.vramGb).toBeCloseTo(hf.vramGb - hf.activationGb, 10);
  });
});
