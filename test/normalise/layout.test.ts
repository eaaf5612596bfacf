import { describe, expect, it } from 'vitest';
import { buildRecord, configText, VALUE_FIELDS } from '../../pipeline/normalise/layout.ts';
import { CATEGORIES, type Category } from '../../pipeline/records.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';

function configOf(category: Category) {
  return {
    category,
    source: 'a.csv',
    model: 'llama3.2-1b',
    modelKnown: true,
    quant: 'Q4_K_M',
    backend: 'ollama',
    gpu: 'rtx-4090',
    gpuKnown: true,
    metric: 'decode_tok_s',
  };
}

describe('normalise layout', () => {
  it('every category lays out its numeric fields in at most five columns, weight first', () => {
    for (const c of CATEGORIES) {
      expect(VALUE_FIELDS[c][0]).toBe('weight');
      expect(VALUE_FIELDS[c].length).toBeLessThanOrEqual(5);
    }
  });

  it('configText is the content text of a record of the configuration, numbers marked by NUL', () => {
    for (const c of CATEGORIES) {
      const config = configOf(c);
      const record = buildRecord({ ...config, words: [0, 0, 0, 0] }, 'x', 7, 1, 2, 3, 4, 5);
      const {
        id: _id,
        source: _source,
        line: _line,
        ...content
      } = record as unknown as Record<string, unknown>;
      // Every number of the record is one of the value columns; mark each the way configText does.
      const marked = Object.fromEntries(
        Object.entries(content).map(([k, v]) => [k, typeof v === 'number' ? '\u0000' : v]),
      );
      const expected = stableStringify(marked).replaceAll('"\\u0000"', '\u0000');
      expect(configText(config)).toBe(expected);
      expect(
        Object.keys(content)
          .filter((k) => typeof content[k] === 'number')
          .sort(),
      ).toEqual([...VALUE_FIELDS[c]].sort());
    }
  });

  it('NaN stands for null: nullable fields come back null', () => {
    const r = buildRecord(
      { ...configOf('throughput'), words: [0, 0, 0, 0] },
      'x',
      3,
      2,
      40.5,
      1,
      Number.NaN,
      Number.NaN,
    );
    expect(r).toMatchObject({
      category: 'throughput',
      weight: 2,
      tokPerS: 40.5,
      nAgents: 1,
      contextLength: null,
    });
  });

  it('records of a category carry the metric only where the category has one', () => {
    const words = [0, 0, 0, 0];
    expect(buildRecord({ ...configOf('vram'), words }, 'x', 1, 1, 2, 3, 4, 5)).not.toHaveProperty('metric');
    expect(buildRecord({ ...configOf('latency'), words }, 'x', 1, 1, 2, 3, 4, 5)).toHaveProperty(
      'metric',
      'decode_tok_s',
    );
  });
});
