import { describe, expect, it } from 'vitest';
import type { PredictQuery, SpotCheckConfig } from '../../pipeline/config.ts';
import {
  describeExpectation,
  describeQuery,
  type PredictQuantity,
  runSpotCheck,
  runSpotChecks,
  type SpotQuantity,
} from '../../pipeline/validate/spot-checks.ts';

/** A prediction table keyed by quantity and model, standing in for the fitted models. */
function table(values: Record<string, number | null>): PredictQuantity {
  return (quantity: SpotQuantity, query: PredictQuery) => {
    const key = `${quantity}:${query.model}:${query.quant ?? ''}`;
    if (!(key in values)) throw new Error(`unknown query ${key}`);
    return { value: values[key]!, provenance: 'derived' };
  };
}

const predict = table({
  'vram_gb:llama3.2-3b:FP16': 7.52,
  'vram_gb:llama3.2-3b:Q4_K_M': 2.64,
  'tok_per_s:llama3.2-1b:FP16': 146.3,
  'tok_per_s:llama3.2-3b:FP16': 95.9,
  'monthly_usd:any:': 25.2,
  'quality:none:': null,
});

function check(
  partial: Partial<SpotCheckConfig> & Pick<SpotCheckConfig, 'quantity' | 'query'>,
): SpotCheckConfig {
  return { id: 'c', description: 'a check', tolerance: 1e-6, ...partial };
}

describe('describeQuery', () => {
  it('describeQuery(query) lists the set fields in a fixed order', () => {
    expect(describeQuery({ model: 'llama3.2-3b', context: 2048, quant: 'FP16', backend: 'ollama' })).toBe(
      'llama3.2-3b FP16 ollama ctx=2048',
    );
    expect(describeQuery({ model: 'm', concurrency: 8, tok_per_s: 100, hw_cost_per_hour: 0.035 })).toBe(
      'm N=8 100 tok/s $0.035/h',
    );
  });
});

describe('describeExpectation', () => {
  it('describeExpectation(check) renders ranges, exact values and comparisons', () => {
    expect(describeExpectation(check({ quantity: 'vram_gb', query: { model: 'm' }, min: 3, max: 12 }))).toBe(
      '3–12 GB',
    );
    expect(describeExpectation(check({ quantity: 'eta', query: { model: 'm' }, max: 1 }))).toBe('<= 1');
    expect(
      describeExpectation(
        check({ quantity: 'monthly_usd', query: { model: 'm' }, equals: 25.2, tolerance: 0.01 }),
      ),
    ).toBe('= 25.2 USD/month ± 0.01');
    expect(
      describeExpectation(
        check({
          quantity: 'tok_per_s',
          query: { model: 'a' },
          compare: { op: 'gt', query: { model: 'b', quant: 'FP16' } },
        }),
      ),
    ).toBe('> tok_per_s of b FP16');
  });
});

describe('runSpotCheck', () => {
  it('runSpotCheck(range check) passes inside the range and fails outside', () => {
    const inside = runSpotCheck(
      check({
        id: 'vram-3b',
        quantity: 'vram_gb',
        query: { model: 'llama3.2-3b', quant: 'FP16' },
        min: 3,
        max: 12,
      }),
      predict,
    );
    expect(inside).toMatchObject({
      id: 'vram-3b',
      status: 'pass',
      value: 7.52,
      expected: '3–12 GB',
      provenance: 'derived',
    });
    expect(inside.detail).toBe('7.52 GB satisfies 3–12 GB');
    const outside = runSpotCheck(
      check({ quantity: 'vram_gb', query: { model: 'llama3.2-3b', quant: 'FP16' }, min: 8 }),
      predict,
    );
    expect(outside.status).toBe('fail');
    expect(outside.detail).toBe('7.52 GB violates >= 8 GB');
  });

  it('runSpotCheck(equals check) passes within the absolute tolerance only', () => {
    const q = { model: 'any' };
    expect(runSpotCheck(check({ quantity: 'monthly_usd', query: q, equals: 25.2 }), predict).status).toBe(
      'pass',
    );
    expect(runSpotCheck(check({ quantity: 'monthly_usd', query: q, equals: 25.21 }), predict).status).toBe(
      'fail',
    );
    expect(
      runSpotCheck(check({ quantity: 'monthly_usd', query: q, equals: 25.21, tolerance: 0.02 }), predict)
        .status,
    ).toBe('pass');
  });

  it('runSpotCheck(compare check) compares with the prediction for the other query', () => {
    const faster = runSpotCheck(
      check({
        quantity: 'tok_per_s',
        query: { model: 'llama3.2-1b', quant: 'FP16' },
        compare: { op: 'gt', query: { model: 'llama3.2-3b', quant: 'FP16' } },
      }),
      predict,
    );
    expect(faster).toMatchObject({ status: 'pass', value: 146.3, compareValue: 95.9 });
    expect(faster.detail).toBe('146.3 tok/s > 95.9 tok/s');
    const smaller = runSpotCheck(
      check({
        quantity: 'vram_gb',
        query: { model: 'llama3.2-3b', quant: 'FP16' },
        compare: { op: 'lt', query: { model: 'llama3.2-3b', quant: 'Q4_K_M' } },
      }),
      predict,
    );
    expect(smaller.status).toBe('fail');
    expect(smaller.detail).toBe('7.52 GB not < 2.64 GB');
  });

  it('runSpotCheck(check) requires every condition that is set', () => {
    const r = runSpotCheck(
      check({
        quantity: 'vram_gb',
        query: { model: 'llama3.2-3b', quant: 'FP16' },
        min: 3,
        max: 12,
        compare: { op: 'lt', query: { model: 'llama3.2-3b', quant: 'Q4_K_M' } },
      }),
      predict,
    );
    expect(r.status).toBe('fail');
    expect(r.expected).toBe('3–12 GB and < vram_gb of llama3.2-3b Q4_K_M');
  });

  it('runSpotCheck(check) turns a throwing callback into an error result with the message', () => {
    const r = runSpotCheck(check({ quantity: 'eta', query: { model: 'ghost' }, max: 1 }), () => {
      throw new Error('no scaling data for ghost');
    });
    expect(r).toMatchObject({
      status: 'error',
      value: null,
      detail: 'prediction failed: no scaling data for ghost',
    });
  });

  it('runSpotCheck(check) turns a null value into an error, including the note', () => {
    const r = runSpotCheck(check({ quantity: 'quality', query: { model: 'none' }, min: 0 }), () => ({
      value: null,
      provenance: 'unknown',
      note: 'model not in registry',
    }));
    expect(r.status).toBe('error');
    expect(r.detail).toBe('no quality prediction for none: model not in registry');
  });

  it('runSpotCheck(check) is an error when the compared prediction fails, keeping the first value', () => {
    const r = runSpotCheck(
      check({
        quantity: 'tok_per_s',
        query: { model: 'llama3.2-1b', quant: 'FP16' },
        compare: { op: 'gt', query: { model: 'missing' } },
      }),
      predict,
    );
    expect(r).toMatchObject({ status: 'error', value: 146.3, compareValue: null });
    expect(r.detail).toContain('unknown query tok_per_s:missing:');
  });

  it('runSpotCheck(check) is an error for a non-finite value or a check with no condition', () => {
    const nan = runSpotCheck(check({ quantity: 'eta', query: { model: 'm' }, max: 1 }), () => ({
      value: Number.NaN,
      provenance: 'derived',
    }));
    expect(nan.status).toBe('error');
    expect(nan.detail).toContain('not a finite number');
    const empty = runSpotCheck(check({ quantity: 'eta', query: { model: 'm' } }), () => ({
      value: 1,
      provenance: 'derived',
    }));
    expect(empty.status).toBe('error');
    expect(empty.detail).toMatch(/none of min, max, equals or compare/);
  });
});

describe('runSpotChecks', () => {
  it('runSpotChecks(checks, predict) keeps config order and survives a failing check', () => {
    const results = runSpotChecks(
      [
        check({ id: 'b', quantity: 'monthly_usd', query: { model: 'any' }, equals: 25.2 }),
        check({ id: 'a', quantity: 'eta', query: { model: 'ghost' }, min: 0 }),
      ],
      predict,
    );
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['b', 'pass'],
      ['a', 'error'],
    ]);
  });
});
