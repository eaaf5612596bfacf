import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LATENCY_OPTIONS,
  fitLatency,
  LatencyCoefficientsSchema,
  predictLatency,
  predictLatencyRecord,
  resolveLatencyOptions,
  resolveServiceTime,
} from '../../pipeline/fit/latency.ts';
import { residualSummary } from '../../pipeline/fit/types.ts';
import type { LatencyRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

let line = 0;
function rec(model: string, backend: string, ms: number, extra: Partial<LatencyRecord> = {}): LatencyRecord {
  line++;
  return Object.freeze({
    id: `l${line}`,
    category: 'latency',
    source: 'fixture.csv',
    line,
    model,
    modelKnown: true,
    quant: 'Q4_0',
    backend,
    gpu: 'rtx-4080-laptop',
    gpuKnown: true,
    weight: 1,
    ms,
    metric: 'wall_ms',
    concurrency: 1,
    arrivalRate: null,
    ...extra,
  });
}

/** Coefficients with one measured pair (S = 1000 ms for m|b, quant Q4_0). */
const base = fitLatency([rec('m', 'b', 1000)]).coefficients;

describe('fitLatency', () => {
  it('fitLatency(records) takes the weighted median single-request wall_ms per (model, backend)', () => {
    const { coefficients } = fitLatency([
      rec('m', 'ollama', 700, { weight: 50 }),
      rec('m', 'ollama', 900, { weight: 10 }),
      rec('m', 'ollama', 1200, { weight: 10 }),
      rec('m', 'vllm', 800),
      rec('m', 'vllm', 900),
    ]);
    expect(coefficients.service_times['m|ollama']).toBe(700);
    expect(coefficients.service_times['m|vllm']).toBe(850);
    expect(coefficients.service_time_stats['m|ollama']).toEqual({
      records: 3,
      weight: 70,
      min: 700,
      max: 1200,
    });
  });

  it('fitLatency(records) ignores queueing runs, other metrics and concurrency > 1', () => {
    const { coefficients, diagnostics } = fitLatency([
      rec('m', 'ollama', 720),
      rec('m', 'ollama', 5000, { arrivalRate: 2 }),
      rec('m', 'ollama', 3000, { concurrency: 4 }),
      rec('m', 'ollama', 90, { metric: 'ttft_ms' }),
    ]);
    expect(coefficients.service_times['m|ollama']).toBe(720);
    expect(diagnostics.notes.some((n) => n.startsWith('3 of 4'))).toBe(true);
    const ttft = fitLatency([rec('m', 'ollama', 90, { metric: 'ttft_ms' })], { serviceMetrics: ['ttft_ms'] });
    expect(ttft.coefficients.service_times['m|ollama']).toBe(90);
  });

  it('fitLatency(records) records the quants behind each service time, sorted and unique', () => {
    const c = fitLatency([
      rec('m', 'ollama', 700, { quant: 'Q8_0' }),
      rec('m', 'ollama', 710, { quant: 'Q4_0' }),
      rec('m', 'ollama', 720, { quant: 'Q8_0' }),
    ]).coefficients;
    expect(c.service_time_quants['m|ollama']).toEqual(['Q4_0', 'Q8_0']);
  });

  it('fitLatency([]) is empty; fitLatency(no service records) is a labelled fallback', () => {
    const empty = fitLatency([]);
    expect(empty.diagnostics.status).toBe('empty');
    expect(empty.coefficients.fitted).toBe(false);
    const none = fitLatency([rec('m', 'b', 100, { concurrency: 8 })]);
    expect(none.diagnostics.status).toBe('fallback');
    expect(none.diagnostics.residuals).toBeNull();
  });

  it('fitLatency(records) output validates against LatencyCoefficientsSchema and is order-independent', () => {
    const records = [rec('a', 'x', 1), rec('a', 'x', 3), rec('b', 'x', 2), rec('a', 'y', 5, { weight: 2 })];
    const c = fitLatency(records).coefficients;
    const roundTrip = JSON.parse(JSON.stringify(c));
    expect(LatencyCoefficientsSchema.parse(roundTrip)).toEqual(roundTrip);
    expect(JSON.stringify(fitLatency([...records].reverse()))).toBe(JSON.stringify(fitLatency(records)));
  });
});

describe('predictLatency', () => {
  it('predictLatency(c, ρ = 0.5) matches the hand calculation: W = 500 ms, p95 = 2500 ms', () => {
    // S = 1 s, N = 1, η = 1 ⇒ C = 1 req/s; λ = 0.5 ⇒ ρ = 0.5; W = 0.5 / (2·1·0.5) s = 500 ms.
    const p = predictLatency(base, { model: 'm', backend: 'b', n: 1, eta: 1, requestRate: 0.5 });
    expect(p).toEqual({
      serviceMs: 1000,
      serviceSource: 'measured',
      capacityRps: 1,
      rho: 0.5,
      waitMs: 500,
      p95Ms: 2500,
      status: 'ok',
      provenance: 'measured',
    });
  });

  it('predictLatency(c, { n, eta }) uses capacity N·η/S', () => {
    // N = 4, η = 0.5 ⇒ C = 2 req/s; λ = 1 ⇒ ρ = 0.5, W = 0.5/(2·2·0.5) s = 250 ms.
    const p = predictLatency(base, { model: 'm', backend: 'b', n: 4, eta: 0.5, requestRate: 1 });
    expect(p.capacityRps).toBeCloseTo(2, 12);
    expect(p.rho).toBeCloseTo(0.5, 12);
    expect(p.waitMs!).toBeCloseTo(250, 9);
    expect(p.p95Ms!).toBeCloseTo(1750, 9);
  });

  it('predictLatency(c, ρ ≥ cap) is infeasible but still reports finite numbers', () => {
    const p = predictLatency(base, { model: 'm', backend: 'b', n: 1, eta: 1, requestRate: 0.8 });
    expect(p.status).toBe('infeasible');
    expect(p.waitMs!).toBeCloseTo((0.8 / (2 * 0.2)) * 1000, 9);
    expect(p.p95Ms!).toBeCloseTo(1000 + 3 * 2000, 9);
    expect(predictLatency(base, { model: 'm', backend: 'b', n: 1, eta: 1, requestRate: 0.7 }).status).toBe(
      'infeasible',
    );
    expect(
      predictLatency(base, { model: 'm', backend: 'b', n: 1, eta: 1, requestRate: 0.8, utilisationCap: 0.9 })
        .status,
    ).toBe('ok');
  });

  it('predictLatency(c, ρ ≥ 1) is saturated with null wait and p95, never Infinity', () => {
    for (const requestRate of [1, 5]) {
      const p = predictLatency(base, { model: 'm', backend: 'b', n: 1, eta: 1, requestRate });
      expect(p).toMatchObject({ status: 'saturated', waitMs: null, p95Ms: null, rho: requestRate });
    }
  });

  it('predictLatency(c, λ = 0) has no wait and p95 = S', () => {
    const p = predictLatency(base, { model: 'm', backend: 'b', n: 2, eta: 0.7, requestRate: 0 });
    expect(p).toMatchObject({ rho: 0, waitMs: 0, p95Ms: 1000, status: 'ok' });
  });

  it('predictLatency(c, { tailFactor }) scales the wait added to S', () => {
    const p = predictLatency(base, {
      model: 'm',
      backend: 'b',
      n: 1,
      eta: 1,
      requestRate: 0.5,
      tailFactor: 1,
    });
    expect(p.p95Ms).toBe(1500);
  });

  it('predictLatency(c, unseen pair) derives S = avgOutputTokens / tokPerS · 1000', () => {
    const p = predictLatency(base, {
      model: 'x',
      backend: 'b',
      tokPerS: 146.3,
      n: 1,
      eta: 1,
      requestRate: 0,
    });
    expect(p.serviceMs).toBeCloseTo((128 / 146.3) * 1000, 9);
    expect(p).toMatchObject({ serviceSource: 'throughput', provenance: 'derived' });
    const longer = predictLatency(base, {
      model: 'x',
      backend: 'b',
      tokPerS: 100,
      avgOutputTokens: 256,
      n: 1,
      eta: 1,
      requestRate: 0,
    });
    expect(longer.serviceMs).toBeCloseTo(2560, 9);
  });

  it('predictLatency(c, query) rejects N < 1, η outside (0, 1], negative λ, and a missing service time', () => {
    const q = { model: 'm', backend: 'b', n: 1, eta: 1, requestRate: 0.1 };
    expect(() => predictLatency(base, { ...q, n: 0 })).toThrow(PipelineError);
    expect(() => predictLatency(base, { ...q, eta: 0 })).toThrow(/eta/);
    expect(() => predictLatency(base, { ...q, eta: 1.2 })).toThrow(/eta/);
    expect(() => predictLatency(base, { ...q, requestRate: -1 })).toThrow(/requestRate/);
    expect(() => predictLatency(base, { ...q, model: 'unseen' })).toThrow(/no measured service time/);
    expect(() => predictLatency(base, { ...q, model: 'unseen', tokPerS: 0 })).toThrow(/tokPerS/);
  });
});

describe('resolveServiceTime', () => {
  const q = { model: 'm', backend: 'b', tokPerS: 64 };

  it("resolveServiceTime(c, q) with rule 'quant_aware' measures the same quant and derives another", () => {
    expect(resolveServiceTime(base, { ...q, quant: 'Q4_0' })).toMatchObject({
      serviceMs: 1000,
      source: 'measured',
    });
    expect(resolveServiceTime(base, q)).toMatchObject({ serviceMs: 1000, source: 'measured' });
    expect(resolveServiceTime(base, { ...q, quant: 'Q2_K' })).toMatchObject({
      serviceMs: 2000,
      source: 'throughput',
    });
    const { tokPerS: _, ...noThroughput } = q;
    expect(resolveServiceTime(base, { ...noThroughput, quant: 'Q2_K' })).toEqual({
      serviceMs: 1000,
      source: 'measured',
      provenance: 'extrapolated',
    });
  });

  it("resolveServiceTime(c, q) with rule 'measured_first' prefers the measured time", () => {
    expect(resolveServiceTime(base, { ...q, quant: 'Q2_K', rule: 'measured_first' }).serviceMs).toBe(1000);
    expect(resolveServiceTime(base, { ...q, model: 'x', rule: 'measured_first' }).serviceMs).toBe(2000);
  });

  it("resolveServiceTime(c, q) with rule 'throughput_first' prefers the throughput-derived time (TR133 §9.2)", () => {
    expect(resolveServiceTime(base, { ...q, rule: 'throughput_first' }).serviceMs).toBe(2000);
    const { tokPerS: _, ...noThroughput } = q;
    expect(resolveServiceTime(base, { ...noThroughput, rule: 'throughput_first' }).serviceMs).toBe(1000);
  });
});

describe('predictLatencyRecord', () => {
  it('predictLatencyRecord(c, record) predicts the pair service time for an in-corpus pair', () => {
    expect(predictLatencyRecord(base, rec('m', 'b', 1100), { tokPerS: 10 })).toEqual({
      status: 'ok',
      predictedMs: 1000,
      actualMs: 1100,
      source: 'measured',
    });
  });

  it('predictLatencyRecord(c, record, { tokPerS }) derives the time for an unseen pair, else insufficient', () => {
    const p = predictLatencyRecord(base, rec('x', 'b', 900), { tokPerS: 128 });
    expect(p).toMatchObject({ status: 'ok', predictedMs: 1000, source: 'throughput' });
    expect(predictLatencyRecord(base, rec('x', 'b', 900))).toMatchObject({
      status: 'insufficient',
      predictedMs: null,
    });
  });
});

describe('residualSummary', () => {
  it('residualSummary(errors) gives RMSE, MAE, bias and max |e|; null when empty', () => {
    expect(residualSummary([1, -1, 2])).toEqual({ rmse: Math.sqrt(2), mae: 4 / 3, bias: 2 / 3, maxAbs: 2 });
    expect(residualSummary([])).toBeNull();
  });
});

describe('resolveLatencyOptions', () => {
  it('resolveLatencyOptions({}) equals DEFAULT_LATENCY_OPTIONS and the @default tags', () => {
    expect(resolveLatencyOptions({})).toEqual(DEFAULT_LATENCY_OPTIONS);
    const source = readFileSync('pipeline/fit/latency.ts', 'utf8');
    expect(source).toMatch(/@default \['wall_ms'\]\s*\*\/\s*readonly serviceMetrics/);
    expect(source).toMatch(/@default 0\.7\s*\*\/\s*readonly utilisationCap/);
    expect(source).toMatch(/@default 3\s*\*\/\s*readonly tailFactor/);
    expect(source).toMatch(/@default 128\s*\*\/\s*readonly avgOutputTokens/);
    expect(source).toMatch(/@default 'quant_aware'\s*\*\/\s*readonly rule/);
  });

  it('resolveLatencyOptions(options) rejects out-of-range values naming the option', () => {
    expect(() => resolveLatencyOptions({ utilisationCap: 1 })).toThrow(/utilisationCap/);
    expect(() => resolveLatencyOptions({ tailFactor: 0 })).toThrow(/tailFactor/);
    expect(() => resolveLatencyOptions({ avgOutputTokens: -5 })).toThrow(/avgOutputTokens/);
  });
});
