import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { ThroughputRecord } from '../../pipeline/records.ts';
import { configKey, stratifiedSplit } from '../../pipeline/split/index.ts';
import { compositeKey } from '../../pipeline/util/keys.ts';
import { tpRecord } from './fixtures.ts';

/** Records over a few models, backends, quants and contexts; ids unique by position. */
const recordsArb = fc
  .array(
    fc.record({
      model: fc.constantFrom('llama3.2-1b', 'llama3.2-3b', 'phi-2'),
      backend: fc.constantFrom('ollama', 'vllm'),
      quant: fc.constantFrom('FP16', 'Q4_K_M'),
      ctx: fc.constantFrom(512, 2048, null),
    }),
    { maxLength: 80 },
  )
  .map((specs) => specs.map((s, i) => tpRecord(i, s.model, s.backend, s.quant, s.ctx)));

const optionsArb = fc.record({
  seed: fc.string({ minLength: 1, maxLength: 8 }),
  testFraction: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  unit: fc.constantFrom('record' as const, 'config' as const),
});

const idsOf = (rs: readonly ThroughputRecord[]) => rs.map((r) => r.id);
const stratum = (r: ThroughputRecord) => compositeKey(r.model, r.backend);

describe('stratifiedSplit properties', () => {
  test.prop([recordsArb, optionsArb])(
    'stratifiedSplit partitions exactly: no loss, no overlap',
    (records, opts) => {
      const { train, test: held } = stratifiedSplit(records, opts);
      const all = [...idsOf(train), ...idsOf(held)].sort();
      expect(all).toEqual(idsOf(records).sort());
      expect(new Set(all).size).toBe(records.length);
    },
  );

  test.prop([recordsArb, optionsArb])(
    'stratifiedSplit keeps at least one training record per stratum',
    (records, opts) => {
      const { train } = stratifiedSplit(records, opts);
      const trained = new Set(train.map(stratum));
      for (const r of records) expect(trained.has(stratum(r))).toBe(true);
    },
  );

  test.prop([
    recordsArb,
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  ])(
    "stratifiedSplit(unit 'record') holds out min(round(f·n), n − 1) records per stratum",
    (records, seed, testFraction) => {
      const { test: held } = stratifiedSplit(records, { seed, testFraction });
      const sizes = new Map<string, number>();
      for (const r of records) sizes.set(stratum(r), (sizes.get(stratum(r)) ?? 0) + 1);
      for (const [key, n] of sizes) {
        const expected = Math.min(Math.round(testFraction * n), n - 1);
        expect(held.filter((r) => stratum(r) === key)).toHaveLength(expected);
      }
    },
  );

  test.prop([
    recordsArb.chain((rs) =>
      fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length })),
    ),
    optionsArb,
  ])('stratifiedSplit does not depend on input order', ([records, permuted], opts) => {
    const a = stratifiedSplit(records, opts);
    const b = stratifiedSplit(permuted, opts);
    expect(idsOf(b.train)).toEqual(idsOf(a.train));
    expect(idsOf(b.test)).toEqual(idsOf(a.test));
  });

  test.prop([
    fc.integer({ min: 40, max: 80 }),
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 8 }))
      .filter(([a, b]) => a !== b),
  ])(
    'stratifiedSplit with another seed holds out other records (40+ records in a stratum)',
    (n, [s1, s2]) => {
      const records = Array.from({ length: n }, (_, i) => tpRecord(i));
      const a = stratifiedSplit(records, { seed: s1 });
      const b = stratifiedSplit(records, { seed: s2 });
      expect(idsOf(a.test)).not.toEqual(idsOf(b.test));
    },
  );

  test.prop([
    recordsArb.chain((rs) => fc.constant([...rs, ...rs.map((r, i) => ({ ...r, id: `dup${i}` }))])),
    fc.string({ minLength: 1, maxLength: 8 }),
  ])("stratifiedSplit(unit 'config') puts all runs of a configuration on the same side", (records, seed) => {
    const { train, test: held } = stratifiedSplit(records, { seed, unit: 'config' });
    const trainKeys = new Set(train.map(configKey));
    for (const r of held) expect(trainKeys.has(configKey(r))).toBe(false);
  });
});
