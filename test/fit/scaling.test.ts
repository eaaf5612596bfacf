import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCALING_OPTIONS,
  fitScaling,
  predictEta,
  resolveScalingOptions,
  ScalingCoefficientsSchema,
} from '../../pipeline/fit/scaling.ts';
import { amdahlEta, powerLawEta } from '../../pipeline/math/amdahl.ts';
import { createRng } from '../../pipeline/math/rng.ts';
import type { ScalingRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { compositeKey } from '../../pipeline/util/keys.ts';

let line = 0;
function rec(
  model: string,
  backend: string,
  nAgents: number,
  eta: number,
  extra: Partial<ScalingRecord> = {},
) {
  line++;
  return Object.freeze({
    id: `s${line}`,
    category: 'scaling',
    source: 'fixture.csv',
    line,
    model,
    modelKnown: true,
    quant: 'FP16',
    backend,
    gpu: 'rtx-4080-laptop',
    gpuKnown: true,
    weight: 1,
    nAgents,
    eta,
    perAgentTps: null,
    totalTps: null,
    ...extra,
  }) satisfies ScalingRecord;
}

/** A curve at N = 1, 2, 4, 8, 16 from a known η(N) with uniform relative noise of sd `noise`. */
function curve(
  model: string,
  backend: string,
  eta: (n: number) => number,
  noise: number,
  seed: string,
  ns: readonly number[] = [1, 2, 4, 8, 16],
): ScalingRecord[] {
  const rng = createRng(seed);
  return ns.map((n) =>
    rec(model, backend, n, n === 1 ? 1 : eta(n) * (1 + noise * Math.sqrt(3) * (2 * rng() - 1))),
  );
}

/** True when every number in a JSON-like value is finite (null allowed only for `lomo_*` keys). */
function finiteNumbers(value: unknown, key = ''): boolean {
  if (value === null) return key.startsWith('lomo_');
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => finiteNumbers(v, key));
  if (typeof value === 'object') return Object.entries(value).every(([k, v]) => finiteNumbers(v, k));
  return true;
}

/** The corpus's scaling.csv as records (η in percent converted to a fraction, as ingest does). */
function corpusRecords(): ScalingRecord[] {
  const rows = parse(readFileSync('datasets/corpus/scaling.csv', 'utf8'), {
    columns: true,
    bom: true,
  }) as Record<string, string>[];
  return rows.map((r) =>
    rec(r.model!, r.backend!, Number(r.n_agents), Number(r.eta) / (r.eta_unit === 'percent' ? 100 : 1), {
      quant: r.quant || 'unknown',
      source: r.source_tr!,
    }),
  );
}

describe('fitScaling', () => {
  const truth = [
    { model: 'a', backend: 'serial', sigma: 0.45 },
    { model: 'b', backend: 'serial', sigma: 0.6 },
    { model: 'c', backend: 'serial', sigma: 0.52 },
  ];

  it('fitScaling(records) recovers σ per (model, backend) within 0.02 from 2%-noise curves', () => {
    const records = truth.flatMap((t) =>
      curve(t.model, t.backend, (n) => amdahlEta(t.sigma, n), 0.02, `sigma-${t.model}`),
    );
    const { coefficients, diagnostics } = fitScaling(records);
    expect(diagnostics.status).toBe('fitted');
    for (const t of truth) {
      expect(
        Math.abs(coefficients.serial_fractions[compositeKey(t.model, t.backend)]! - t.sigma),
      ).toBeLessThan(0.02);
    }
  });

  it('fitScaling(records) recovers α per pair within 0.02 from 2%-noise power-law curves', () => {
    const alphas = [0.17, 0.25, 0.35];
    const records = alphas.flatMap((a, i) =>
      curve(`m${i}`, 'batching', (n) => powerLawEta(a, n), 0.02, `alpha-${i}`),
    );
    const c = fitScaling(records).coefficients;
    alphas.forEach((a, i) => {
      expect(Math.abs(c.power_law_alphas[compositeKey(`m${i}`, 'batching')]! - a)).toBeLessThan(0.02);
    });
  });

  it('fitScaling(records) keeps the true family per backend by leave-one-model-out error', () => {
    const records = [
      ...[0.4, 0.5, 0.6, 0.55].flatMap((s, i) =>
        curve(`m${i}`, 'amdahl-like', (n) => amdahlEta(s, n), 0.01, `fam-a-${i}`),
      ),
      ...[0.2, 0.3, 0.25, 0.35].flatMap((a, i) =>
        curve(`m${i}`, 'power-like', (n) => powerLawEta(a, n), 0.01, `fam-p-${i}`),
      ),
    ];
    const { families } = fitScaling(records).coefficients;
    expect(families['amdahl-like']).toMatchObject({ family: 'amdahl', basis: 'lomo', models: 4 });
    expect(families['power-like']).toMatchObject({ family: 'power_law', basis: 'lomo', models: 4 });
    const a = families['amdahl-like']!;
    const p = families['power-like']!;
    expect(a.lomo_rmse_amdahl!).toBeLessThan(a.lomo_rmse_power_law!);
    expect(p.lomo_rmse_power_law!).toBeLessThan(p.lomo_rmse_amdahl!);
  });

  it('fitScaling(records) decides by in-sample error when a backend has one model', () => {
    const records = curve('solo', 'b', (n) => powerLawEta(0.3, n), 0, 'solo');
    const f = fitScaling(records).coefficients.families.b!;
    expect(f).toMatchObject({ family: 'power_law', basis: 'in_sample', lomo_rmse_amdahl: null });
    expect(f.in_sample_rmse_power_law).toBeLessThan(1e-6);
  });

  it('fitScaling(records) divides each curve by its own N = 1 point (η(1) = 1.017 in TR129)', () => {
    const scaled = curve('m', 'ollama', (n) => amdahlEta(0.5, n), 0, 'scaled').map((r) =>
      rec(r.model, r.backend, r.nAgents, r.eta * 1.017),
    );
    const normalised = fitScaling(scaled);
    expect(normalised.coefficients.serial_fractions['m|ollama']).toBeCloseTo(0.5, 6);
    expect(normalised.diagnostics.notes.some((n) => n.includes('1.017'))).toBe(true);
    const raw = fitScaling(scaled, { normaliseByN1: false });
    expect(raw.coefficients.serial_fractions['m|ollama']).toBeLessThan(0.5);
  });

  it('fitScaling(records) normalises two sources of one pair separately', () => {
    const a = curve('m', 'ollama', (n) => amdahlEta(0.5, n), 0, 'src-a').map((r) =>
      rec(r.model, r.backend, r.nAgents, r.eta * 1.02, { source: 'a.csv' }),
    );
    const b = curve('m', 'ollama', (n) => amdahlEta(0.5, n), 0, 'src-b').map((r) =>
      rec(r.model, r.backend, r.nAgents, r.eta * 0.97, { source: 'b.csv' }),
    );
    expect(fitScaling([...a, ...b]).coefficients.serial_fractions['m|ollama']).toBeCloseTo(0.5, 6);
  });

  it('fitScaling(records) derives backend defaults as the weighted median of its pairs', () => {
    const records = [
      ...curve('a', 'x', (n) => amdahlEta(0.1, n), 0, 'd1'),
      ...curve('b', 'x', (n) => amdahlEta(0.3, n), 0, 'd2'),
      ...curve('c', 'x', (n) => amdahlEta(0.9, n), 0, 'd3').map((r) =>
        rec(r.model, r.backend, r.nAgents, r.eta, { weight: 10 }),
      ),
    ];
    const c = fitScaling(records).coefficients;
    expect(c.defaults.x).toBeCloseTo(0.9, 6);
    expect(c.default_sources.x).toBe('derived');
  });

  it('fitScaling(records, options) fills backends without data from config, then the fallback', () => {
    const records = curve('a', 'ollama', (n) => amdahlEta(0.5, n), 0, 'cfg');
    const c = fitScaling(records, {
      defaultSerialFractions: { ollama: 0.99, sglang: 0.12 },
      serialFractionFallback: 0.4,
    }).coefficients;
    expect(c.defaults.ollama).toBeCloseTo(0.5, 6);
    expect(c.default_sources.ollama).toBe('derived');
    expect(c.defaults.sglang).toBe(0.12);
    expect(c.default_sources.sglang).toBe('config');
    expect(predictEta(c, { model: 'new', backend: 'sglang', n: 2 })).toMatchObject({
      provenance: 'default',
      sigma: 0.12,
    });
    expect(predictEta(c, { model: 'new', backend: 'mystery', n: 2 })).toMatchObject({
      provenance: 'default',
      sigma: 0.4,
      family: 'amdahl',
    });
  });

  it('fitScaling([]) is empty and every prediction uses the fallback σ', () => {
    const { coefficients, diagnostics } = fitScaling([]);
    expect(diagnostics.status).toBe('empty');
    expect(diagnostics.residuals).toBeNull();
    expect(coefficients.fitted).toBe(false);
    const p = predictEta(coefficients, { model: 'm', backend: 'b', n: 4 });
    expect(p).toMatchObject({ provenance: 'default', sigma: 0.5, family: 'amdahl' });
    expect(p.eta).toBeCloseTo(1 / 2.5, 12);
  });

  it('fitScaling(records) with only N = 1 points is a labelled fallback, not a fit', () => {
    const { coefficients, diagnostics } = fitScaling([rec('m', 'b', 1, 1.02), rec('m', 'b', 1, 0.98)]);
    expect(diagnostics.status).toBe('fallback');
    expect(diagnostics.notes.some((n) => n.includes('no point with N > 1'))).toBe(true);
    expect(Object.keys(coefficients.serial_fractions)).toEqual([]);
  });

  it('fitScaling(records) with all N equal or constant η still gives finite coefficients', () => {
    const allFour = fitScaling([rec('m', 'b', 4, 0.5), rec('m', 'b', 4, 0.5)]).coefficients;
    expect(allFour.serial_fractions['m|b']).toBeCloseTo(1 / 3, 6);
    expect(allFour.power_law_alphas['m|b']).toBeCloseTo(0.5, 6);
    const flat = fitScaling([1, 2, 4, 8].map((n) => rec('m', 'b', n, 1))).coefficients;
    expect(flat.serial_fractions['m|b']).toBeCloseTo(0, 6);
    expect(predictEta(flat, { model: 'm', backend: 'b', n: 8 }).eta).toBeCloseTo(1, 6);
    const halfEverywhere = fitScaling([1, 2, 4, 8].map((n) => rec('m', 'b', n, 0.5))).coefficients;
    expect(finiteNumbers(halfEverywhere)).toBe(true);
    expect(finiteNumbers(allFour)).toBe(true);
  });

  it('fitScaling(records) ignores records with non-finite or non-positive η, N or weight', () => {
    const good = curve('m', 'b', (n) => amdahlEta(0.3, n), 0, 'bad');
    const bad = [
      rec('m', 'b', 4, Number.NaN),
      rec('m', 'b', 4, 0),
      rec('m', 'b', 0, 0.5),
      rec('m', 'b', 4, 0.1, { weight: 0 }),
    ];
    const { coefficients, diagnostics } = fitScaling([...good, ...bad]);
    expect(coefficients.serial_fractions['m|b']).toBeCloseTo(0.3, 6);
    expect(diagnostics.notes[0]).toMatch(/^4 records/);
  });

  it('fitScaling(records) output validates against ScalingCoefficientsSchema and survives JSON', () => {
    const c = fitScaling(corpusRecords(), { defaultSerialFractions: { sglang: 0.2 } }).coefficients;
    const roundTrip = JSON.parse(JSON.stringify(c));
    expect(ScalingCoefficientsSchema.parse(roundTrip)).toEqual(roundTrip);
  });

  it('fitScaling(records) is deterministic and independent of record order', () => {
    const records = corpusRecords();
    const a = JSON.stringify(fitScaling(records));
    const b = JSON.stringify(fitScaling([...records].reverse()));
    expect(a).toBe(b);
  });

  it('fitScaling(records) keys a model named __proto__ as data', () => {
    const c = fitScaling(
      curve('__proto__', 'constructor', (n) => amdahlEta(0.3, n), 0, 'proto'),
    ).coefficients;
    expect(c.serial_fractions[compositeKey('__proto__', 'constructor')]).toBeCloseTo(0.3, 6);
    expect(predictEta(c, { model: '__proto__', backend: 'constructor', n: 2 }).provenance).toBe('measured');
    expect(predictEta(c, { model: 'x', backend: 'toString', n: 2 }).provenance).toBe('default');
  });

  it('fitScaling(corpus) reproduces all 12 upstream s (TR129, TR130) as 1 − σ within 0.001 on published curves', () => {
    const fits = parse(readFileSync('datasets/corpus/scaling_fits.csv', 'utf8'), {
      columns: true,
      bom: true,
    }) as Record<string, string>[];
    expect(fits).toHaveLength(12);
    const records = corpusRecords();
    for (const source of ['TR129', 'TR130']) {
      const c = fitScaling(
        records.filter((r) => r.source === source),
        { normaliseByN1: false },
      ).coefficients;
      for (const f of fits.filter((row) => row.source_tr === source)) {
        const sigma = c.serial_fractions[compositeKey(f.model!, f.backend!)]!;
        expect(Math.abs(1 - sigma - Number(f.serial_fraction))).toBeLessThan(1e-3);
      }
    }
  });
});

describe('resolveScalingOptions', () => {
  it('resolveScalingOptions({}) equals DEFAULT_SCALING_OPTIONS and the @default tags', () => {
    expect(resolveScalingOptions({})).toEqual(DEFAULT_SCALING_OPTIONS);
    const source = readFileSync('pipeline/fit/scaling.ts', 'utf8');
    expect(source).toMatch(/@default \{\}\s*\*\/\s*readonly defaultSerialFractions/);
    expect(source).toMatch(/@default 0\.5\s*\*\/\s*readonly serialFractionFallback/);
    expect(source).toMatch(/@default true\s*\*\/\s*readonly normaliseByN1/);
    expect(source).toMatch(/@default 3\s*\*\/\s*readonly alphaMax/);
    expect(DEFAULT_SCALING_OPTIONS).toMatchObject({
      serialFractionFallback: 0.5,
      normaliseByN1: true,
      alphaMax: 3,
    });
  });

  it('resolveScalingOptions(options) rejects σ outside [0, 1] naming the option', () => {
    expect(() => resolveScalingOptions({ serialFractionFallback: 1.5 })).toThrow(PipelineError);
    expect(() => resolveScalingOptions({ defaultSerialFractions: { vllm: -0.1 } })).toThrow(
      /defaultSerialFractions\.vllm/,
    );
    expect(() => resolveScalingOptions({ alphaMax: 0 })).toThrow(/alphaMax/);
  });
});

describe('predictEta', () => {
  const c = fitScaling(corpusRecords()).coefficients;

  it('predictEta(c, { n: 1 }) is exactly 1 for every pair, default and fallback (spot check 6)', () => {
    for (const backend of ['ollama', 'vllm', 'tgi', 'unknown-backend']) {
      for (const model of ['llama3.2-1b', 'llama3.2-3b', 'qwen2.5-1.5b', 'unseen']) {
        expect(predictEta(c, { model, backend, n: 1 }).eta).toBe(1);
      }
    }
  });

  it('predictEta(c, { ollama, n: 8 }) is below 1 (spot check 7) and far below vLLM', () => {
    const ollama = predictEta(c, { model: 'llama3.2-1b', backend: 'ollama', n: 8 });
    const vllm = predictEta(c, { model: 'llama3.2-1b', backend: 'vllm', n: 8 });
    expect(ollama.eta).toBeLessThan(1);
    expect(ollama.eta).toBeLessThan(0.3);
    expect(vllm.eta).toBeGreaterThan(0.4);
    expect(ollama).toMatchObject({ family: 'amdahl', provenance: 'measured' });
  });

  it('predictEta(c, query) labels measured, derived and default provenance', () => {
    expect(predictEta(c, { model: 'llama3.2-3b', backend: 'vllm', n: 4 }).provenance).toBe('measured');
    expect(predictEta(c, { model: 'phi-2', backend: 'vllm', n: 4 }).provenance).toBe('derived');
    expect(predictEta(c, { model: 'phi-2', backend: 'sglang', n: 4 }).provenance).toBe('default');
  });

  it('predictEta(c, query) reports the parameter of the family it used', () => {
    const p = predictEta(c, { model: 'llama3.2-1b', backend: 'vllm', n: 4 });
    if (p.family === 'power_law') {
      expect(p.sigma).toBeNull();
      expect(p.eta).toBeCloseTo(4 ** -p.alpha!, 12);
    } else {
      expect(p.alpha).toBeNull();
      expect(p.eta).toBeCloseTo(amdahlEta(p.sigma!, 4), 12);
    }
  });

  it('predictEta(c, { n }) rejects N < 1 and non-finite N', () => {
    expect(() => predictEta(c, { model: 'm', backend: 'ollama', n: 0.5 })).toThrow(PipelineError);
    expect(() => predictEta(c, { model: 'm', backend: 'ollama', n: Number.NaN })).toThrow(/n must be/);
    expect(() => predictEta(c, { model: 'm', backend: 'ollama', n: Number.POSITIVE_INFINITY })).toThrow();
  });
});
