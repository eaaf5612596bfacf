import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THROUGHPUT_FIT_OPTIONS,
  decodeTokPerS,
  fitThroughput,
  predictThroughput,
  predictThroughputRecords,
  rooflineTokPerS,
  type ThroughputCoefficients,
  ThroughputCoefficientsSchema,
  type ThroughputQuery,
} from '../../pipeline/fit/throughput.ts';
import type { SpecLookup } from '../../pipeline/fit/types.ts';
import { evaluatePowerLaw } from '../../pipeline/math/power-law.ts';
import { createRng } from '../../pipeline/math/rng.ts';
import type { GpuSpec, ModelSpec, QuantSpec, ThroughputRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { compositeKey } from '../../pipeline/util/keys.ts';
import { gpuSpec as gpu, modelSpec as model, quantSpec as quant } from './specs.ts';

const SIZES = [0.5, 1, 1.5, 2, 3, 4, 7, 8, 13, 14, 32, 70];
const MODELS = [...SIZES.map((p) => model(`m-${p}b`, p)), model('odd|name', 2), model('moe-30b', 30)];
const MOE: ModelSpec = Object.freeze({ ...model('moe-30b', 30), activeParamsB: 3 });
const FP16 = quant('FP16', 16, 'float', 1);
const Q8 = quant('Q8_0', 8.5, 'gguf-legacy', 1.3);
const Q4 = quant('Q4_K_M', 4.87, 'gguf-k', 1.9);
const REF = gpu('ref-gpu', 500);
const FAST = gpu('fast-gpu', 1000);
const specs: SpecLookup = {
  model: (id) => (id === 'moe-30b' ? MOE : MODELS.find((m) => m.id === id)),
  quant: (id) => [FP16, Q8, Q4].find((q) => q.id === id),
  gpu: (id) => [REF, FAST].find((g) => g.id === id),
  backend: () => undefined,
};
const base = { specs, referenceGpu: 'ref-gpu' } as const;

let nextId = 0;
function rec(
  m: string,
  backend: string,
  q: string,
  tokPerS: number,
  extra: Partial<Pick<ThroughputRecord, 'gpu' | 'weight' | 'nAgents' | 'contextLength'>> = {},
): ThroughputRecord {
  nextId++;
  return Object.freeze({
    id: `t${String(nextId).padStart(6, '0')}`,
    category: 'throughput',
    source: 'test',
    line: nextId,
    model: m,
    modelKnown: true,
    quant: q,
    backend,
    gpu: 'ref-gpu',
    gpuKnown: true,
    weight: 1,
    tokPerS,
    nAgents: 1,
    contextLength: null,
    metric: 'decode_tok_s',
    ...extra,
  });
}

function query(partial: Partial<ThroughputQuery> & Pick<ThroughputQuery, 'modelId'>): ThroughputQuery {
  return { quant: FP16, backend: 'ollama', gpu: REF, referenceGpu: REF, ...partial };
}

function documentedDefaults(path: string): Map<string, unknown> {
  const text = readFileSync(new URL(path, import.meta.url), 'utf8');
  const out = new Map<string, unknown>();
  for (const m of text.matchAll(/@default ([^\n]+?)\s*\*\/\s*readonly (\w+)\?/g))
    out.set(m[2]!, JSON.parse(m[1]!));
  return out;
}

describe('rooflineTokPerS', () => {
  it('rooflineTokPerS is bandwidth / (weights + KV) in decimal GB', () => {
    const m = model('x', 1.24, 16, 8, 64);
    expect(rooflineTokPerS(m, FP16, REF, 0, 2)).toBeCloseTo(500 / 2.48, 9);
    const kvBytes = 2 * 16 * 4096 * 8 * 64 * 2;
    expect(rooflineTokPerS(m, FP16, REF, 4096, 2)).toBeCloseTo((500e9 / (2.48e9 + kvBytes)) as number, 6);
  });

  it('rooflineTokPerS uses active parameters for a mixture of experts', () => {
    expect(rooflineTokPerS(MOE, Q4, REF, 0, 2)).toBeCloseTo(500 / ((3 * 4.87) / 8), 9);
  });
});

describe('fitThroughput', () => {
  it('fitThroughput builds weighted-mean lookups keyed model|backend|quant and model|backend|quant|gpu', () => {
    const { coefficients: c } = fitThroughput(
      [
        rec('m-1b', 'ollama', 'FP16', 100, { weight: 1 }),
        rec('m-1b', 'ollama', 'FP16', 200, { weight: 3 }),
        rec('m-1b', 'ollama', 'FP16', 400, { gpu: 'fast-gpu' }),
      ],
      base,
    );
    expect(c.lookup['m-1b|ollama|FP16']).toBeCloseTo(175, 12);
    expect(c.lookup_n['m-1b|ollama|FP16']).toBe(4);
    expect(c.lookup_gpu['m-1b|ollama|FP16|fast-gpu']).toBe(400);
    expect(Object.keys(c.lookup)).toEqual(['m-1b|ollama|FP16']);
  });

  it('fitThroughput escapes | in names so keys cannot collide and predict finds them', () => {
    const { coefficients: c } = fitThroughput(
      [rec('odd|name', 'ollama', 'FP16', 50), rec('odd', 'name|ollama', 'FP16', 70)],
      base,
    );
    expect(Object.keys(c.lookup).sort()).toEqual(
      [compositeKey('odd', 'name|ollama', 'FP16'), 'odd%7Cname|ollama|FP16'].sort(),
    );
    expect(predictThroughput(c, query({ modelId: 'odd|name' })).tokPerS).toBe(50);
    expect(predictThroughput(c, query({ modelId: 'odd', backend: 'name|ollama' })).tokPerS).toBe(70);
  });

  it('fitThroughput excludes multi-agent records and counts them', () => {
    const { coefficients: c, diagnostics } = fitThroughput(
      [rec('m-1b', 'ollama', 'FP16', 100), rec('m-1b', 'ollama', 'FP16', 30, { nAgents: 4 })],
      base,
    );
    expect(c.lookup['m-1b|ollama|FP16']).toBe(100);
    expect(c.n_excluded_multi_agent).toBe(1);
    expect(diagnostics.notes[0]).toMatch(/1 record\(s\) with nAgents ≠ 1 excluded/);
  });

  it('fitThroughput recovers a quant multiplier from paired FP16/quant cells and defaults the rest', () => {
    const rng = createRng('multiplier');
    const records: ThroughputRecord[] = [];
    for (const [m, fp16] of [
      ['m-1b', 180],
      ['m-3b', 90],
      ['m-8b', 40],
    ] as const) {
      for (let k = 0; k < 3; k++) {
        records.push(rec(m, 'ollama', 'FP16', fp16 * (1 + 0.01 * (2 * rng() - 1))));
        records.push(rec(m, 'ollama', 'Q4_K_M', 1.6 * fp16 * (1 + 0.01 * (2 * rng() - 1))));
      }
    }
    records.push(rec('m-1b', 'vllm', 'Q8_0', 150));
    const { coefficients: c } = fitThroughput(records, base);
    expect(Math.abs(c.quant_multipliers.Q4_K_M! / 1.6 - 1)).toBeLessThan(0.02);
    expect(c.quant_multiplier_sources.Q4_K_M).toEqual({ source: 'measured', n: 3 });
    expect(c.quant_multipliers.Q8_0).toBe(1.3);
    expect(c.quant_multiplier_sources.Q8_0).toEqual({ source: 'default', n: 0 });
    expect(c.quant_multipliers.FP16).toBe(1);
    expect(c.quant_multiplier_sources.FP16!.source).toBe('baseline');
  });

  it('fitThroughput recovers the size power law (a, b) within 2%', () => {
    const rng = createRng('size-law');
    const records = SIZES.flatMap((p) =>
      [0, 1, 2].map(() =>
        rec(`m-${p}b`, 'ollama', 'FP16', evaluatePowerLaw(300, 0.6, p) * (1 + 0.01 * (2 * rng() - 1))),
      ),
    );
    const { coefficients: c, diagnostics } = fitThroughput(records, base);
    expect(Math.abs(c.size_power_a / 300 - 1)).toBeLessThan(0.02);
    expect(Math.abs(c.size_power_b / 0.6 - 1)).toBeLessThan(0.02);
    expect(c.size_power_converged).toBe(true);
    expect(diagnostics.converged).toBe(true);
  });

  it('fitThroughput with a single model size reports a power law that did not converge', () => {
    const { coefficients: c, diagnostics } = fitThroughput(
      [rec('m-1b', 'ollama', 'FP16', 100), rec('m-1b', 'vllm', 'FP16', 120)],
      base,
    );
    expect(c.size_power_converged).toBe(false);
    expect(c.size_power_method).toBe('mean');
    expect(c.size_power_b).toBe(0);
    expect(diagnostics.converged).toBe(false);
    expect(diagnostics.notes.some((n) => n.startsWith('power law: fewer than two distinct x'))).toBe(true);
  });

  it('fitThroughput recovers per-backend efficiency (measured / roofline) with its spread', () => {
    const rng = createRng('efficiency');
    const records: ThroughputRecord[] = [];
    for (const p of SIZES) {
      const m = specs.model(`m-${p}b`)!;
      for (const [backend, eff] of [
        ['vllm', 0.7],
        ['ollama', 0.4],
      ] as const) {
        for (const [q, g] of [
          [FP16, REF],
          [Q4, FAST],
        ] as const) {
          const y = eff * rooflineTokPerS(m, q, g, 1024, 2) * (1 + 0.02 * (2 * rng() - 1));
          records.push(rec(m.id, backend, q.id, y, { gpu: g.id, contextLength: 1024 }));
        }
      }
    }
    const { coefficients: c } = fitThroughput(records, base);
    expect(Math.abs(c.efficiency.vllm!.median / 0.7 - 1)).toBeLessThan(0.02);
    expect(Math.abs(c.efficiency.ollama!.median / 0.4 - 1)).toBeLessThan(0.02);
    expect(c.efficiency.vllm!.n).toBe(24);
    expect(c.efficiency.vllm!.p10).toBeLessThanOrEqual(c.efficiency.vllm!.median);
    expect(c.efficiency.vllm!.p90).toBeGreaterThanOrEqual(c.efficiency.vllm!.median);
    expect(Math.abs(c.efficiency_by_family['ollama|gguf-k']!.median / 0.4 - 1)).toBeLessThan(0.02);
  });

  it('fitThroughput chooses the physics route when decode is bandwidth-bound', () => {
    const rng = createRng('physics-world');
    const records = SIZES.flatMap((p) =>
      [FP16, Q4].map((q) =>
        rec(
          `m-${p}b`,
          'vllm',
          q.id,
          0.6 * rooflineTokPerS(specs.model(`m-${p}b`)!, q, REF, 2048, 2) * (1 + 0.05 * (2 * rng() - 1)),
        ),
      ),
    );
    const { coefficients: c } = fitThroughput(records, base);
    expect(c.route_selection).toBe('leave_one_model_out');
    expect(c.fallback_route).toBe('physics');
    expect(c.route_scores.physics!.log_rmse).toBeLessThan(c.route_scores.power_law!.log_rmse);
    expect(c.route_scores.physics!.n).toBe(c.route_scores.power_law!.n);
  });

  it('fitThroughput chooses the power law when tok/s ignores model size and bandwidth', () => {
    const rng = createRng('flat-world');
    const records = SIZES.map((p) =>
      rec(`m-${p}b`, 'vllm', 'FP16', evaluatePowerLaw(70, 0.09, p) * (1 + 0.02 * (2 * rng() - 1))),
    );
    const { coefficients: c } = fitThroughput(records, base);
    expect(c.fallback_route).toBe('power_law');
    expect(c.route_scores.power_law!.mape).toBeLessThan(c.route_scores.physics!.mape);
  });

  it('fitThroughput([]) is empty, unfitted and schema-valid', () => {
    const { coefficients: c, diagnostics } = fitThroughput([], base);
    expect(diagnostics.status).toBe('empty');
    expect(c.fitted).toBe(false);
    expect(c.unknown_tok_per_s).toBe(DEFAULT_THROUGHPUT_FIT_OPTIONS.unknownTokPerS);
    expect(ThroughputCoefficientsSchema.parse(c)).toEqual(c);
  });

  it('fitThroughput is deterministic in record order and round-trips through JSON', () => {
    const rng = createRng('det');
    const records = SIZES.flatMap((p) =>
      [FP16, Q4].map((q) => rec(`m-${p}b`, 'ollama', q.id, 50 + 100 * rng())),
    );
    const a = fitThroughput(records, base).coefficients;
    const b = fitThroughput([...records].reverse(), base).coefficients;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(ThroughputCoefficientsSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
  });

  it('fitThroughput with bad options throws PipelineError naming them', () => {
    expect(() => fitThroughput([], { specs, referenceGpu: '' })).toThrow(/referenceGpu must be/);
    expect(() => fitThroughput([], { ...base, kvBytes: 0 })).toThrow(PipelineError);
    expect(() => fitThroughput([], { ...base, minFamilyGroup: 0.5 })).toThrow(
      /minFamilyGroup must be an integer/,
    );
  });

  it('DEFAULT_THROUGHPUT_FIT_OPTIONS agrees with the documented @default values', () => {
    const docs = documentedDefaults('../../pipeline/fit/throughput.ts');
    for (const [key, value] of Object.entries(DEFAULT_THROUGHPUT_FIT_OPTIONS))
      expect(docs.get(key), key).toEqual(value);
    expect(docs.size).toBe(Object.keys(DEFAULT_THROUGHPUT_FIT_OPTIONS).length);
  });
});

/** Hand-built coefficients for the prediction chain. */
function coefficients(over: Partial<ThroughputCoefficients> = {}): ThroughputCoefficients {
  return {
    ...fitThroughput([], base).coefficients,
    lookup: { 'm-1b|ollama|FP16': 150, 'm-1b|ollama|Q4_K_M': 230, 'm-3b|ollama|FP16': 70 },
    lookup_n: { 'm-1b|ollama|FP16': 1, 'm-1b|ollama|Q4_K_M': 1, 'm-3b|ollama|FP16': 1 },
    lookup_gpu: { 'm-1b|ollama|FP16|fast-gpu': 260 },
    lookup_gpu_n: { 'm-1b|ollama|FP16|fast-gpu': 1 },
    quant_multipliers: { FP16: 1, Q4_K_M: 1.5 },
    quant_multiplier_sources: { FP16: { source: 'baseline', n: 0 }, Q4_K_M: { source: 'measured', n: 2 } },
    size_power_a: 120,
    size_power_b: 0.3,
    size_power_converged: true,
    efficiency: { ollama: { median: 0.5, p10: 0.4, p90: 0.6, n: 5 } },
    efficiency_global: { median: 0.45, p10: 0.2, p90: 0.7, n: 9 },
    fallback_route: 'physics',
    unknown_tok_per_s: 90,
    fitted: true,
    ...over,
  };
}

describe('predictThroughput', () => {
  const c = coefficients();
  const m1 = specs.model('m-1b')!;
  const m3 = specs.model('m-3b')!;
  const m8 = specs.model('m-8b')!;

  it('predictThroughput walks exact → bandwidth-scaled → FP16 × multiplier → fallback → unknown', () => {
    const exact = predictThroughput(c, query({ modelId: 'm-1b', model: m1, quant: Q4 }));
    expect(exact).toMatchObject({ tokPerS: 230, provenance: 'measured', route: 'lookup', clamped: false });

    const exactOther = predictThroughput(c, query({ modelId: 'm-1b', model: m1, gpu: FAST }));
    expect(exactOther).toMatchObject({ tokPerS: 260, provenance: 'measured', route: 'lookup' });

    const scaled = predictThroughput(c, query({ modelId: 'm-3b', model: m3, gpu: FAST }));
    expect(scaled).toMatchObject({ tokPerS: 140, provenance: 'derived', route: 'bandwidth_scaled' });

    const multiplied = predictThroughput(c, query({ modelId: 'm-3b', model: m3, quant: Q4 }));
    expect(multiplied.provenance).toBe('derived');
    expect(multiplied.route).toBe('quant_multiplier');
    expect(multiplied.tokPerS).toBeCloseTo(70 * 1.5, 10);

    const viaOtherGpuBase = predictThroughput(c, query({ modelId: 'm-1b', model: m1, quant: Q8, gpu: FAST }));
    expect(viaOtherGpuBase.tokPerS).toBeCloseTo(260 * 1.3, 10); // Q8_0 has no measured multiplier: registry default

    const physics = predictThroughput(c, query({ modelId: 'm-8b', model: m8, quant: Q4, context: 4096 }));
    expect(physics).toMatchObject({ provenance: 'extrapolated', route: 'physics', clamped: false });
    expect(physics.tokPerS).toBeCloseTo(0.5 * rooflineTokPerS(m8, Q4, REF, 4096, 2), 9);

    const unknown = predictThroughput(c, query({ modelId: 'never-seen' }));
    expect(unknown).toMatchObject({
      tokPerS: 90,
      provenance: 'unknown',
      route: 'default',
      rooflineTokPerS: null,
    });
  });

  it('predictThroughput uses the power law (× multiplier × bandwidth ratio) when that route was chosen', () => {
    const pl = coefficients({ fallback_route: 'power_law' });
    const p = predictThroughput(pl, query({ modelId: 'm-8b', model: m8, quant: Q4, gpu: FAST }));
    expect(p.route).toBe('power_law');
    expect(p.provenance).toBe('extrapolated');
    const expected = Math.min(
      evaluatePowerLaw(120, 0.3, 8) * 1.5 * 2,
      rooflineTokPerS(m8, Q4, FAST, 2048, 2),
    );
    expect(p.tokPerS).toBeCloseTo(expected, 9);
  });

  it('predictThroughput never exceeds the roofline and flags the clamp', () => {
    const big = specs.model('m-70b')!;
    const pl = coefficients({ fallback_route: 'power_law' });
    const p = predictThroughput(pl, query({ modelId: 'm-70b', model: big }));
    const roof = rooflineTokPerS(big, FP16, REF, 2048, 2);
    expect(evaluatePowerLaw(120, 0.3, 70)).toBeGreaterThan(roof); // the nearly flat law says 33 tok/s
    expect(p.clamped).toBe(true);
    expect(p.tokPerS).toBe(roof);
    expect(p.rooflineTokPerS).toBe(roof);

    const tooFast = coefficients({
      lookup: { 'm-3b|ollama|FP16': 500 },
      lookup_n: { 'm-3b|ollama|FP16': 1 },
    });
    const measured = predictThroughput(tooFast, query({ modelId: 'm-3b', model: m3 }));
    expect(measured.clamped).toBe(true);
    expect(measured.provenance).toBe('measured');
    expect(measured.tokPerS).toBeCloseTo(rooflineTokPerS(m3, FP16, REF, 2048, 2), 9);

    const overEfficient = coefficients({ efficiency: { ollama: { median: 1.4, p10: 1.2, p90: 1.6, n: 3 } } });
    const phys = predictThroughput(overEfficient, query({ modelId: 'm-8b', model: m8 }));
    expect(phys.clamped).toBe(true);
    expect(phys.tokPerS).toBeCloseTo(rooflineTokPerS(m8, FP16, REF, 2048, 2), 9);
  });

  it('predictThroughput falls back to the global efficiency for an unseen backend', () => {
    const p = predictThroughput(c, query({ modelId: 'm-8b', model: m8, backend: 'sglang' }));
    expect(p.tokPerS).toBeCloseTo(0.45 * rooflineTokPerS(m8, FP16, REF, 2048, 2), 9);
  });

  it('predictThroughput reads only own keys of coefficient tables', () => {
    const p = predictThroughput(c, query({ modelId: 'm-8b', model: m8, backend: 'constructor' }));
    expect(Number.isFinite(p.tokPerS)).toBe(true);
    expect(p.route).toBe('physics');
  });

  it('predictThroughput throws PipelineError for a mismatched reference GPU or bad context', () => {
    expect(() => predictThroughput(c, query({ modelId: 'm-1b', referenceGpu: FAST }))).toThrow(
      /fitted against ref-gpu/,
    );
    expect(() => predictThroughput(c, query({ modelId: 'm-1b', context: -5 }))).toThrow(PipelineError);
  });
});

describe('predictThroughputRecords', () => {
  it('predictThroughputRecords predicts N=1 records and labels the ones it cannot', () => {
    const c = coefficients();
    const out = predictThroughputRecords(
      c,
      [
        rec('m-1b', 'ollama', 'FP16', 140),
        rec('m-1b', 'ollama', 'FP16', 60, { nAgents: 4 }),
        rec('m-1b', 'ollama', 'IQ9', 100),
        rec('m-1b', 'ollama', 'FP16', 100, { gpu: 'mystery' }),
      ],
      specs,
    );
    expect(out[0]).toMatchObject({ actual: 140, skipped: null });
    expect(out[0]!.prediction!.tokPerS).toBe(150);
    expect(out.slice(1).map((o) => o.skipped)).toEqual(['multi_agent', 'unknown_quant', 'unknown_gpu']);
    expect(out.slice(1).every((o) => o.prediction === null)).toBe(true);
  });
});

/** tok/s of the decode-time model t = overhead + bytes / (bandwidth · η) for a test spec. */
function decodeTruth(
  m: ModelSpec,
  q: QuantSpec,
  g: GpuSpec,
  context: number,
  overheadMs: number,
  eta: number,
) {
  const bytes = (g.bandwidthGbs * 1e9) / rooflineTokPerS(m, q, g, context, 2);
  return decodeTokPerS({ overhead_ms: overheadMs, bandwidth_efficiency: eta, n: 1 }, bytes, g.bandwidthGbs);
}

describe('fitThroughput (context-aware lookups)', () => {
  const m3 = specs.model('m-3b')!;
  const eff = 0.5;
  const at = (ctx: number) => eff * rooflineTokPerS(m3, Q4, REF, ctx, 2);
  const records = [512, 8192, 32768].map((ctx) =>
    rec('m-3b', 'ollama', 'Q4_K_M', at(ctx), { contextLength: ctx }),
  );
  const { coefficients: c } = fitThroughput(records, base);
  const key = 'm-3b|ollama|Q4_K_M';

  it('fitThroughput records the context at which a mixed-context cell mean holds', () => {
    const ctx = c.lookup_context[key]!;
    expect(ctx).toBeGreaterThan(512);
    expect(ctx).toBeLessThan(32768);
    // With constant efficiency the cell mean is exactly the rate at that context.
    expect(at(ctx)).toBeCloseTo(c.lookup[key]!, 9);
  });

  it('predictThroughput scales a lookup by roofline(ctx) / roofline(cell context)', () => {
    for (const ctx of [512, 8192, 32768]) {
      const p = predictThroughput(c, query({ modelId: 'm-3b', model: m3, quant: Q4, context: ctx }));
      expect(p).toMatchObject({ route: 'context_scaled', provenance: 'derived', clamped: false });
      expect(p.tokPerS).toBeCloseTo(at(ctx), 9);
    }
  });

  it('predictThroughput returns a single-context cell as measured at its own context', () => {
    const one = fitThroughput(
      [rec('m-3b', 'ollama', 'Q4_K_M', 90, { contextLength: 4096 })],
      base,
    ).coefficients;
    expect(one.lookup_context[key]).toBe(4096);
    const p = predictThroughput(one, query({ modelId: 'm-3b', model: m3, quant: Q4, context: 4096 }));
    expect(p).toMatchObject({ tokPerS: 90, route: 'lookup', provenance: 'measured' });
  });

  it('fitThroughput without a model spec keeps the weighted mean context and predict does not scale', () => {
    const { coefficients: u } = fitThroughput(
      [
        rec('no-spec', 'ollama', 'Q4_K_M', 100, { contextLength: 1000 }),
        rec('no-spec', 'ollama', 'Q4_K_M', 60, { contextLength: 3000, weight: 3 }),
      ],
      base,
    );
    expect(u.lookup_context['no-spec|ollama|Q4_K_M']).toBeCloseTo(2500, 9);
    const p = predictThroughput(u, query({ modelId: 'no-spec', quant: Q4, context: 30000 }));
    expect(p).toMatchObject({ tokPerS: 70, route: 'lookup', provenance: 'measured', rooflineTokPerS: null });
  });
});

describe('fitThroughput (decode-time physics)', () => {
  const rng = createRng('decode-time');
  const records: ThroughputRecord[] = [];
  for (const p of [0.5, 1, 3, 7, 13]) {
    const m = specs.model(`m-${p}b`)!;
    for (const [q, g] of [
      [FP16, REF],
      [Q8, FAST],
      [Q4, REF],
      [Q4, FAST],
    ] as const) {
      const y = decodeTruth(m, q, g, 2048, 2, 0.7) * (1 + 0.005 * (2 * rng() - 1));
      records.push(rec(m.id, 'llama.cpp', q.id, y, { gpu: g.id, contextLength: 2048 }));
    }
  }
  const { coefficients: c, diagnostics } = fitThroughput(records, base);

  it('fitThroughput recovers the per-token overhead and bandwidth efficiency of a backend', () => {
    const d = c.decode_time['llama.cpp']!;
    expect(Math.abs(d.overhead_ms / 2 - 1)).toBeLessThan(0.03);
    expect(Math.abs(d.bandwidth_efficiency / 0.7 - 1)).toBeLessThan(0.02);
    expect(d.n).toBe(20);
    expect(c.decode_time_global).not.toBeNull();
    expect(diagnostics.notes.some((n) => n.startsWith('decode time per backend'))).toBe(true);
  });

  it('fitThroughput scores the physics route ahead of the power law on decode-time data', () => {
    expect(c.route_selection).toBe('leave_one_model_out');
    expect(c.fallback_route).toBe('physics');
    expect(c.route_scores.physics!.mape).toBeLessThan(0.02);
  });

  it('predictThroughput extrapolates an unseen model and GPU with overhead + bytes / (bandwidth · η)', () => {
    const m70 = specs.model('m-70b')!;
    for (const g of [REF, FAST]) {
      const p = predictThroughput(
        c,
        query({ modelId: 'm-70b', model: m70, quant: Q4, gpu: g, backend: 'llama.cpp' }),
      );
      expect(p).toMatchObject({ route: 'physics', provenance: 'extrapolated', clamped: false });
      expect(Math.abs(p.tokPerS / decodeTruth(m70, Q4, g, 2048, 2, 0.7) - 1)).toBeLessThan(0.03);
    }
  });

  it('fitThroughput keeps η ≤ 1 and leaves records above the roofline out of the decode-time fit', () => {
    const m = specs.model('m-3b')!;
    const fast = [FP16, Q8, Q4].map((q) =>
      rec('m-3b', 'vllm', q.id, 1.3 * rooflineTokPerS(m, q, REF, 2048, 2)),
    );
    const slow = [FP16, Q4].map((q) =>
      rec('m-8b', 'vllm', q.id, decodeTruth(specs.model('m-8b')!, q, REF, 2048, 1, 0.8)),
    );
    const fit = fitThroughput([...fast, ...slow], base);
    const d = fit.coefficients.decode_time.vllm!;
    expect(d.bandwidth_efficiency).toBeLessThanOrEqual(1);
    expect(d.n).toBe(2);
    expect(Math.abs(d.bandwidth_efficiency / 0.8 - 1)).toBeLessThan(1e-6);
    expect(fit.diagnostics.notes).toContain('3 record(s) above 1 × roofline left out of the decode-time fit');
  });

  it('fitThroughput with a single bytes value keeps the bandwidth term, not the overhead', () => {
    const m = specs.model('m-3b')!;
    const fit = fitThroughput(
      [rec('m-3b', 'tgi', 'FP16', 0.5 * rooflineTokPerS(m, FP16, REF, 2048, 2))],
      base,
    );
    const d = fit.coefficients.decode_time.tgi!;
    expect(d.overhead_ms).toBe(0);
    expect(d.bandwidth_efficiency).toBeCloseTo(0.5, 9);
  });
});

describe('fitThroughput (quant multipliers and efficiencies)', () => {
  it('fitThroughput pairs quants only within the same metric and context', () => {
    const records = [
      rec('m-1b', 'ollama', 'FP16', 100),
      rec('m-1b', 'ollama', 'Q4_K_M', 300, { contextLength: 8192 }),
      { ...rec('m-3b', 'ollama', 'FP16', 50), metric: 'native_tok_s' },
      rec('m-3b', 'ollama', 'Q4_K_M', 80),
    ];
    const { coefficients: c } = fitThroughput(records, base);
    expect(c.quant_multiplier_sources.Q4_K_M).toEqual({ source: 'default', n: 0 });
    expect(c.quant_multipliers.Q4_K_M).toBe(1.9);
  });

  it('fitThroughput publishes quant efficiency = multiplier × bytes(Q) / bytes(FP16)', () => {
    const m = specs.model('m-3b')!;
    const { coefficients: c } = fitThroughput(
      [rec('m-3b', 'ollama', 'FP16', 50), rec('m-3b', 'ollama', 'Q4_K_M', 120)],
      base,
    );
    const bytesRatio = rooflineTokPerS(m, FP16, REF, 2048, 2) / rooflineTokPerS(m, Q4, REF, 2048, 2);
    expect(c.quant_multipliers.Q4_K_M).toBeCloseTo(2.4, 12);
    expect(c.quant_efficiency.Q4_K_M).toBeCloseTo(2.4 * bytesRatio, 12);
    expect(c.quant_efficiency.FP16).toBe(1);
    expect(c.quant_bits_per_weight).toMatchObject({ FP16: 16, Q4_K_M: 4.87 });
  });
});

describe('predictThroughput (sibling quant and bandwidth scaling)', () => {
  const m3 = specs.model('m-3b')!;
  const eff = 0.6;
  const truth = (q: QuantSpec, g: GpuSpec = REF, ctx = 2048) => eff * rooflineTokPerS(m3, q, g, ctx, 2);
  const { coefficients: c } = fitThroughput(
    [rec('m-3b', 'ollama', 'FP16', truth(FP16)), rec('m-3b', 'ollama', 'Q8_0', truth(Q8))],
    base,
  );

  it('predictThroughput scales the nearest measured quant by the bytes-per-token ratio', () => {
    // Q8_0 (8.5 bpw) is nearer to Q4_K_M (4.87) than FP16; with constant efficiency the estimate is exact.
    const p = predictThroughput(c, query({ modelId: 'm-3b', model: m3, quant: Q4, context: 4096 }));
    expect(p).toMatchObject({ route: 'sibling_quant', provenance: 'derived', clamped: false });
    expect(p.tokPerS).toBeCloseTo(truth(Q4, REF, 4096), 9);
  });

  it('predictThroughput multiplies by the quant efficiency ratio ρ(Q) / ρ(Q′)', () => {
    const withRho = { ...c, quant_efficiency: { ...c.quant_efficiency, Q4_K_M: 0.8 } };
    const p = predictThroughput(withRho, query({ modelId: 'm-3b', model: m3, quant: Q4 }));
    expect(p.tokPerS).toBeCloseTo((truth(Q4) * 0.8) / c.quant_efficiency.Q8_0!, 9);
  });

  it('predictThroughput moves a reference sibling to another GPU through the decode-time model', () => {
    const d = { overhead_ms: 1, bandwidth_efficiency: 1, n: 4 };
    const cd = { ...c, decode_time: { ollama: d } };
    const p = predictThroughput(cd, query({ modelId: 'm-3b', model: m3, quant: Q4, gpu: FAST }));
    const tRef = 1 / truth(Q4);
    expect(p.route).toBe('sibling_quant');
    expect(p.tokPerS).toBeCloseTo(1 / (0.001 + ((tRef - 0.001) * REF.bandwidthGbs) / FAST.bandwidthGbs), 9);
  });

  it('predictThroughput bandwidth-scales only the time above the per-token overhead', () => {
    const cd = { ...c, decode_time: { ollama: { overhead_ms: 2, bandwidth_efficiency: 0.9, n: 4 } } };
    const p = predictThroughput(cd, query({ modelId: 'm-3b', model: m3, quant: FP16, gpu: FAST }));
    const t = 1 / truth(FP16);
    expect(p).toMatchObject({ route: 'bandwidth_scaled', provenance: 'derived' });
    expect(p.tokPerS).toBeCloseTo(1 / (0.002 + ((t - 0.002) * REF.bandwidthGbs) / FAST.bandwidthGbs), 9);
  });

  it('predictThroughput never moves a rate above its source roofline to another GPU', () => {
    const tooFast = {
      ...c,
      lookup: { ...c.lookup, 'm-3b|ollama|FP16': 3 * rooflineTokPerS(m3, FP16, REF, 2048, 2) },
    };
    const p = predictThroughput(tooFast, query({ modelId: 'm-3b', model: m3, quant: FP16, gpu: FAST }));
    expect(p.tokPerS).toBeCloseTo(rooflineTokPerS(m3, FP16, FAST, 2048, 2), 9);
  });

  it('predictThroughput without a model spec uses the multiplier ratio of the baseline cell', () => {
    const cu = {
      ...c,
      lookup: { 'x|ollama|FP16': 100, 'x|ollama|Q8_0': 150 },
      lookup_n: { 'x|ollama|FP16': 1, 'x|ollama|Q8_0': 1 },
      lookup_context: {},
      quant_multipliers: { FP16: 1, Q8_0: 1.5, Q4_K_M: 2 },
    };
    const p = predictThroughput(cu, query({ modelId: 'x', quant: Q4 }));
    expect(p).toMatchObject({ tokPerS: 200, route: 'quant_multiplier', provenance: 'derived' });
  });
});

describe('fitThroughput (sufficient statistics)', () => {
  it('fitThroughput on every record twice keeps lookups, physics and the route, doubling the weights', () => {
    const rng = createRng('twice');
    const records = SIZES.flatMap((p) =>
      [FP16, Q4].map((q) =>
        rec(
          `m-${p}b`,
          'ollama',
          q.id,
          0.5 * rooflineTokPerS(specs.model(`m-${p}b`)!, q, REF, 2048, 2) * (1 + 0.1 * rng()),
        ),
      ),
    );
    const once = fitThroughput(records, base).coefficients;
    const twice = fitThroughput(
      [...records, ...records.map((r) => ({ ...r, id: `${r.id}#2` }))],
      base,
    ).coefficients;
    for (const k of Object.keys(once.lookup)) {
      expect(twice.lookup[k]).toBeCloseTo(once.lookup[k]!, 10);
      expect(twice.lookup_n[k]).toBe(2 * once.lookup_n[k]!);
    }
    expect(twice.decode_time.ollama!.overhead_ms).toBeCloseTo(once.decode_time.ollama!.overhead_ms, 8);
    expect(twice.decode_time.ollama!.bandwidth_efficiency).toBeCloseTo(
      once.decode_time.ollama!.bandwidth_efficiency,
      10,
    );
    expect(twice.fallback_route).toBe(once.fallback_route);
    // The library LM stops at its iteration cap, so the optimum is reached to ~1e-6, not exactly.
    expect(twice.size_power_b).toBeCloseTo(once.size_power_b, 4);
  });
});
