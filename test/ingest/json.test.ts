import { describe, expect, it } from 'vitest';
import { parseRecordsPath, readJson, readJsonLines } from '../../pipeline/ingest/json.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

const values = (t: ReturnType<typeof readJson>) => t.rows.map((r) => Object.fromEntries(r.values));

describe('readJson', () => {
  it('readJson(array of objects) makes one row per object with scalar values as text', () => {
    const text = '[\n  {"model": "a", "tok": 1.5, "quant": null},\n  {"model": "b", "ok": true}\n]\n';
    const t = readJson(text, 'x.json');
    expect(values(t)).toEqual([
      { model: 'a', tok: '1.5', quant: '' },
      { model: 'b', ok: 'true' },
    ]);
    expect(t.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(t.read).toBe(2);
  });

  it('readJson strips a BOM', () => {
    expect(values(readJson('\uFEFF[{"a":1}]', 'x.json'))).toEqual([{ a: '1' }]);
  });

  it('readJson(not an array) is one unparseable_file issue telling to set records', () => {
    const t = readJson('{"a": 1}', 'o.json');
    expect(t.rows).toEqual([]);
    expect(t.read).toBe(0);
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]).toMatchObject({ code: 'unparseable_file', line: 0, source: 'o.json' });
    expect(t.issues[0]!.message).toContain("set 'records'");
  });

  it('readJson(truncated file) is one unparseable_file issue and no rows', () => {
    const t = readJson('[{"model": "llama3.2-1b", "tok', 'cut.json');
    expect(t.rows).toEqual([]);
    expect(t.issues.map((i) => i.code)).toEqual(['unparseable_file']);
    expect(t.issues[0]!.message).toMatch(/not valid JSON/);
  });

  it('readJson rejects a non-object element at its line and keeps the others', () => {
    const t = readJson('[\n{"a": 1},\n42,\n{"a": 2}\n]', 'm.json');
    expect(values(t)).toEqual([{ a: '1' }, { a: '2' }]);
    expect(t.read).toBe(3);
    expect(t.issues).toEqual([
      expect.objectContaining({ code: 'missing_field', line: 3, severity: 'reject' }),
    ]);
  });

  it('readJson(doc, records template) walks {captures}, stores keys as fields and inherits scalars', () => {
    const doc = {
      efficiency: {
        vllm: {
          eta_unit: 'fraction',
          'llama3.2-1b': {
            baseline_tps: 150.7,
            points: [
              { n_agents: 1, eta: 0.99 },
              { n_agents: 8, eta: 0.46 },
            ],
          },
        },
        ollama: { eta_unit: 'percent', 'qwen2.5-1.5b': { points: [{ n_agents: 2, eta: 72.7 }] } },
      },
    };
    const t = readJson(JSON.stringify(doc, null, 2), 's.json', 'efficiency.{backend}.{model}.points');
    expect(values(t)).toEqual([
      {
        eta_unit: 'fraction',
        baseline_tps: '150.7',
        n_agents: '1',
        eta: '0.99',
        backend: 'vllm',
        model: 'llama3.2-1b',
      },
      {
        eta_unit: 'fraction',
        baseline_tps: '150.7',
        n_agents: '8',
        eta: '0.46',
        backend: 'vllm',
        model: 'llama3.2-1b',
      },
      { eta_unit: 'percent', n_agents: '2', eta: '72.7', backend: 'ollama', model: 'qwen2.5-1.5b' },
    ]);
    expect(t.issues).toEqual([]);
    expect(t.read).toBe(3);
  });

  it('readJson(records template) gives each record the line where its object ends', () => {
    const text = [
      '{"efficiency": {',
      '  "m1": {"points": [',
      '    {"n": 1},',
      '    {"n": 2,',
      '     "x": 3}',
      '  ]}',
      '}}',
    ].join('\n');
    const t = readJson(text, 'l.json', 'efficiency.{model}.points');
    expect(t.rows.map((r) => r.line)).toEqual([3, 5]);
  });

  it('readJson(records template) keeps model keys that contain dots and integer-like keys', () => {
    const t = readJson(
      '{"e": {"2": {"p": [{"a": 1}]}, "qwen2.5-1.5b": {"p": [{"a": 2}]}}}',
      'k.json',
      'e.{model}.p',
    );
    expect(values(t)).toEqual([
      { a: '1', model: '2' },
      { a: '2', model: 'qwen2.5-1.5b' },
    ]);
  });

  it('readJson(records template) warns where a literal key is missing and goes on', () => {
    const t = readJson('{"e": {"a": {"p": [{"x": 1}]}, "b": {"q": []}}}', 'w.json', 'e.{m}.p');
    expect(values(t)).toEqual([{ x: '1', m: 'a' }]);
    expect(t.issues).toEqual([expect.objectContaining({ code: 'missing_field', severity: 'warn' })]);
    expect(t.issues[0]!.message).toContain("no key 'p'");
  });
});

describe('parseRecordsPath', () => {
  it('parseRecordsPath splits literal and {capture} segments', () => {
    expect(parseRecordsPath('efficiency.{backend}.{model}.points')).toEqual([
      { kind: 'key', key: 'efficiency' },
      { kind: 'capture', name: 'backend' },
      { kind: 'capture', name: 'model' },
      { kind: 'key', key: 'points' },
    ]);
  });

  it.each(['a..b', 'a.{b', 'a.{}.c', 'a.{1x}'])('parseRecordsPath(%j) is a config error', (template) => {
    expect(() => parseRecordsPath(template)).toThrow(PipelineError);
  });
});

describe('readJsonLines', () => {
  it('readJsonLines rejects a bad line at its line number and keeps the rest', () => {
    const t = readJsonLines('{"a": 1}\n{oops\n\n{"a": 3}\r\n[1]\n', 'x.jsonl');
    expect(values(t)).toEqual([{ a: '1' }, { a: '3' }]);
    expect(t.rows.map((r) => r.line)).toEqual([1, 4]);
    expect(t.read).toBe(4);
    expect(t.issues.map((i) => [i.code, i.line])).toEqual([
      ['unparseable_file', 2],
      ['missing_field', 5],
    ]);
  });

  it('readJsonLines(empty text) reads nothing', () => {
    expect(readJsonLines('', 'e.jsonl')).toEqual({ header: null, rows: [], issues: [], read: 0 });
  });
});
