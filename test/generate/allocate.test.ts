import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  allocateRecords,
  MIN_ROWS_PER_CATEGORY,
  TR133_RECORD_COUNTS,
} from '../../pipeline/generate/allocate.ts';
import { CATEGORIES } from '../../pipeline/records.ts';

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((s, n) => s + n, 0);

describe('allocateRecords', () => {
  it('allocateRecords(19676) keeps the TR133 §2.2 counts except the scaling floor', () => {
    const counts = allocateRecords(19676);
    expect(total(counts)).toBe(19676);
    expect(counts.scaling).toBe(MIN_ROWS_PER_CATEGORY.scaling);
    // The 12 rows lifted onto scaling come from the largest category.
    expect(counts.throughput).toBe(TR133_RECORD_COUNTS.throughput - (MIN_ROWS_PER_CATEGORY.scaling - 12));
    expect(counts.latency).toBe(TR133_RECORD_COUNTS.latency);
    expect(counts.vram).toBe(TR133_RECORD_COUNTS.vram);
    expect(counts.cost).toBe(TR133_RECORD_COUNTS.cost);
    expect(counts.quality).toBe(TR133_RECORD_COUNTS.quality);
  });

  it('allocateRecords(2_000_000) gives throughput and latency most rows, in TR133 proportion', () => {
    const counts = allocateRecords(2_000_000);
    expect(counts.throughput / 2_000_000).toBeCloseTo(10815 / 19676, 4);
    expect(counts.latency / 2_000_000).toBeCloseTo(7877 / 19676, 4);
    expect(counts.throughput + counts.latency).toBeGreaterThan(0.94 * 2_000_000);
  });

  it('allocateRecords(100) is proportional without floors below their sum', () => {
    const counts = allocateRecords(100);
    expect(total(counts)).toBe(100);
    expect(counts).toEqual({ throughput: 55, vram: 3, quality: 0, latency: 40, cost: 2, scaling: 0 });
  });

  it('allocateRecords(214) gives every category exactly its floor', () => {
    expect(allocateRecords(214)).toEqual(MIN_ROWS_PER_CATEGORY);
  });
});

describe('allocateRecords (properties)', () => {
  test.prop([fc.integer({ min: 1, max: 50_000_000 })])(
    'allocateRecords(n) sums to n with no negative count',
    (n) => {
      const counts = allocateRecords(n);
      expect(total(counts)).toBe(n);
      for (const c of CATEGORIES) expect(counts[c]).toBeGreaterThanOrEqual(0);
    },
  );

  test.prop([fc.integer({ min: 214, max: 50_000_000 })])(
    'allocateRecords(n ≥ 214) meets every floor',
    (n) => {
      const counts = allocateRecords(n);
      for (const c of CATEGORIES) expect(counts[c]).toBeGreaterThanOrEqual(MIN_ROWS_PER_CATEGORY[c]);
    },
  );
});
