import { describe, expect, it } from 'vitest';
import { matchModelsBySize, parseModelSize, SIZE_TOLERANCE } from '../../pipeline/plan/size.ts';
import type { ModelSpec } from '../../pipeline/records.ts';

function spec(id: string, paramsB: number): ModelSpec {
  return Object.freeze({
    id,
    family: id.split('-')[0]!,
    paramsB,
    activeParamsB: paramsB,
    layers: 24,
    kvHeads: 8,
    headDim: 128,
    attention: 'gqa',
    aliases: [],
  });
}

const MODELS = Object.freeze([
  spec('qwen2.5-0.5b', 0.49),
  spec('llama3.2-1b', 1.24),
  spec('qwen2.5-1.5b', 1.54),
  spec('phi-2', 2.78),
  spec('qwen2.5-3b', 3.09),
  spec('llama3.2-3b', 3.21),
  spec('llama3.1-8b', 8.03),
  spec('llama3.1-70b', 70.55),
]);

describe('parseModelSize', () => {
  it('parseModelSize(raw) reads billions with b, m and t suffixes in any case', () => {
    expect(parseModelSize('3b')).toBe(3);
    expect(parseModelSize('1.5B')).toBe(1.5);
    expect(parseModelSize('8')).toBe(8);
    expect(parseModelSize(' 70b ')).toBe(70);
    expect(parseModelSize('500m')).toBeCloseTo(0.5, 12);
    expect(parseModelSize('1T')).toBe(1000);
  });

  it('parseModelSize(raw) is undefined for zero, negatives and text', () => {
    for (const raw of ['0b', '-3b', 'three', '3gb', '', 'b', '3bb'])
      expect(parseModelSize(raw)).toBeUndefined();
  });
});

describe('matchModelsBySize', () => {
  it('matchModelsBySize(models, 3) keeps params within ±35 % of 3, by size then id', () => {
    const m = matchModelsBySize(MODELS, 3);
    expect(m.rule).toBe('within_tolerance');
    expect(m.models.map((x) => x.id)).toEqual(['phi-2', 'qwen2.5-3b', 'llama3.2-3b']);
    for (const x of m.models) expect(Math.abs(x.paramsB - 3)).toBeLessThanOrEqual(SIZE_TOLERANCE * 3);
  });

  it('matchModelsBySize(models, 1) separates 1b from 1.5b (1.54 is 54 % away)', () => {
    expect(matchModelsBySize(MODELS, 1).models.map((x) => x.id)).toEqual(['llama3.2-1b']);
    expect(matchModelsBySize(MODELS, 1.5).models.map((x) => x.id)).toEqual(['llama3.2-1b', 'qwen2.5-1.5b']);
  });

  it('matchModelsBySize(models, 30) falls back to the nearest size class', () => {
    const m = matchModelsBySize(MODELS, 30);
    expect(m.rule).toBe('nearest_class');
    // ln(70.55/30) = 0.855 < ln(30/8.03) = 1.318: the 70B class is nearer.
    expect(m.centreB).toBe(70.55);
    expect(m.models.map((x) => x.id)).toEqual(['llama3.1-70b']);
  });

  it('matchModelsBySize([], size) is empty', () => {
    expect(matchModelsBySize([], 3).models).toEqual([]);
  });
});
