/**
 * Drift between the previously published artifact and a new one: every numeric coefficient, its
 * relative change and whether it moved more than the configured threshold; keys that appeared or
 * disappeared; and, point by point, which validation points left (regressions) or entered
 * (improvements) the relative-error tolerance.
 */

import { MODEL_SECTIONS } from './artifact.ts';

/**
 * Escapes one JSON Pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. Keys such as
 * `llama3.2-1b|ollama|FP16` contain dots, so dotted paths would be ambiguous.
 */
function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Every finite numeric leaf below `value` as JSON Pointer → number (`/throughput/lookup/llama3.2-1b|ollama|FP16`).
 * Booleans, strings and nulls are not coefficients and are skipped; arrays are indexed.
 * @example flattenNumbers({ vram: { overhead_factor: 1.058, fitted: true } }) // Map { '/vram/overhead_factor' => 1.058 }
 */
export function flattenNumbers(value: unknown, prefix = ''): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out.set(path, v);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], `${path}/${i}`);
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v).sort())
        walk((v as Record<string, unknown>)[key], `${path}/${pointerSegment(key)}`);
    }
  };
  walk(value, prefix);
  return out;
}

/**
 * Relative change (new − old)/|old|; 0 when both are 0; null when old is 0 and new is not (an
 * unbounded change, always flagged).
 * @example relativeChange(100, 110) // 0.1
 */
export function relativeChange(oldValue: number, newValue: number): number | null {
  if (oldValue === 0) return newValue === 0 ? 0 : null;
  return (newValue - oldValue) / Math.abs(oldValue);
}

export interface CoefficientChange {
  /** JSON Pointer into the artifact. */
  readonly path: string;
  readonly old: number;
  readonly new: number;
  readonly relChange: number | null;
  /** |relChange| > threshold, or a change away from 0. */
  readonly flagged: boolean;
}

export interface CoefficientDrift {
  readonly threshold: number;
  /** Coefficients present in both, sorted by path. */
  readonly changes: readonly CoefficientChange[];
  readonly flagged: readonly CoefficientChange[];
  readonly added: readonly { readonly path: string; readonly value: number }[];
  readonly removed: readonly { readonly path: string; readonly value: number }[];
}

export interface DriftOptions {
  /** Relative change above which a coefficient is flagged (config `drift.threshold`). */
  readonly threshold: number;
  /**
   * Top-level artifact keys holding coefficients.
   * @default MODEL_SECTIONS
   */
  readonly sections?: readonly string[];
}

function sectionsOf(artifact: unknown, sections: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  if (artifact === null || typeof artifact !== 'object') return out;
  for (const section of [...sections].sort()) {
    if (!Object.hasOwn(artifact, section)) continue;
    const leaves = flattenNumbers(
      (artifact as Record<string, unknown>)[section],
      `/${pointerSegment(section)}`,
    );
    for (const [path, v] of leaves) out.set(path, v);
  }
  return out;
}

/**
 * Compares the numeric coefficients of two artifacts (any JSON values; only the model sections are
 * read). A coefficient is flagged when |(new − old)/old| > threshold.
 * @example compareArtifacts({ vram: { act_coeff: 0.01 } }, { vram: { act_coeff: 0.012 } }, { threshold: 0.1 }).flagged.length // 1
 */
export function compareArtifacts(previous: unknown, next: unknown, options: DriftOptions): CoefficientDrift {
  const { threshold } = options;
  if (!(threshold >= 0)) throw new Error(`compareArtifacts: threshold must be >= 0, got ${threshold}`);
  const sections = options.sections ?? MODEL_SECTIONS;
  const before = sectionsOf(previous, sections);
  const after = sectionsOf(next, sections);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: CoefficientChange[] = [];
  const added: { path: string; value: number }[] = [];
  const removed: { path: string; value: number }[] = [];
  for (const path of paths) {
    const o = before.get(path);
    const n = after.get(path);
    if (o === undefined) added.push({ path, value: n! });
    else if (n === undefined) removed.push({ path, value: o });
    else {
      const relChange = relativeChange(o, n);
      changes.push({
        path,
        old: o,
        new: n,
        relChange,
        flagged: relChange === null || Math.abs(relChange) > threshold,
      });
    }
  }
  return { threshold, changes, flagged: changes.filter((c) => c.flagged), added, removed };
}

/** A validation point's actual and prediction, matched across runs by id. */
export interface PredictionPoint {
  readonly id: string;
  readonly actual: number;
  readonly predicted: number;
}

export interface PointChange {
  readonly id: string;
  readonly actual: number;
  readonly oldPredicted: number;
  readonly newPredicted: number;
  readonly oldRelError: number;
  readonly newRelError: number;
}

export interface PointDrift {
  readonly tolerance: number;
  /** Points present in both runs with a usable actual (finite, non-zero) and predictions. */
  readonly compared: number;
  /** Within tolerance before, outside now. */
  readonly regressions: readonly PointChange[];
  /** Outside tolerance before, within now. */
  readonly improvements: readonly PointChange[];
  /** Ids present in only one of the runs, or with an unusable actual or prediction. */
  readonly onlyOld: readonly string[];
  readonly onlyNew: readonly string[];
  readonly unscorable: readonly string[];
}

/** |ŷ − y| / |y|. */
function relError(actual: number, predicted: number): number {
  return Math.abs(predicted - actual) / Math.abs(actual);
}

/**
 * Point-by-point comparison of two runs' predictions: a point is within tolerance when
 * |ŷ − y| / |y| <= tolerance. Regressions went from within to outside, improvements the reverse.
 * The actual is taken from the new run. Results are sorted by id.
 * @example comparePoints([{ id: 'a', actual: 100, predicted: 110 }], [{ id: 'a', actual: 100, predicted: 140 }], 0.25).regressions.length // 1
 */
export function comparePoints(
  previous: readonly PredictionPoint[],
  next: readonly PredictionPoint[],
  tolerance: number,
): PointDrift {
  if (!(tolerance > 0)) throw new Error(`comparePoints: tolerance must be > 0, got ${tolerance}`);
  const oldById = new Map(previous.map((p) => [p.id, p]));
  const newById = new Map(next.map((p) => [p.id, p]));
  const regressions: PointChange[] = [];
  const improvements: PointChange[] = [];
  const unscorable: string[] = [];
  let compared = 0;
  for (const id of [...newById.keys()].sort()) {
    const o = oldById.get(id);
    if (!o) continue;
    const n = newById.get(id)!;
    const actual = n.actual;
    if (
      !Number.isFinite(actual) ||
      actual === 0 ||
      !Number.isFinite(o.predicted) ||
      !Number.isFinite(n.predicted)
    ) {
      unscorable.push(id);
      continue;
    }
    compared++;
    const change: PointChange = {
      id,
      actual,
      oldPredicted: o.predicted,
      newPredicted: n.predicted,
      oldRelError: relError(actual, o.predicted),
      newRelError: relError(actual, n.predicted),
    };
    const wasWithin = change.oldRelError <= tolerance;
    const isWithin = change.newRelError <= tolerance;
    if (wasWithin && !isWithin) regressions.push(change);
    else if (!wasWithin && isWithin) improvements.push(change);
  }
  return {
    tolerance,
    compared,
    regressions,
    improvements,
    onlyOld: [...oldById.keys()].filter((id) => !newById.has(id)).sort(),
    onlyNew: [...newById.keys()].filter((id) => !oldById.has(id)).sort(),
    unscorable,
  };
}
