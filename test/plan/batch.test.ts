import { describe, expect, it } from 'vitest';
import { columnKey, mapColumns, scoreBatch } from '../../pipeline/plan/batch.ts';
import { parseBatchCsv, parseBatchJson } from '../../pipeline/plan/batch-input.ts';
import type { Predictor, RawQuery } from '../../pipeline/predict.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { fixture } from '../fixtures/artifact/load.ts';

const { predictor } = fixture();

/** The fixture predictor with `resolve` and `predict` calls counted. */
function counting(): { predictor: Predictor; resolves: RawQuery[]; predicts: number } {
  const log = { resolves: [] as RawQuery[], predicts: 0 };
  const wrapped: Predictor = {
    ...predictor,
    resolve: (raw) => {
      log.resolves.push(raw);
      return predictor.resolve(raw);
    },
    predict: (q) => {
      log.predicts++;
      return predictor.predict(q);
    },
  };
  return {
    predictor: wrapped,
    get resolves() {
      return log.resolves;
    },
    get predicts() {
      return log.predicts;
    },
  };
}

describe('columnKey', () => {
  it('columnKey(name) ignores case, spaces, dashes and underscores', () => {
    for (const n of ['request_rate', 'request-rate', 'Request Rate', 'requestRate'])
      expect(columnKey(n)).toBe('requestrate');
  });
});

describe('mapColumns', () => {
  it('mapColumns(columns) maps flag and column spellings and leaves other columns alone', () => {
    const m = mapColumns(['id', 'Model', 'request-rate', 'hardware', 'note'], 'in.csv');
    expect([...m]).toEqual([
      ['Model', 'model'],
      ['request-rate', 'request_rate'],
      ['hardware', 'gpu'],
    ]);
  });

  it('mapColumns(columns) refuses two columns for one field and a file without a model column', () => {
    expect(() => mapColumns(['model', 'request_rate', 'request-rate'], 'in.csv')).toThrow(
      /columns 'request_rate' and 'request-rate' both give request_rate/,
    );
    expect(() => mapColumns(['quant'], 'in.csv')).toThrow(PipelineError);
  });
});

describe('scoreBatch', () => {
  const csv = [
    'id,model,quant,backend,gpu,context,concurrency,request-rate',
    'a,Llama-3.2-3B-Instruct,Q4_K_M,ollama,,,,',
    'b,llama3.2-1b,Q8_0,vllm,RTX 4090 24GB,4096,2,1.5',
    'c,lama-9z,Q4_K_M,ollama,,,,',
    'd,llama3.2-1b,Q4_K_M,ollama,,abc,,',
    'e,llama3.2-1b,Q4_K_M,ollama,,2048,0,',
    'f,llama3.2-1b,Q4_K_M',
    'g,,Q4_K_M,ollama,,,,',
    'h,llama3.2-1b,Q9_X,ollama,,,,',
    'i,llama3.2-1b,Q4_K_M,ollama,,1e3,,-1',
  ].join('\n');

  it('scoreBatch(predictor, input) gives error entries with lines for bad rows and predicts the rest', () => {
    const r = scoreBatch(predictor, parseBatchCsv(csv, 'in.csv'), 'in.csv');
    expect(r.entries.map((e) => [e.line, e.error?.code ?? 'ok'])).toEqual([
      [2, 'ok'],
      [3, 'ok'],
      [4, 'unknown_name'],
      [5, 'bad_number'],
      [6, 'bad_number'],
      [7, 'ragged_row'],
      [8, 'missing_field'],
      [9, 'unknown_name'],
      [10, 'bad_number'],
    ]);
    expect(r.ok).toBe(2);
    expect(r.errors).toBe(7);
    expect(r.entries[2]!.error!.message).toMatch(/^unknown model 'lama-9z'; nearest known: .*llama3\.2-3b/);
    expect(r.entries[3]!.error!.message).toBe("context 'abc' is not a number");
    expect(r.entries[4]!.error!.message).toBe('concurrency must be an integer ≥ 1, got 0');
    expect(r.entries[8]!.error!.message).toBe('request_rate must be a number ≥ 0, got -1');
    // The row's own columns are kept as read.
    expect(r.entries[0]!.input.id).toBe('a');
    expect(r.entries[0]!.input.model).toBe('Llama-3.2-3B-Instruct');
  });

  it('scoreBatch(predictor, input) gives each row the numbers of a single predict call', () => {
    const r = scoreBatch(predictor, parseBatchCsv(csv, 'in.csv'), 'in.csv');
    const single = predictor.predict(
      predictor.resolve({
        model: 'llama3.2-1b',
        quant: 'Q8_0',
        backend: 'vllm',
        gpu: 'rtx-4090',
        context: 4096,
        concurrency: 2,
        requestRate: 1.5,
      }),
    );
    expect(r.entries[1]!.prediction).toEqual(single);
    const defaults = predictor.predict(
      predictor.resolve({ model: 'llama3.2-3b', quant: 'Q4_K_M', backend: 'ollama' }),
    );
    expect(r.entries[0]!.prediction).toEqual(defaults);
  });

  it('scoreBatch(predictor, input) resolves each distinct name tuple once and predicts each distinct query once', () => {
    const rows = ['model,quant,backend,context'];
    for (let i = 0; i < 60; i++)
      rows.push(`${['phi-2', 'llama3.2-1b', 'nope'][i % 3]},Q4_K_M,ollama,${i % 2 ? 2048 : 4096}`);
    const c = counting();
    const r = scoreBatch(c.predictor, parseBatchCsv(rows.join('\n'), 'in.csv'), 'in.csv');
    expect(r.ok).toBe(40);
    expect(c.resolves.length).toBe(3);
    expect(c.predicts).toBe(4);
  });

  it('scoreBatch(predictor, input) accepts JSON numbers and strings alike', () => {
    const json =
      '[{"model": "phi-2", "quant": "FP16", "context": 4096, "request_rate": "0.5"}, {"model": 12}, {"model": "phi-2", "context": true}]';
    const r = scoreBatch(predictor, parseBatchJson(json, 'in.json'), 'in.json');
    expect(r.entries[0]!.prediction!.query).toMatchObject({
      model: 'phi-2',
      context: 4096,
      request_rate: 0.5,
    });
    expect(r.entries[1]!.error!.code).toBe('unknown_name');
    expect(r.entries[2]!.error).toEqual({ code: 'bad_number', message: "context 'true' is not a number" });
  });
});
