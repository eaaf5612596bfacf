import { describe, expect, it } from 'vitest';
import { createRng, shuffled } from '../../pipeline/math/rng.ts';
import type { AnyRecord, RecordSet, ScalingRecord } from '../../pipeline/records.ts';
import {
  configKey,
  DEFAULT_SPLIT_OPTIONS,
  splitAll,
  splitsToJson,
  stratifiedSplit,
  subsample,
} from '../../pipeline/split/index.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { tpRecord } from './fixtures.ts';

const ids = (rs: readonly AnyRecord[]) => rs.map((r) => r.id);

describe('stratifiedSplit', () => {
  it('stratifiedSplit(10 records, 0.2) holds out 2 and returns both sides sorted by id', () => {
    const records = Array.from({ length: 10 }, (_, i) => tpRecord(i));
    const { train, test } = stratifiedSplit(records, { seed: '42' });
    expect(test).toHaveLength(2);
    expect(train).toHaveLength(8);
    expect([...ids(train)].sort()).toEqual(ids(train));
    expect([...ids(test)].sort()).toEqual(ids(test));
  });

  it('stratifiedSplit shuffles sorted units with createRng(seed|category|stratum) and takes the first for test', () => {
    const records = Array.from({ length: 12 }, (_, i) => tpRecord(i));
    const { test } = stratifiedSplit([...records].reverse(), { seed: '42' });
    const order = shuffled(ids(records).sort(), createRng('42|throughput|llama3.2-1b|ollama'));
    expect(ids(test)).toEqual(order.slice(0, 2).sort());
  });

  it('stratifiedSplit keeps a one-record stratum entirely in train', () => {
    const records = [...Array.from({ length: 5 }, (_, i) => tpRecord(i)), tpRecord(99, 'phi-2')];
    const { train, test } = stratifiedSplit(records, { seed: '1' });
    expect(ids(train)).toContain('r00099');
    expect(ids(test)).not.toContain('r00099');
  });

  it('stratifiedSplit never sends every unit of a stratum to test', () => {
    const records = Array.from({ length: 3 }, (_, i) => tpRecord(i));
    const { train, test } = stratifiedSplit(records, { seed: '1', testFraction: 0.9 });
    expect(test).toHaveLength(2); // round(2.7) = 3, capped at n − 1
    expect(train).toHaveLength(1);
  });

  it('stratifiedSplit rounds half up: 2 units at 0.25 → 1 test unit', () => {
    const { test } = stratifiedSplit([tpRecord(0), tpRecord(1)], { seed: '1', testFraction: 0.25 });
    expect(test).toHaveLength(1);
  });

  it('stratifiedSplit stratifies by model and backend by default', () => {
    const records = [
      ...Array.from({ length: 5 }, (_, i) => tpRecord(i, 'llama3.2-1b', 'ollama')),
      ...Array.from({ length: 5 }, (_, i) => tpRecord(10 + i, 'llama3.2-1b', 'vllm')),
    ];
    const { test } = stratifiedSplit(records, { seed: '3' });
    expect(test.filter((r) => r.backend === 'ollama')).toHaveLength(1);
    expect(test.filter((r) => r.backend === 'vllm')).toHaveLength(1);
  });

  it("stratifiedSplit(unit 'config') keeps every run of a configuration on one side", () => {
    const records = [0, 1, 2, 3, 4].flatMap((c) =>
      [0, 1, 2].map((k) => tpRecord(c * 10 + k, 'llama3.2-1b', 'ollama', 'FP16', 512 * (c + 1))),
    );
    const { train, test } = stratifiedSplit(records, { seed: '5', unit: 'config' });
    expect(test).toHaveLength(3); // one of five configurations
    expect(new Set(test.map((r) => r.contextLength)).size).toBe(1);
    const trainCtx = new Set(train.map((r) => r.contextLength));
    expect(trainCtx.has(test[0]!.contextLength)).toBe(false);
  });

  it('stratifiedSplit(empty) is empty', () => {
    expect(stratifiedSplit([], { seed: '1' })).toEqual({ train: [], test: [] });
  });

  it('stratifiedSplit rejects bad options with a PipelineError naming them', () => {
    expect(() => stratifiedSplit([], { seed: '' })).toThrow(PipelineError);
    expect(() => stratifiedSplit([], { seed: '1', testFraction: 1 })).toThrow(/test_fraction/);
    expect(() => stratifiedSplit([], { seed: '1', stratify: [] })).toThrow(/stratify/);
  });

  it('DEFAULT_SPLIT_OPTIONS matches the documented defaults and the config defaults', () => {
    expect(DEFAULT_SPLIT_OPTIONS).toEqual({
      unit: 'record',
      testFraction: 0.2,
      stratify: ['model', 'backend'],
    });
  });
});

describe('configKey', () => {
  it('configKey combines identity with the category setting', () => {
    expect(configKey(tpRecord(1, 'm', 'b', 'Q4_0', 2048, 4))).toBe('m|b|Q4_0|rtx-4080-laptop|2048|4');
    expect(configKey(tpRecord(1, 'm', 'b', 'Q4_0', null, 1))).toBe('m|b|Q4_0|rtx-4080-laptop||1');
    const s: ScalingRecord = {
      ...tpRecord(1),
      category: 'scaling',
      nAgents: 8,
      eta: 0.5,
      perAgentTps: null,
      totalTps: null,
    } as ScalingRecord;
    expect(configKey(s)).toBe('llama3.2-1b|ollama|FP16|rtx-4080-laptop|8');
  });
});

describe('splitAll / splitsToJson', () => {
  const set: RecordSet = {
    throughput: Array.from({ length: 10 }, (_, i) => tpRecord(i)),
    vram: [],
    quality: [],
    latency: [],
    cost: [],
    scaling: [],
  };

  it('splitAll splits every category with one seed and unit', () => {
    const s = splitAll(set, { seed: '42', unit: 'config' });
    expect(s.seed).toBe('42');
    expect(s.unit).toBe('config');
    expect(s.throughput.train.length + s.throughput.test.length).toBe(10);
    expect(s.vram).toEqual({ train: [], test: [] });
  });

  it('splitsToJson lists sorted ids per side for all six categories', () => {
    const json = splitsToJson(splitAll(set, { seed: '42' }));
    expect(Object.keys(json.categories)).toEqual([
      'throughput',
      'vram',
      'quality',
      'latency',
      'cost',
      'scaling',
    ]);
    expect(json.seed).toBe('42');
    expect(json.unit).toBe('record');
    const { train, test } = json.categories.throughput;
    expect([...train, ...test].sort()).toEqual(ids(set.throughput));
    expect([...train].sort()).toEqual(train);
    expect(json.categories.cost).toEqual({ train: [], test: [] });
  });
});

describe('subsample', () => {
  const many = Array.from({ length: 50 }, (_, i) => tpRecord(i, `m${i % 3}`, 'b', 'Q4_0', 2048, 1));
  const set = { throughput: many, vram: [], quality: [], latency: [], cost: [], scaling: [] };

  it('subsample(set, k, seed) keeps k of a larger category, in input order, and small ones whole', () => {
    const s = subsample(set, 20, 'x');
    expect(s.throughput).toHaveLength(20);
    const positions = s.throughput.map((r) => many.indexOf(r));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(positions).size).toBe(20);
    expect(subsample(set, 50, 'x').throughput).toBe(many);
  });

  it('subsample is deterministic per seed and memoised per (set, size, seed)', () => {
    expect(subsample(set, 20, 'x')).toBe(subsample(set, 20, 'x'));
    const other = { ...set };
    expect(subsample(other, 20, 'x').throughput).toEqual(subsample(set, 20, 'x').throughput);
    expect(subsample(set, 20, 'y').throughput).not.toEqual(subsample(set, 20, 'x').throughput);
  });

  it('subsample rejects a size that is not a positive whole number', () => {
    expect(() => subsample(set, 0, 'x')).toThrow(/positive whole number/);
    expect(() => subsample(set, 2.5, 'x')).toThrow(/positive whole number/);
  });
});
