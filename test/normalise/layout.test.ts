import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  buildRecord,
  contentSegments,
  contentSlots,
  contentText,
  VALUE_FIELDS,
} from '../../pipeline/normalise/layout.ts';
import type { RowConfig } from '../../pipeline/normalise/store.ts';
import { CATEGORIES, type Category } from '../../pipeline/records.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';

/** The content text as `stableStringify` writes the record without id and provenance. */
function reference(record: Record<string, unknown>): string {
  const { id: _id, source: _source, line: _line, ...content } = record;
  return stableStringify(content);
}

function configOf(category: Category, names: Partial<RowConfig> = {}): RowConfig {
  const base = {
    category,
    source: 'a.csv',
    model: 'llama3.2-1b',
    modelKnown: true,
    quant: 'Q4_K_M',
    backend: 'ollama',
    gpu: 'rtx-4090',
    gpuKnown: true,
    metric: 'decode_tok_s',
    ...names,
  };
  return { ...base, segments: contentSegments(base) };
}

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.constant(Number.NaN),
);
const name = fc.string({ maxLength: 12 });

describe('normalise layout', () => {
  it('every category lays out its numeric fields in at most five columns, weight first', () => {
    for (const c of CATEGORIES) {
      expect(VALUE_FIELDS[c][0]).toBe('weight');
      expect(VALUE_FIELDS[c].length).toBeLessThanOrEqual(5);
      expect([...contentSlots(c)].sort()).toEqual(VALUE_FIELDS[c].map((_, i) => i));
    }
  });

  test.prop([
    fc.constantFrom(...CATEGORIES),
    fc.record({ model: name, quant: name, backend: name, gpu: name, metric: name, modelKnown: fc.boolean() }),
    fc.array(value, { minLength: 5, maxLength: 5 }),
  ])(
    'contentText is the stableStringify text of the record built from the same row',
    (category, names, values) => {
      const config = configOf(category, names);
      const [v0, v1, v2, v3, v4] = values as [number, number, number, number, number];
      // Required fields are never null once ingest has checked them; nullable ones may be.
      const record = buildRecord(config, 'x', 7, v0, v1, v2, v3, v4) as unknown as Record<string, unknown>;
      expect(contentText(config.segments, contentSlots(category), values)).toBe(reference(record));
    },
  );

  it('NaN stands for null: nullable fields come back null, and the text says null', () => {
    const config = configOf('throughput');
    const r = buildRecord(config, 'x', 3, 2, 40.5, 1, Number.NaN, Number.NaN);
    expect(r).toMatchObject({
      category: 'throughput',
      weight: 2,
      tokPerS: 40.5,
      nAgents: 1,
      contextLength: null,
    });
    expect(contentText(config.segments, contentSlots('throughput'), [2, 40.5, 1, Number.NaN])).toContain(
      '"contextLength": null',
    );
  });

  it('records of a category carry the metric only where the category has one', () => {
    expect(buildRecord(configOf('vram'), 'x', 1, 1, 2, 3, 4, 5)).not.toHaveProperty('metric');
    expect(buildRecord(configOf('latency'), 'x', 1, 1, 2, 3, 4, 5)).toHaveProperty('metric', 'decode_tok_s');
  });
});
