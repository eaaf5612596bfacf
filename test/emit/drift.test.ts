import { describe, expect, it } from 'vitest';
import {
  compareArtifacts,
  comparePoints,
  flattenNumbers,
  relativeChange,
} from '../../pipeline/emit/drift.ts';
import { referenceSections } from './sample.ts';

describe('flattenNumbers', () => {
  it('flattenNumbers(value) lists numeric leaves as JSON Pointers, skipping booleans and strings', () => {
    const flat = flattenNumbers({
      vram: { overhead_factor: 1.058, fitted: true, note: 'x', list: [1, 2] },
      'a/b~c': 3,
    });
    expect([...flat.entries()]).toEqual([
      ['/a~1b~0c', 3],
      ['/vram/list/0', 1],
      ['/vram/list/1', 2],
      ['/vram/overhead_factor', 1.058],
    ]);
  });

  it('flattenNumbers(value) keeps composite keys with dots and pipes intact', () => {
    const flat = flattenNumbers({ lookup: { 'llama3.2-1b|ollama|FP16': 146.3 } });
    expect(flat.get('/lookup/llama3.2-1b|ollama|FP16')).toBe(146.3);
  });
});

describe('relativeChange', () => {
  it('relativeChange(old, new) divides by |old| and handles zero', () => {
    expect(relativeChange(100, 110)).toBeCloseTo(0.1, 12);
    expect(relativeChange(-2, -1)).toBeCloseTo(0.5, 12);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(0, 1)).toBeNull();
  });
});

describe('compareArtifacts', () => {
  it('compareArtifacts(a, a) finds no drift on the reference coefficients', () => {
    const ref = referenceSections();
    const d = compareArtifacts(ref, structuredClone(ref), { threshold: 0.1 });
    expect(d.changes.length).toBeGreaterThan(50);
    expect(d.flagged).toEqual([]);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
  });

  it('compareArtifacts(old, new) flags changes above the threshold and lists added and removed keys', () => {
    const old = {
      vram: { act_coeff: 0.01, overhead_factor: 1.0 },
      throughput: { lookup: { 'a|b|c': 100, 'gone|x|y': 5 } },
    };
    const next = {
      vram: { act_coeff: 0.0121, overhead_factor: 1.05 },
      throughput: { lookup: { 'a|b|c': 89, 'new|x|y': 7 } },
    };
    const d = compareArtifacts(old, next, { threshold: 0.1 });
    expect(d.flagged.map((c) => [c.path, c.relChange])).toEqual([
      ['/throughput/lookup/a|b|c', expect.closeTo(-0.11, 10)],
      ['/vram/act_coeff', expect.closeTo(0.21, 10)],
    ]);
    expect(d.changes.find((c) => c.path === '/vram/overhead_factor')).toMatchObject({ flagged: false });
    expect(d.added).toEqual([{ path: '/throughput/lookup/new|x|y', value: 7 }]);
    expect(d.removed).toEqual([{ path: '/throughput/lookup/gone|x|y', value: 5 }]);
  });

  it('compareArtifacts(old, new) only reads the model sections and flags a change away from zero', () => {
    const d = compareArtifacts(
      { seed: 1, cost: { hw_cost_per_hour: 0 } },
      { seed: 2, cost: { hw_cost_per_hour: 0.035 } },
      { threshold: 0.5 },
    );
    expect(d.changes).toEqual([
      { path: '/cost/hw_cost_per_hour', old: 0, new: 0.035, relChange: null, flagged: true },
    ]);
  });

  it('compareArtifacts(old, new, { threshold: -1 }) rejects a negative threshold', () => {
    expect(() => compareArtifacts({}, {}, { threshold: -1 })).toThrow(/threshold/);
  });
});

describe('comparePoints', () => {
  const old = [
    { id: 'a', actual: 100, predicted: 110 }, // 10% → within
    { id: 'b', actual: 100, predicted: 150 }, // 50% → outside
    { id: 'c', actual: 10, predicted: 11 }, // within
    { id: 'd', actual: 0, predicted: 1 },
    { id: 'gone', actual: 1, predicted: 1 },
  ];
  const next = [
    { id: 'a', actual: 100, predicted: 140 }, // 40% → regression
    { id: 'b', actual: 100, predicted: 120 }, // 20% → improvement
    { id: 'c', actual: 10, predicted: 10.5 }, // still within
    { id: 'd', actual: 0, predicted: 2 },
    { id: 'new', actual: 1, predicted: 1 },
  ];

  it('comparePoints(old, new, tolerance) counts regressions and improvements', () => {
    const d = comparePoints(old, next, 0.25);
    expect(d.compared).toBe(3);
    expect(d.regressions.map((r) => r.id)).toEqual(['a']);
    expect(d.regressions[0]).toMatchObject({ oldPredicted: 110, newPredicted: 140 });
    expect(d.regressions[0]!.oldRelError).toBeCloseTo(0.1, 12);
    expect(d.regressions[0]!.newRelError).toBeCloseTo(0.4, 12);
    expect(d.improvements.map((r) => r.id)).toEqual(['b']);
    expect(d.unscorable).toEqual(['d']);
    expect(d.onlyOld).toEqual(['gone']);
    expect(d.onlyNew).toEqual(['new']);
  });

  it('comparePoints(old, new, tolerance) treats an error exactly at the tolerance as within', () => {
    const d = comparePoints(
      [{ id: 'x', actual: 100, predicted: 100 }],
      [{ id: 'x', actual: 100, predicted: 125 }],
      0.25,
    );
    expect(d.regressions).toEqual([]);
  });

  it('comparePoints(old, new, 0) rejects a non-positive tolerance', () => {
    expect(() => comparePoints([], [], 0)).toThrow(/tolerance/);
  });
});
