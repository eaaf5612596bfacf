/**
 * Model-size classes for `capfit plan --model-size`: parse `3b`, `1.5B`, `500m`, `8` into billions
 * of parameters and pick the registry models of that size. The rule: every model whose parameter
 * count is within ±35 % of the size (|params − size| ≤ 0.35 · size); when none is, the nearest
 * size class: the model closest in log ratio |ln(params / size)| and every model within ±35 % of
 * that model's size.
 */
import type { ModelSpec } from '../records.ts';

/** Relative tolerance of a size class. */
export const SIZE_TOLERANCE = 0.35;

/**
 * `parseModelSize(raw)` reads a parameter count in billions: a number with an optional `b`/`B`
 * (billions), `m`/`M` (millions) or `t`/`T` (trillions) suffix. Returns undefined when `raw` is not
 * such a positive, finite size.
 * @example parseModelSize('3b') // 3
 * @example parseModelSize('500M') // 0.5
 */
export function parseModelSize(raw: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([bmt]?)\s*$/i.exec(raw);
  if (!m) return undefined;
  const scale = { '': 1, b: 1, m: 1e-3, t: 1e3 }[m[2]!.toLowerCase() as '' | 'b' | 'm' | 't'];
  const value = Number(m[1]) * scale;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Which models a size selects, and by which branch of the rule. */
export interface SizeMatch {
  /** Selected models, by parameter count then id. */
  readonly models: readonly ModelSpec[];
  /** `within_tolerance`: params within ±35 % of the size; `nearest_class`: no model was, so the nearest class. */
  readonly rule: 'within_tolerance' | 'nearest_class';
  /** Centre of the class in billions: the requested size, or the nearest model's size. */
  readonly centreB: number;
}

function within(paramsB: number, centreB: number, tolerance: number): boolean {
  return Math.abs(paramsB - centreB) <= tolerance * centreB + 1e-12;
}

function byParamsThenId(a: ModelSpec, b: ModelSpec): number {
  return a.paramsB - b.paramsB || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * `matchModelsBySize(models, sizeB)` applies the size-class rule (module JSDoc). An empty model
 * list gives an empty match.
 * @example matchModelsBySize(registry.models, 3).models.map((m) => m.id) // ['phi-2', 'qwen2.5-3b', 'llama3.2-3b', ...]
 */
export function matchModelsBySize(
  models: readonly ModelSpec[],
  sizeB: number,
  tolerance = SIZE_TOLERANCE,
): SizeMatch {
  const direct = models.filter((m) => within(m.paramsB, sizeB, tolerance)).sort(byParamsThenId);
  if (direct.length > 0 || models.length === 0) {
    return { models: direct, rule: 'within_tolerance', centreB: sizeB };
  }
  let nearest = models[0]!;
  let best = Number.POSITIVE_INFINITY;
  for (const m of [...models].sort(byParamsThenId)) {
    const d = Math.abs(Math.log(m.paramsB / sizeB));
    if (d < best - 1e-12) {
      best = d;
      nearest = m;
    }
  }
  const centreB = nearest.paramsB;
  return {
    models: models.filter((m) => within(m.paramsB, centreB, tolerance)).sort(byParamsThenId),
    rule: 'nearest_class',
    centreB,
  };
}
