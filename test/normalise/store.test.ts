import { describe, expect, it } from 'vitest';
import { assignIds } from '../../pipeline/normalise/ids.ts';
import { HASH_BYTES, PendingStore, type RowConfig } from '../../pipeline/normalise/store.ts';

function config(model: string): RowConfig {
  const base = {
    category: 'quality' as const,
    source: 'q.csv',
    model,
    modelKnown: true,
    quant: 'FP16',
    backend: 'ollama',
    gpu: 'rtx-4090',
    gpuKnown: true,
    metric: 'score',
  };
  return { ...base, words: [1, 2, 3, model.length] };
}

function fill(store: PendingStore, rows: number, from = 0): void {
  store.configs.push(config(`m${from}`));
  const cfg = store.configs.length - 1;
  for (let i = from; i < from + rows; i++) store.push(cfg, i + 2, [1, i / 10], i % 7 === 0 ? `id${i}` : null);
}

describe('PendingStore', () => {
  it('grows past its first capacity and keeps every column of every row', () => {
    const store = new PendingStore();
    fill(store, 3000);
    expect(store.n).toBe(3000);
    expect(store.line[2999]).toBe(3001);
    expect(store.values[1]![2999]).toBeCloseTo(299.9);
    expect(Number.isNaN(store.values[4]![2999]!)).toBe(true);
    // Rows differ in their numbers, so their content hashes differ.
    expect(store.hash.subarray(0, HASH_BYTES)).not.toEqual(store.hash.subarray(HASH_BYTES, 2 * HASH_BYTES));
    expect(store.explicit.get(2996)).toBe('id2996');
  });

  it('truncate forgets the rows after the mark, explicit ids included', () => {
    const store = new PendingStore();
    fill(store, 30);
    store.truncate(10);
    expect(store.n).toBe(10);
    expect([...store.explicit.keys()]).toEqual([0, 7]);
  });

  it('detach + absorb move rows to another store with their configurations renumbered', () => {
    const worker = new PendingStore();
    fill(worker, 50, 100);
    const main = new PendingStore();
    fill(main, 20);
    const part = worker.detach();
    expect(worker.n).toBe(0);
    expect(PendingStore.transferables(part)).toHaveLength(3 + 5);
    main.absorb(part);
    expect(main.n).toBe(70);
    expect(main.configs.map((c) => c.model)).toEqual(['m0', 'm100']);
    expect(main.config[20]).toBe(1);
    expect(main.line[20]).toBe(102);
    expect(main.hash.subarray(20 * HASH_BYTES, 21 * HASH_BYTES)).toEqual(part.hash.subarray(0, HASH_BYTES));
    expect(main.explicit.get(25)).toBe('id105');
    expect(main.explicit.get(0)).toBe('id0');
  });

  it('rows of two categories whose content hashes collide each keep their own category', () => {
    const store = new PendingStore();
    store.configs.push(config('a'), { ...config('b'), category: 'vram' });
    store.push(0, 2, [1, 0.5], null);
    store.push(1, 3, [1, 4, 2048, 1], null);
    // A crafted collision: the second row's hash made equal to the first's.
    store.hash.copyWithin(HASH_BYTES, 0, HASH_BYTES);
    const records = assignIds(store, 12, []);
    expect(records.quality.map((r) => r.line)).toEqual([2]);
    expect(records.vram.map((r) => r.line)).toEqual([3]);
    expect(records.vram[0]!.id).toBe(`${records.quality[0]!.id}#2`);
  });
});
