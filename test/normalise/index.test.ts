import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNormaliser,
  DEFAULT_NORMALISE_OPTIONS,
  normalise,
  UNKNOWN_GPU,
  UNKNOWN_QUANT,
} from '../../pipeline/normalise/index.ts';
import type { AnyRecord, Category, FieldValue, IngestedRow, RecordSet } from '../../pipeline/records.ts';
import { CATEGORIES } from '../../pipeline/records.ts';
import { createResolver, parseRegistry } from '../../pipeline/registry.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'data', 'registry');
const read = (f: string) => readFileSync(join(FIXTURE, `${f}.csv`), 'utf8');
const resolver = createResolver(
  parseRegistry({
    models: read('models'),
    quants: read('quants'),
    gpus: read('gpus'),
    backends: read('backends'),
    tags: read('tags'),
  }),
);

const GPU = 'NVIDIA GeForce RTX 4080 Laptop GPU';

function row(
  category: Category,
  fields: Record<string, FieldValue>,
  source = 'a.csv',
  line = 2,
): IngestedRow {
  const base: Record<string, FieldValue> = {
    id: null,
    model: 'llama3.2-1b',
    model_tag: null,
    quant: 'FP16',
    backend: 'ollama',
    gpu: GPU,
    n: null,
    metric: null,
  };
  return Object.freeze({ category, source, line, fields: Object.freeze({ ...base, ...fields }) });
}

const tp = (tok: number, extra: Record<string, FieldValue> = {}, source = 'a.csv', line = 2) =>
  row('throughput', { tok_per_s: tok, n_agents: 1, context_length: null, ...extra }, source, line);

const all = (set: RecordSet): AnyRecord[] => CATEGORIES.flatMap((c) => set[c] as readonly AnyRecord[]);

describe('normalise', () => {
  it('normalise(rows) gives typed records with canonical names', () => {
    const { records, issues } = normalise(
      [
        tp(150.5, {
          model: 'Llama-3.2-1B-Instruct',
          quant: 'q8_0',
          backend: 'Ollama',
          n: 5,
          metric: 'decode_tok_s',
        }),
        row('vram', {
          model: 'llama-3.2-3b',
          backend: 'gpu',
          vram_gb: 8.93,
          context_length: 2048,
          batch: null,
        }),
        row('scaling', { backend: 'vllm', n_agents: 8, eta: 0.46, per_agent_tps: 69.9, total_tps: null }),
      ],
      resolver,
    );
    expect(issues).toEqual([]);
    expect(records.throughput).toEqual([
      expect.objectContaining({
        category: 'throughput',
        model: 'llama3.2-1b',
        modelKnown: true,
        quant: 'Q8_0',
        backend: 'ollama',
        gpu: 'rtx-4080-laptop',
        gpuKnown: true,
        weight: 5,
        tokPerS: 150.5,
        nAgents: 1,
        contextLength: null,
        metric: 'decode_tok_s',
      }),
    ]);
    expect(records.vram[0]).toMatchObject({
      model: 'llama3.2-3b',
      backend: 'transformers-gpu',
      vramGb: 8.93,
      batch: 1,
    });
    expect(records.scaling[0]).toMatchObject({
      nAgents: 8,
      eta: 0.46,
      perAgentTps: 69.9,
      totalTps: null,
      weight: 1,
    });
  });

  it('normalise builds every category record type', () => {
    const { records } = normalise(
      [
        row('quality', { score: 0.5, metric: 'Key Avg' }),
        row('latency', { ms: 857.9, concurrency: null, arrival_rate: 0.5 }),
        row('cost', { usd_per_1m: 0.05, tok_per_s: 185.2, hourly_rate: null }),
      ],
      resolver,
    );
    expect(records.quality[0]).toMatchObject({ score: 0.5, metric: 'Key Avg' });
    expect(records.latency[0]).toMatchObject({ ms: 857.9, concurrency: 1, arrivalRate: 0.5, metric: 'ms' });
    expect(records.cost[0]).toMatchObject({
      usdPer1M: 0.05,
      tokPerS: 185.2,
      hourlyRate: null,
      metric: 'usd_per_1m',
    });
  });

  it('normalise keeps unknown model, quant, backend and GPU rows with one warning each', () => {
    const { records, issues } = normalise(
      [
        tp(
          50,
          { model: 'Mystery-13B-Instruct', quant: 'q4_k_xl', backend: 'myserve', gpu: 'RTX 9999' },
          'x.csv',
          7,
        ),
      ],
      resolver,
    );
    expect(records.throughput).toHaveLength(1);
    expect(records.throughput[0]).toMatchObject({
      model: 'mystery-13b',
      modelKnown: false,
      quant: 'q4_k_xl',
      backend: 'myserve',
      gpu: 'rtx-9999',
      gpuKnown: false,
    });
    expect(issues.map((i) => [i.code, i.severity, i.source, i.line])).toEqual([
      ['unknown_model', 'warn', 'x.csv', 7],
      ['unknown_quant', 'warn', 'x.csv', 7],
      ['unknown_backend', 'warn', 'x.csv', 7],
      ['unknown_gpu', 'warn', 'x.csv', 7],
    ]);
  });

  it('normalise names the nearest known ids in an unknown-name warning', () => {
    const { issues } = normalise([tp(50, { backend: 'vlm' })], resolver);
    expect(issues[0]!.message).toContain('nearest: vllm');
  });

  it('normalise takes the quant from the model name when the quant column is empty', () => {
    const { records } = normalise([tp(160, { model: 'llama3.2:1b-instruct-q4_K_M', quant: null })], resolver);
    expect(records.throughput[0]).toMatchObject({ model: 'llama3.2-1b', quant: 'Q4_K_M' });
  });

  it('normalise takes the quant from the Ollama tag (tags.csv) when column and name have none', () => {
    const { records, issues } = normalise(
      [tp(95.9, { model: 'llama3.2-3b', model_tag: 'llama3.2:3b', quant: null })],
      resolver,
    );
    expect(records.throughput[0]!.quant).toBe('Q4_K_M');
    expect(issues).toEqual([]);
  });

  it('normalise prefers the quant column over the name and the tag', () => {
    const { records } = normalise(
      [tp(1, { model: 'llama3.2:1b', model_tag: 'llama3.2:1b', quant: 'Q4_0' })],
      resolver,
    );
    expect(records.throughput[0]!.quant).toBe('Q4_0');
  });

  it('normalise marks a quant stated nowhere as unknown with a warning', () => {
    const { records, issues } = normalise(
      [tp(9, { backend: 'cpu', quant: null }), tp(8, { quant: null, model_tag: 'x:1b' })],
      resolver,
    );
    expect(records.throughput.map((r) => r.quant)).toEqual([UNKNOWN_QUANT, UNKNOWN_QUANT]);
    expect(issues.map((i) => i.message).sort()).toEqual([
      'quant not stated',
      "quant not stated and tag 'x:1b' is not in the tag table",
    ]);
  });

  it('normalise marks a missing GPU as unknown with a warning', () => {
    const { records, issues } = normalise([tp(9, { gpu: null })], resolver);
    expect(records.throughput[0]).toMatchObject({ gpu: UNKNOWN_GPU, gpuKnown: false });
    expect(issues.map((i) => i.code)).toEqual(['unknown_gpu']);
  });

  it('normalise rejects names with control characters or no letters and digits (bad_name)', () => {
    const { records, issues } = normalise(
      [tp(1, { model: 'llama\u0000' }, 'b.csv', 3), tp(1, { backend: '---' }, 'b.csv', 4)],
      resolver,
    );
    expect(records.throughput).toEqual([]);
    expect(issues.map((i) => [i.code, i.severity, i.line])).toEqual([
      ['bad_name', 'reject', 3],
      ['bad_name', 'reject', 4],
    ]);
  });

  it('normalise gives the same ids whatever the row and source order', () => {
    const rows = [
      tp(150, {}, 'a.csv', 2),
      tp(151, {}, 'a.csv', 3),
      tp(150, { model: 'llama-3.2-1b' }, 'b.csv', 9), // same measurement, other spelling and file
      row('quality', { score: 0.5 }, 'q.csv', 2),
    ];
    const forward = normalise(rows, resolver).records;
    const backward = normalise([...rows].reverse(), resolver).records;
    const moved = normalise(
      rows.map((r, i) => ({ ...r, source: `other-${i}.csv`, line: 100 - i })),
      resolver,
    ).records;
    const ids = (s: RecordSet) => all(s).map((r) => r.id);
    expect(ids(backward)).toEqual(ids(forward));
    expect(ids(moved)).toEqual(ids(forward));
  });

  it('normalise gives exact duplicates #2, #3 after the first, ordered by source and line', () => {
    const { records } = normalise(
      [tp(150, {}, 'b.csv', 5), tp(150, {}, 'a.csv', 9), tp(150, {}, 'a.csv', 2)],
      resolver,
    );
    const ids = records.throughput.map((r) => [r.id, r.source, r.line]);
    const base = String(ids[0]![0]);
    expect(base).toMatch(/^[0-9a-f]{12}$/);
    expect(ids).toEqual([
      [base, 'a.csv', 2],
      [`${base}#2`, 'a.csv', 9],
      [`${base}#3`, 'b.csv', 5],
    ]);
  });

  it('normalise makes ids of idLength hex digits and sorts each category by id', () => {
    const rows = [150, 120, 90, 60].map((t, i) => tp(t, {}, 'a.csv', i + 2));
    const { records } = normalise(rows, resolver, { idLength: 16 });
    const ids = records.throughput.map((r) => r.id);
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(DEFAULT_NORMALISE_OPTIONS.idLength).toBe(12);
    expect(() => normalise(rows, resolver, { idLength: 3 })).toThrow(/idLength/);
  });

  it('normalise uses an explicit id and rejects a repeated one as duplicate_id', () => {
    const rows = [
      tp(1, { id: 'run-1' }, 'a.csv', 2),
      tp(2, { id: 'run-1' }, 'a.csv', 3),
      tp(3, { id: 'run-2' }, 'a.csv', 4),
    ];
    const first = normalise(rows, resolver);
    const second = normalise([...rows].reverse(), resolver);
    expect(first.records.throughput.map((r) => r.id)).toEqual(['run-1', 'run-2']);
    expect(first.issues.map((i) => i.code)).toEqual(['duplicate_id']);
    expect(first.issues[0]!.message).toContain('run-1');
    // The kept row does not depend on input order.
    expect(second.records.throughput).toEqual(first.records.throughput);
  });

  it('normalise leaves its input untouched', () => {
    const rows = Object.freeze([tp(1), tp(2)]);
    expect(() => normalise(rows, resolver)).not.toThrow();
    expect(rows[0]!.fields.model).toBe('llama3.2-1b');
  });
});

describe('normalise: many exact duplicates', () => {
  it('normalise numbers twelve identical rows #2…#12 and returns them in id (text) order', () => {
    const rows = Array.from({ length: 12 }, (_, i) => row('throughput', { tok_per_s: 10 }, 'a.csv', i + 2));
    const { records } = normalise(rows, resolver);
    const ids = records.throughput.map((r) => r.id);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.filter((id) => id.includes('#')).sort()).toEqual(
      Array.from({ length: 11 }, (_, i) => `${ids[0]}#${i + 2}`).sort(),
    );
  });
});

describe('createNormaliser', () => {
  it('rollback(mark) takes back the records and issues of every row added after the mark', () => {
    const n = createNormaliser(resolver);
    n.add(row('throughput', { tok_per_s: 10 }, 'a.csv', 2));
    const mark = n.mark();
    n.add(row('throughput', { tok_per_s: 11, model: 'no-such-model' }, 'b.csv', 2));
    n.add(row('throughput', { tok_per_s: 12, model: '' }, 'b.csv', 3));
    n.rollback(mark);
    n.add(row('throughput', { tok_per_s: 13 }, 'c.csv', 2));
    const { records, issues } = n.finish();
    expect(records.throughput.map((r) => r.tokPerS).sort()).toEqual([10, 13]);
    expect(issues).toEqual([]);
  });

  it('normalise(rows) equals adding the rows one by one to a normaliser', () => {
    const rows = [
      row('throughput', { tok_per_s: 10 }, 'a.csv', 2),
      row('throughput', { tok_per_s: 10 }, 'a.csv', 3),
      row('vram', { vram_gb: 3, context_length: 2048 }, 'v.csv', 2),
      row('throughput', { tok_per_s: 5, model: 'mystery-model' }, 'a.csv', 4),
    ];
    const n = createNormaliser(resolver);
    for (const r of rows) n.add(r);
    expect(n.finish()).toEqual(normalise(rows, resolver));
  });

  it('a normaliser takes new rows after detach, with the names it has seen before still right', () => {
    const n = createNormaliser(resolver);
    n.add(row('throughput', { tok_per_s: 10 }, 'a.csv', 2));
    const part = n.detach();
    expect(part.rows.n).toBe(1);
    n.add(row('throughput', { tok_per_s: 11, model: 'qwen2.5-1.5b', backend: 'vllm' }, 'a.csv', 3));
    n.add(row('throughput', { tok_per_s: 12 }, 'a.csv', 4));
    const { records } = n.finish();
    const byTok = Object.fromEntries(records.throughput.map((r) => [r.tokPerS, [r.model, r.backend]]));
    expect(byTok).toEqual({ 11: ['qwen2.5-1.5b', 'vllm'], 12: ['llama3.2-1b', 'ollama'] });
  });
});
