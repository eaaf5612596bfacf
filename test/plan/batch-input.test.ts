import { describe, expect, it } from 'vitest';
import {
  detectFormat,
  jsonArrayElementLines,
  parseBatchCsv,
  parseBatchJson,
  parseBatchJsonLines,
} from '../../pipeline/plan/batch-input.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

describe('detectFormat', () => {
  it('detectFormat(path, text) uses the extension, else the first character', () => {
    expect(detectFormat('a.CSV', '[')).toBe('csv');
    expect(detectFormat('a.json', 'x')).toBe('json');
    expect(detectFormat('a.jsonl', '[')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '[')).toBe('jsonl');
    expect(detectFormat('a.txt', '\uFEFF  [{}]')).toBe('json');
    expect(detectFormat('a.txt', '{"model": "x"}')).toBe('jsonl');
    expect(detectFormat('a.txt', 'model,quant')).toBe('csv');
  });
});

describe('parseBatchCsv', () => {
  it('parseBatchCsv(text) keeps columns in order, trims values and reports each row at its line', () => {
    const input = parseBatchCsv(
      'model, quant ,note\n\nllama3.2-1b, Q4_K_M ,"a\nb"\nphi-2,FP16,x\n',
      'in.csv',
    );
    expect(input.columns).toEqual(['model', 'quant', 'note']);
    expect(input.rows.map((r) => r.line)).toEqual([4, 5]);
    expect({ ...input.rows[0]!.values }).toEqual({ model: 'llama3.2-1b', quant: 'Q4_K_M', note: 'a\nb' });
    expect(input.rows.every((r) => r.error === null)).toBe(true);
  });

  it('parseBatchCsv(text) turns a ragged row into a row error, not a file error', () => {
    const input = parseBatchCsv('model,quant\nphi-2\nphi-2,FP16,extra\nphi-2,FP16\n', 'in.csv');
    expect(input.rows.map((r) => r.error?.code ?? 'ok')).toEqual(['ragged_row', 'ragged_row', 'ok']);
    expect(input.rows[0]!.error!.message).toBe('1 fields, the header has 2');
  });

  it('parseBatchCsv(text) throws for an unclosed quote, an empty file or a duplicate column', () => {
    expect(() => parseBatchCsv('model\n"phi-2\n', 'in.csv')).toThrow(/in\.csv is not valid CSV/);
    expect(() => parseBatchCsv('', 'in.csv')).toThrow(/empty/);
    expect(() => parseBatchCsv('model,model\nx,y\n', 'in.csv')).toThrow(PipelineError);
  });

  it('parseBatchCsv(text) stores values without a prototype', () => {
    const input = parseBatchCsv('__proto__,model\nx,phi-2\n', 'in.csv');
    expect(Object.getOwnPropertyDescriptor(input.rows[0]!.values, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(input.rows[0]!.values)).toBeNull();
  });
});

describe('jsonArrayElementLines', () => {
  it('jsonArrayElementLines(text) finds where each top-level element starts, skipping strings and nesting', () => {
    const text = '[\n {"a": "[x, {y}]",\n  "b": [1,\n 2]},\n\n {"a": "\\"]"}, 3, [4,\n5]\n]';
    expect(jsonArrayElementLines(text)).toEqual([2, 6, 6, 6]);
    expect(jsonArrayElementLines('[]')).toEqual([]);
  });
});

describe('parseBatchJson', () => {
  it('parseBatchJson(text) reads an array of objects with their lines and the union of keys', () => {
    const input = parseBatchJson(
      '[\n  {"model": "phi-2", "context": 4096},\n  {"model": "x", "gpu": "rtx-4090"},\n  7\n]',
      'in.json',
    );
    expect(input.columns).toEqual(['model', 'context', 'gpu']);
    expect(input.rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(input.rows[0]!.values.context).toBe(4096);
    expect(input.rows[2]!.error).toEqual({
      code: 'not_an_object',
      message: 'row 3 is a number, not an object',
    });
  });

  it('parseBatchJson(text) throws for invalid JSON or a top level that is not an array', () => {
    expect(() => parseBatchJson('[{"model": 1}', 'in.json')).toThrow(/not valid JSON/);
    expect(() => parseBatchJson('{"model": "x"}', 'in.json')).toThrow(/must be a JSON array/);
  });
});

describe('parseBatchJsonLines', () => {
  it('parseBatchJsonLines(text) reads one object per line; a bad line is a row error', () => {
    const input = parseBatchJsonLines(
      '{"model": "phi-2"}\n\n{oops}\n["x"]\n{"model": "x", "quant": "Q8_0"}\n',
      'in.jsonl',
    );
    expect(input.rows.map((r) => [r.line, r.error?.code ?? 'ok'])).toEqual([
      [1, 'ok'],
      [3, 'bad_json'],
      [4, 'not_an_object'],
      [5, 'ok'],
    ]);
    expect(input.columns).toEqual(['model', 'quant']);
  });
});
