import { describe, expect, it } from 'vitest';
import {
  candidateWarnings,
  compareCandidates,
  GATES,
  type PlanCandidate,
  type PlanRequest,
  planSearch,
  SPEC_QUANTS,
  WARNING_THRESHOLDS,
} from '../../pipeline/plan/search.ts';
import type { FullPrediction } from '../../pipeline/predict.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { fixture } from '../fixtures/artifact/load.ts';

const { predictor } = fixture();
const gpu = (id: string) => predictor.resolver.gpu(id)!;

/** A request where every gate removes something (checked below). */
const BUSY: PlanRequest = Object.freeze({
  modelSizeB: 3,
  requestRate: 0.5,
  gpu: gpu('rtx-4060'),
  context: 8192,
  qualityTarget: 0.55,
  latencySloMs: 3000,
  budgetUsd: 20,
  maxInstances: 4,
});

describe('planSearch', () => {
  it('planSearch(predictor, request) counts each gate on the survivors of the one before', () => {
    const r = planSearch(predictor, BUSY);
    expect(r.gates.map((g) => g.gate)).toEqual([...GATES]);
    expect(r.gates[0]!.entered).toBe(r.space.size - r.space.unpredictable);
    for (let i = 0; i < r.gates.length; i++) {
      const g = r.gates[i]!;
      expect(g.removed).toBe(g.entered - g.passed);
      expect(g.removed).toBeGreaterThan(0);
      if (i > 0) expect(g.entered).toBe(r.gates[i - 1]!.passed);
    }
    expect(r.feasible.length).toBe(r.gates[3]!.passed);
  });

  it('planSearch(predictor, request) removes exactly what an independent enumeration removes, gate by gate', () => {
    const r = planSearch(predictor, BUSY);
    const counts = { vram: 0, quality: 0, latency: 0, budget: 0, viable: 0 };
    for (const model of r.space.models) {
      for (const quant of r.space.quants) {
        for (const backend of r.space.backends) {
          for (let n = 1; n <= BUSY.maxInstances!; n++) {
            const p = predictor.predict(
              predictor.resolve({
                model,
                quant,
                backend,
                gpu: 'rtx-4060',
                context: 8192,
                concurrency: n,
                requestRate: 0.5,
              }),
            );
            if (!(p.vram!.gb <= 8)) counts.vram++;
            else if (!(p.quality.score >= 0.55)) counts.quality++;
            else if (p.latency.status !== 'ok' || !(p.latency.p95_ms! <= 3000)) counts.latency++;
            else if (!(p.cost.monthly_usd <= 20)) counts.budget++;
            else counts.viable++;
          }
        }
      }
    }
    expect(r.gates.map((g) => g.removed)).toEqual([
      counts.vram,
      counts.quality,
      counts.latency,
      counts.budget,
    ]);
    expect(r.feasible.length).toBe(counts.viable);
  });

  it('planSearch(predictor, request) counts a candidate failing several gates at the first one', () => {
    // Quality 1.0 fails everything; the candidates that also exceed the VRAM are still VRAM's.
    const r = planSearch(predictor, { ...BUSY, qualityTarget: 1 });
    const noQuality = planSearch(predictor, { ...BUSY, qualityTarget: undefined });
    expect(r.gates[0]!.removed).toBe(noQuality.gates[0]!.removed);
    expect(r.gates[1]!.removed).toBe(r.gates[1]!.entered);
    expect(r.infeasible?.gate).toBe('quality');
  });

  it('planSearch(predictor, request) skips the quality and budget gates without thresholds', () => {
    const r = planSearch(predictor, { modelSizeB: 3, requestRate: 0.2 });
    const byGate = new Map(r.gates.map((g) => [g.gate, g]));
    expect(byGate.get('quality')).toMatchObject({ applied: false, removed: 0 });
    expect(byGate.get('budget')).toMatchObject({ applied: false, removed: 0 });
    expect(r.request.gpu.id).toBe(predictor.referenceGpu.id);
    expect(r.request.context).toBe(predictor.coefficients.throughput.default_context);
    expect(r.space.maxInstances).toBe(16);
  });

  it('planSearch(predictor, request) searches the spec quants and only backends measured at them', () => {
    const r = planSearch(predictor, { modelSizeB: 3, requestRate: 0.2 });
    expect(r.space.models).toEqual(['phi-2', 'qwen2.5-3b', 'llama3.2-3b']);
    for (const q of SPEC_QUANTS) expect(r.space.quants).toContain(q);
    expect(r.space.backends).toEqual(expect.arrayContaining(['ollama', 'vllm', 'tgi']));
    // transformers-cpu is measured only at an unlabelled quant: not a searchable backend.
    expect(r.space.backends).not.toContain('transformers-cpu');
    expect(r.space.backendRule).toBe('measured_on_vendor');
    expect(r.space.size).toBe(3 * r.space.quants.length * r.space.backends.length * 16);
  });

  it('planSearch(predictor, request) on hardware of a vendor with no data uses backends measured anywhere', () => {
    const r = planSearch(predictor, { modelSizeB: 3, requestRate: 0.2, gpu: gpu('m3-max-40c') });
    expect(r.space.backendRule).toBe('measured_on_any_gpu');
    expect(r.space.backends.length).toBeGreaterThan(0);
  });

  it('planSearch(predictor, request) ranks the viable list by the comparator and recommends its head', () => {
    const r = planSearch(predictor, { modelSizeB: 3, requestRate: 0.5 });
    expect(r.feasible.length).toBeGreaterThan(5);
    for (let i = 1; i < r.feasible.length; i++) {
      expect(compareCandidates(r.feasible[i - 1]!, r.feasible[i]!)).toBeLessThan(0);
    }
    expect(r.recommendation).toBe(r.feasible[0]);
    expect(r.alternatives).toEqual(r.feasible.slice(1, 5));
    const cheapest = Math.min(...r.feasible.map((c) => c.prediction.cost.monthly_usd));
    expect(r.recommendation!.prediction.cost.monthly_usd).toBe(cheapest);
    const sameCost = r.feasible.filter(
      (c) => c.prediction.cost.monthly_usd === cheapest && c.prediction.quality.provenance !== 'unknown',
    );
    expect(r.recommendation!.prediction.quality.score).toBe(
      Math.max(...sameCost.map((c) => c.prediction.quality.score)),
    );
  });

  it('planSearch(predictor, request) gives the same result on repeated runs', () => {
    const a = planSearch(predictor, BUSY);
    const b = planSearch(predictor, BUSY);
    expect(b.feasible.map((c) => `${c.model}|${c.quant}|${c.backend}|${c.instances}`)).toEqual(
      a.feasible.map((c) => `${c.model}|${c.quant}|${c.backend}|${c.instances}`),
    );
  });

  it('planSearch(predictor, request) refuses out-of-range requests naming the option', () => {
    expect(() => planSearch(predictor, { modelSizeB: 3, requestRate: -1 })).toThrow(/--request-rate/);
    expect(() => planSearch(predictor, { modelSizeB: 3, requestRate: 1, qualityTarget: 1.5 })).toThrow(
      /--quality-target/,
    );
    expect(() => planSearch(predictor, { modelSizeB: 3, requestRate: 1, maxInstances: 0 })).toThrow(
      PipelineError,
    );
  });
});

describe('planSearch infeasible answers', () => {
  it('planSearch(…budget too low) names the budget gate and the cheapest passing cost', () => {
    const open = planSearch(predictor, { ...BUSY, budgetUsd: undefined });
    const cheapest = open.recommendation!.prediction.cost.monthly_usd;
    const r = planSearch(predictor, { ...BUSY, budgetUsd: cheapest - 1 });
    expect(r.recommendation).toBeNull();
    expect(r.infeasible!.gate).toBe('budget');
    expect(r.infeasible!.suggestion).toEqual({
      option: 'budget',
      value: Math.ceil(cheapest * 100 - 1e-7) / 100,
    });
    expect(r.infeasible!.message).toContain(`raise --budget to at least $${cheapest.toFixed(2)}`);
    const relaxed = planSearch(predictor, { ...BUSY, budgetUsd: r.infeasible!.suggestion!.value as number });
    expect(relaxed.recommendation).not.toBeNull();
  });

  it('planSearch(…SLO too tight) suggests the lowest p95 that passes the cap', () => {
    const r = planSearch(predictor, { ...BUSY, budgetUsd: undefined, latencySloMs: 1 });
    expect(r.infeasible!.gate).toBe('latency');
    const value = r.infeasible!.suggestion!.value as number;
    expect(r.infeasible!.suggestion!.option).toBe('latency-slo');
    expect(r.infeasible!.message).toContain(`raise --latency-slo to at least ${value} ms`);
    const relaxed = planSearch(predictor, { ...BUSY, budgetUsd: undefined, latencySloMs: value });
    expect(relaxed.recommendation).not.toBeNull();
    expect(relaxed.recommendation!.prediction.latency.p95_ms!).toBeLessThanOrEqual(value);
    expect(
      planSearch(predictor, { ...BUSY, budgetUsd: undefined, latencySloMs: value - 1 }).recommendation,
    ).toBeNull();
  });

  it('planSearch(…rate beyond every capacity) suggests the largest sustainable rate', () => {
    const r = planSearch(predictor, {
      ...BUSY,
      budgetUsd: undefined,
      latencySloMs: undefined,
      requestRate: 500,
    });
    expect(r.infeasible!.gate).toBe('latency');
    expect(r.infeasible!.suggestion!.option).toBe('request-rate');
    expect(r.infeasible!.message).toMatch(/utilisation cap/);
    const rate = r.infeasible!.suggestion!.value as number;
    expect(rate).toBeGreaterThan(0);
    const relaxed = planSearch(predictor, {
      ...BUSY,
      budgetUsd: undefined,
      latencySloMs: undefined,
      requestRate: rate,
    });
    expect(relaxed.recommendation).not.toBeNull();
  });

  it('planSearch(…quality target too high) suggests the best quality that fits', () => {
    const r = planSearch(predictor, { ...BUSY, qualityTarget: 0.99 });
    expect(r.infeasible!.gate).toBe('quality');
    const q = r.infeasible!.suggestion!.value as number;
    expect(q).toBeLessThan(0.99);
    expect(
      planSearch(predictor, { ...BUSY, qualityTarget: q, budgetUsd: undefined, latencySloMs: undefined })
        .recommendation,
    ).not.toBeNull();
  });

  it('planSearch(…nothing fits the GPU) names the VRAM gate and hardware that would fit', () => {
    const r = planSearch(predictor, {
      modelSizeB: 8,
      requestRate: 0.1,
      gpu: gpu('rtx-4060'),
      context: 300_000,
    });
    expect(r.gates[0]!.passed).toBe(0);
    expect(r.infeasible!.gate).toBe('vram');
    expect(r.infeasible!.suggestion!.option).toBe('hardware');
    const suggested = gpu(r.infeasible!.suggestion!.value as string);
    const fits = planSearch(predictor, { modelSizeB: 8, requestRate: 0.1, gpu: suggested, context: 300_000 });
    expect(fits.gates[0]!.passed).toBeGreaterThan(0);
  });
});

function fakePrediction(over: {
  monthly?: number;
  quality?: number;
  p95?: number | null;
  provenance?: FullPrediction['throughput']['provenance'];
  rho?: number;
  tier?: string;
  vramShare?: number;
  qualityProvenance?: FullPrediction['quality']['provenance'];
}): FullPrediction {
  return {
    query: { model: 'm', quant: 'q', backend: 'b', gpu: 'g', context: 2048, concurrency: 1, request_rate: 1 },
    vram: {
      gb: 10 * (over.vramShare ?? 0.5),
      weight_gb: 1,
      kv_gb: 1,
      activation_gb: 1,
      gpu_vram_gb: 10,
      fits: true,
      utilisation: over.vramShare ?? 0.5,
      variant: 'quadratic',
      provenance: 'derived',
      clamped: false,
    },
    throughput: {
      tok_per_s: 100,
      roofline_tok_per_s: 200,
      route: 'lookup',
      provenance: over.provenance ?? 'measured',
      clamped: false,
    },
    scaling: { eta: 1, family: 'amdahl', total_tok_per_s: 100, provenance: 'measured' },
    quality: {
      score: over.quality ?? 0.6,
      tier: over.tier ?? 'negligible',
      drop_pp: 1,
      provenance: over.qualityProvenance ?? 'measured',
    },
    cost: {
      usd_per_1m_tokens: 0.1,
      usd_per_hour: 0.035,
      monthly_usd: over.monthly ?? 25.2,
      provenance: 'derived',
    },
    latency: {
      service_ms: 1000,
      rho: over.rho ?? 0.3,
      wait_ms: 10,
      p95_ms: over.p95 === undefined ? 1030 : over.p95,
      status: 'ok',
      provenance: 'measured',
    },
  };
}

function cand(model: string, quant: string, backend: string, n: number, p: FullPrediction): PlanCandidate {
  return { model, quant, backend, instances: n, prediction: p, warnings: [] };
}

describe('compareCandidates', () => {
  it('compareCandidates(a, b) orders by cost, then quality, then throughput provenance, p95 and ids', () => {
    const list = [
      cand('b', 'Q4', 'ollama', 1, fakePrediction({ p95: 900 })),
      cand('a', 'Q4', 'vllm', 1, fakePrediction({ p95: 900 })),
      cand('a', 'Q4', 'ollama', 1, fakePrediction({ p95: 900 })),
      cand('z', 'Q8', 'ollama', 1, fakePrediction({ p95: 800, provenance: 'extrapolated' })),
      cand('y', 'Q8', 'ollama', 1, fakePrediction({ p95: 1200, provenance: 'derived' })),
      cand('x', 'FP16', 'tgi', 1, fakePrediction({ quality: 0.7, p95: 5000 })),
      cand('u', 'FP16', 'tgi', 1, fakePrediction({ quality: 0.8, qualityProvenance: 'unknown' })),
      cand('w', 'FP16', 'tgi', 2, fakePrediction({ monthly: 50.4, quality: 0.9 })),
      cand('a', 'Q4', 'ollama', 1, fakePrediction({ p95: 950 })),
    ];
    const order = [...list].sort(compareCandidates).map((c) => `${c.model}/${c.quant}/${c.backend}`);
    expect(order).toEqual([
      'x/FP16/tgi', // same cost, best quality
      'a/Q4/ollama', // measured before derived before extrapolated; then p95 900
      'a/Q4/vllm', // p95 tie: backend id
      'b/Q4/ollama', // p95 tie: model id
      'a/Q4/ollama', // p95 950
      'y/Q8/ollama', // derived
      'z/Q8/ollama', // extrapolated, despite the lowest p95
      'u/FP16/tgi', // unknown quality: after every known one, despite 0.8
      'w/FP16/tgi', // dearer
    ]);
    // The order does not depend on the input order.
    const reversed = [...list]
      .reverse()
      .sort(compareCandidates)
      .map((c) => `${c.model}/${c.quant}/${c.backend}`);
    expect(reversed).toEqual(order);
  });

  it('compareCandidates(a, b) is 0 only for the same configuration with the same numbers', () => {
    const p = fakePrediction({});
    expect(compareCandidates(cand('a', 'q', 'b', 1, p), cand('a', 'q', 'b', 1, p))).toBe(0);
    expect(compareCandidates(cand('a', 'q', 'b', 1, p), cand('a', 'q', 'b', 2, p))).toBeLessThan(0);
  });
});

describe('candidateWarnings', () => {
  it('candidateWarnings(p, n) raises the four TR133 §10.4 warnings at their thresholds', () => {
    const quiet = candidateWarnings(
      fakePrediction({ rho: 0.7, vramShare: 0.9 }),
      WARNING_THRESHOLDS.instances,
    );
    expect(quiet).toEqual([]);
    const loud = candidateWarnings(
      fakePrediction({
        rho: 0.71,
        vramShare: 0.95,
        tier: 'concerning',
        qualityProvenance: 'unknown',
        provenance: 'extrapolated',
      }),
      9,
    );
    expect(loud.map((w) => w.code)).toEqual([
      'utilisation',
      'quality_tier',
      'instances',
      'vram',
      'quality_unknown',
      'throughput_extrapolated',
    ]);
    expect(loud[0]!.message).toContain('71%');
  });
});
