import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CostCoefficientsSchema,
  DEFAULT_COST_OPTIONS,
  fitCost,
  HOURS_PER_MONTH,
  predictCost,
  predictCostRecord,
  resolveCostOptions,
  usdPerMillionTokens,
} from '../../pipeline/fit/cost.ts';
import type { CostRecord } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

let line = 0;
function rec(fields: Partial<CostRecord> & Pick<CostRecord, 'usdPer1M'>): CostRecord {
  line++;
  return Object.freeze({
    id: `c${line}`,
    category: 'cost',
    source: 'fixture.csv',
    line,
    model: 'llama3.2-1b',
    modelKnown: true,
    quant: 'FP16',
    backend: 'ollama',
    gpu: 'rtx-4080-laptop',
    gpuKnown: true,
    weight: 1,
    tokPerS: null,
    hourlyRate: null,
    metric: 'per_1m_tokens',
    ...fields,
  });
}

describe('usdPerMillionTokens', () => {
  it('usdPerMillionTokens(rate, tok/s) is rate / (tok/s · 3600) · 1e6', () => {
    expect(usdPerMillionTokens(3.6, 1)).toBeCloseTo(1000, 9);
    expect(usdPerMillionTokens(0, 50)).toBe(0);
  });
});

describe('predictCost', () => {
  const c = fitCost([], { hwCostPerHour: 0.035 }).coefficients;

  it('predictCost(c, 100 vs 10 tok/s at $0.035/h) gives $0.0972 < $0.972 per 1M (spot check 8)', () => {
    const fast = predictCost(c, { tokPerS: 100, hwCostPerHour: 0.035 });
    const slow = predictCost(c, { tokPerS: 10, hwCostPerHour: 0.035 });
    expect(fast.usdPer1M).toBeCloseTo(0.0972, 4);
    expect(slow.usdPer1M).toBeCloseTo(0.972, 3);
    expect(fast.usdPer1M).toBeLessThan(slow.usdPer1M);
  });

  it('predictCost(c, 50 tok/s) matches the manual formula $0.1944 (spot check 9)', () => {
    const manual = (0.035 / (50 * 3600)) * 1_000_000;
    expect(predictCost(c, { tokPerS: 50 }).usdPer1M).toBeCloseTo(manual, 12);
    expect(manual).toBeCloseTo(0.1944, 4);
  });

  it('predictCost(c, { rate 0.035 }) costs $25.20 a month (spot check 10)', () => {
    const p = predictCost(c, { tokPerS: 80, hwCostPerHour: 0.035 });
    expect(p.monthlyUsd).toBeCloseTo(25.2, 10);
    expect(p.usdPerHour).toBe(0.035);
    expect(HOURS_PER_MONTH).toBe(720);
  });

  it('predictCost(c, { instances }) multiplies fleet $/h and monthly, not $/1M', () => {
    const one = predictCost(c, { tokPerS: 60, hwCostPerHour: 0.06 });
    const four = predictCost(c, { tokPerS: 60, hwCostPerHour: 0.06, instances: 4 });
    expect(four.usdPer1M).toBe(one.usdPer1M);
    expect(four.usdPerHour).toBeCloseTo(0.24, 12);
    expect(four.monthlyUsd).toBeCloseTo(172.8, 9);
  });

  it('predictCost(c, query) uses hw_cost_per_hour when no rate is given and says so', () => {
    expect(predictCost(c, { tokPerS: 100 })).toMatchObject({ rateSource: 'default', usdPerHour: 0.035 });
    expect(predictCost(c, { tokPerS: 100, hwCostPerHour: 1.6 }).rateSource).toBe('query');
  });

  it('predictCost(c, query) rejects tok/s ≤ 0, negative rates and non-positive instances', () => {
    expect(() => predictCost(c, { tokPerS: 0 })).toThrow(PipelineError);
    expect(() => predictCost(c, { tokPerS: Number.NaN })).toThrow(/tokPerS/);
    expect(() => predictCost(c, { tokPerS: 10, hwCostPerHour: -1 })).toThrow(/hwCostPerHour/);
    expect(() => predictCost(c, { tokPerS: 10, instances: 0 })).toThrow(/instances/);
  });
});

describe('predictCostRecord', () => {
  const c = fitCost([], { hwCostPerHour: 0.035 }).coefficients;

  it('predictCostRecord(c, record) recomputes $/1M from the record’s own tok/s and rate', () => {
    const p = predictCostRecord(c, rec({ usdPer1M: 0.2, tokPerS: 64, hourlyRate: 0.046 }));
    expect(p).toMatchObject({ status: 'ok', rateSource: 'record', actual: 0.2 });
    expect(p.usdPer1M).toBeCloseTo((0.046 / (64 * 3600)) * 1e6, 12);
  });

  it('predictCostRecord(c, record) is insufficient without tok/s or rate', () => {
    expect(predictCostRecord(c, rec({ usdPer1M: 0.2, hourlyRate: 0.046 }))).toEqual({
      status: 'insufficient',
      usdPer1M: null,
      actual: 0.2,
      rateSource: null,
    });
    expect(predictCostRecord(c, rec({ usdPer1M: 0.2, tokPerS: 40 })).status).toBe('insufficient');
  });

  it('predictCostRecord(c, record, { useDefaultRate }) prices a rate-less record at hw_cost_per_hour', () => {
    // TR125 §12.1: llama3.1-8b Q8_0 at 49.2 tok/s costs $0.1976 per 1M at the consumer rate.
    const p = predictCostRecord(c, rec({ usdPer1M: 0.1976, tokPerS: 49.2 }), { useDefaultRate: true });
    expect(p.rateSource).toBe('default');
    expect(p.usdPer1M!).toBeCloseTo(0.1976, 3);
  });
});

describe('fitCost', () => {
  it('fitCost(records) recovers the hourly rate implied by $/1M and tok/s per GPU', () => {
    const records = [49.2, 185.2, 99, 66.1].map((tps) =>
      rec({ usdPer1M: usdPerMillionTokens(0.035, tps), tokPerS: tps }),
    );
    records.push(rec({ usdPer1M: usdPerMillionTokens(1.6, 900), tokPerS: 900, gpu: 'a100-80gb' }));
    const { coefficients, diagnostics } = fitCost(records);
    expect(coefficients.implied_rates['rtx-4080-laptop']!.rate).toBeCloseTo(0.035, 12);
    expect(coefficients.implied_rates['rtx-4080-laptop']!.records).toBe(4);
    expect(coefficients.implied_rates['a100-80gb']!.rate).toBeCloseTo(1.6, 12);
    expect(coefficients.fitted).toBe(true);
    expect(diagnostics.status).toBe('fitted');
  });

  it('fitCost(records) only derives rates from the listed metrics', () => {
    const blend = rec({ usdPer1M: 0.075, tokPerS: 71, metric: 'chat_blend' });
    expect(Object.keys(fitCost([blend]).coefficients.implied_rates)).toEqual([]);
    const rates = fitCost([blend], { impliedRateMetrics: ['chat_blend'] }).coefficients.implied_rates;
    expect(rates['rtx-4080-laptop']).toMatchObject({ records: 1 });
    expect(rates['rtx-4080-laptop']!.rate).toBeCloseTo((0.075 * 71 * 3600) / 1e6, 12);
  });

  it('fitCost(records) scores the formula on records with their own rate and throughput', () => {
    const exact = rec({ usdPer1M: usdPerMillionTokens(0.046, 40), tokPerS: 40, hourlyRate: 0.046 });
    const off = rec({ usdPer1M: usdPerMillionTokens(0.046, 40) + 0.01, tokPerS: 40, hourlyRate: 0.046 });
    const { diagnostics } = fitCost([exact, off, rec({ usdPer1M: 0.3 })]);
    expect(diagnostics.n).toBe(2);
    expect(diagnostics.residuals!.maxAbs).toBeCloseTo(0.01, 12);
    expect(diagnostics.residuals!.bias).toBeCloseTo(-0.005, 12);
  });

  it('fitCost([]) is empty with the configured rate and no implied rates', () => {
    const { coefficients, diagnostics } = fitCost([]);
    expect(diagnostics.status).toBe('empty');
    expect(diagnostics.residuals).toBeNull();
    expect(coefficients).toEqual({
      hw_cost_per_hour: 0.035,
      hours_per_month: 720,
      implied_rates: {},
      implied_rate_metrics: ['per_1m_tokens', 'decode'],
      fitted: false,
    });
  });

  it('fitCost(records) output validates against CostCoefficientsSchema', () => {
    const c = fitCost([rec({ usdPer1M: 0.05, tokPerS: 200 })]).coefficients;
    const roundTrip = JSON.parse(JSON.stringify(c));
    expect(CostCoefficientsSchema.parse(roundTrip)).toEqual(roundTrip);
  });
});

describe('resolveCostOptions', () => {
  it('resolveCostOptions({}) equals DEFAULT_COST_OPTIONS and the @default tags', () => {
    expect(resolveCostOptions({})).toEqual(DEFAULT_COST_OPTIONS);
    const source = readFileSync('pipeline/fit/cost.ts', 'utf8');
    expect(source).toMatch(/@default 0\.035\s*\*\/\s*readonly hwCostPerHour/);
    expect(source).toMatch(/@default \['per_1m_tokens', 'decode'\]\s*\*\/\s*readonly impliedRateMetrics/);
  });

  it('resolveCostOptions(options) rejects a negative rate naming the option', () => {
    expect(() => resolveCostOptions({ hwCostPerHour: -0.1 })).toThrow(/hwCostPerHour/);
  });
});
