/**
 * Vega-lite specs of the refit report's figures (pure: no vega here, so a thread that only builds
 * specs does not load it). Rendering is `chart.ts`. Vega escapes every text and attribute it
 * writes, so model names reach the SVG as `&lt;script&gt;`; control characters, which XML cannot
 * carry at all, are replaced here first.
 */

import type { TopLevelSpec } from 'vega-lite';
import { extent } from '../math/extent.ts';

const WIDTH = 360;
const HEIGHT = 280;

/**
 * Makes a user-provided string safe to hand to vega: C0/C1 control characters (invalid in XML 1.0
 * or confusing in a terminal) become U+FFFD. Markup characters are left to vega's escaping.
 */
export function sanitiseLabel(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD');
}

/** A predicted-vs-actual pair. */
export interface ScatterPoint {
  readonly actual: number;
  readonly predicted: number;
  /** Shown in the point's accessible label (model, backend, quant...). */
  readonly label: string;
  /** Colour group (e.g. the backend). */
  readonly group: string;
}

export interface ScatterChartInput {
  readonly title: string;
  /** Unit of actual and predicted, e.g. `GB`. */
  readonly unit: string;
  readonly points: readonly ScatterPoint[];
}

function axisTitle(name: string, unit: string): string {
  return unit ? `${name} (${sanitiseLabel(unit)})` : name;
}

function finitePoints<T extends object>(points: readonly T[], keys: readonly (keyof T)[]): T[] {
  return points.filter((p) => keys.every((k) => Number.isFinite(p[k])));
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: WIDTH,
  height: HEIGHT,
  background: 'white',
  config: { font: 'sans-serif', view: { stroke: '#ddd' }, legend: { labelLimit: 280 } },
} as const;

/** Spec of a predicted-vs-actual scatter coloured by group, with the y = x line. */
export function predictedVsActualSpec(input: ScatterChartInput): TopLevelSpec {
  const points = finitePoints(input.points, ['actual', 'predicted']).map((p) => ({
    actual: p.actual,
    predicted: p.predicted,
    label: sanitiseLabel(p.label),
    group: sanitiseLabel(p.group),
  }));
  const values = points.flatMap((p) => [p.actual, p.predicted]);
  const [lo, hi] = extent(values) ?? [0, 1];
  const x = { field: 'actual', type: 'quantitative', title: axisTitle('actual', input.unit) } as const;
  const y = { field: 'predicted', type: 'quantitative', title: axisTitle('predicted', input.unit) } as const;
  return {
    ...BASE,
    title: sanitiseLabel(input.title),
    layer: [
      {
        data: {
          values: [
            { actual: lo, predicted: lo },
            { actual: hi, predicted: hi },
          ],
        },
        mark: { type: 'line', color: '#888', strokeDash: [4, 4] },
        encoding: { x, y },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: 'group', type: 'nominal', title: 'group' },
          tooltip: [{ field: 'label', type: 'nominal' }, x, y],
        },
      },
    ],
  };
}

/**
 * Spec of residuals against the prediction, with a zero line. The residual is predicted − actual,
 * the sign convention of the validation errors and of bias (positive: over-prediction).
 */
export function residualsSpec(input: ScatterChartInput): TopLevelSpec {
  const points = finitePoints(input.points, ['actual', 'predicted']).map((p) => ({
    predicted: p.predicted,
    residual: p.predicted - p.actual,
    label: sanitiseLabel(p.label),
    group: sanitiseLabel(p.group),
  }));
  const x = { field: 'predicted', type: 'quantitative', title: axisTitle('predicted', input.unit) } as const;
  const y = {
    field: 'residual',
    type: 'quantitative',
    title: axisTitle('predicted − actual', input.unit),
  } as const;
  return {
    ...BASE,
    title: sanitiseLabel(input.title),
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#888', strokeDash: [4, 4] },
        encoding: { y: { field: 'zero', type: 'quantitative' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: 'group', type: 'nominal', title: 'group' },
          tooltip: [{ field: 'label', type: 'nominal' }, x, y],
        },
      },
    ],
  };
}

export interface PowerLawChartInput {
  readonly title: string;
  /** Measured throughput per model size (points with non-positive values are left out: log axes). */
  readonly points: readonly {
    readonly paramsB: number;
    readonly tokPerS: number;
    readonly label: string;
    readonly group: string;
  }[];
  /** Fitted tok/s = a · paramsB^−b. */
  readonly a: number;
  readonly b: number;
  /**
   * Points sampled along the fitted curve.
   * @default 50
   */
  readonly samples?: number;
}

/**
 * `samples` points of y = a · x^−b spaced evenly in log x over [lo, hi] (widened ×2 each way
 * when lo = hi).
 * @example powerLawCurve(72.11, 0.0888, 1, 8, 2) // [{ paramsB: 1, tokPerS: 72.11 }, { paramsB: 8, tokPerS: 59.0… }]
 */
export function powerLawCurve(
  a: number,
  b: number,
  lo: number,
  hi: number,
  samples = 50,
): { paramsB: number; tokPerS: number }[] {
  if (!(lo > 0 && hi > 0) || !Number.isFinite(a) || !Number.isFinite(b) || samples < 2) return [];
  const [from, to] = lo === hi ? [lo / 2, hi * 2] : [Math.min(lo, hi), Math.max(lo, hi)];
  const step = Math.log(to / from) / (samples - 1);
  return Array.from({ length: samples }, (_, i) => {
    const paramsB = from * Math.exp(step * i);
    return { paramsB, tokPerS: a * paramsB ** -b };
  }).filter((p) => Number.isFinite(p.tokPerS) && p.tokPerS > 0);
}

/** Spec of the throughput size power law on log-log axes: measured points and the fitted curve. */
export function powerLawSpec(input: PowerLawChartInput): TopLevelSpec {
  const points = finitePoints(input.points, ['paramsB', 'tokPerS'])
    .filter((p) => p.paramsB > 0 && p.tokPerS > 0)
    .map((p) => ({
      paramsB: p.paramsB,
      tokPerS: p.tokPerS,
      label: sanitiseLabel(p.label),
      group: sanitiseLabel(p.group),
    }));
  const xs = points.map((p) => p.paramsB);
  const curve = xs.length
    ? powerLawCurve(input.a, input.b, extent(xs)![0], extent(xs)![1], input.samples ?? 50)
    : [];
  const x = {
    field: 'paramsB',
    type: 'quantitative',
    title: 'parameters (B)',
    scale: { type: 'log' },
  } as const;
  const y = { field: 'tokPerS', type: 'quantitative', title: 'tok/s', scale: { type: 'log' } } as const;
  return {
    ...BASE,
    title: sanitiseLabel(input.title),
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: 'group', type: 'nominal', title: 'group' },
          tooltip: [{ field: 'label', type: 'nominal' }, x, y],
        },
      },
      { data: { values: curve }, mark: { type: 'line', color: '#333' }, encoding: { x, y } },
    ],
  };
}

export interface ScalingChartInput {
  readonly title: string;
  /** Measured per-agent efficiency η at N agents. */
  readonly points: readonly {
    readonly backend: string;
    readonly n: number;
    readonly eta: number;
    readonly label: string;
  }[];
  /** The fitted η(N) per backend, sampled by the caller (e.g. N = 1…max). */
  readonly curves: readonly { readonly backend: string; readonly n: number; readonly eta: number }[];
}

/** Spec of η(N) per backend: measured points and fitted curves, one colour per backend. */
export function scalingSpec(input: ScalingChartInput): TopLevelSpec {
  const points = finitePoints(input.points, ['n', 'eta']).map((p) => ({
    backend: sanitiseLabel(p.backend),
    n: p.n,
    eta: p.eta,
    label: sanitiseLabel(p.label),
  }));
  const curves = finitePoints(input.curves, ['n', 'eta']).map((c) => ({
    backend: sanitiseLabel(c.backend),
    n: c.n,
    eta: c.eta,
  }));
  const x = { field: 'n', type: 'quantitative', title: 'agents (N)' } as const;
  const y = { field: 'eta', type: 'quantitative', title: 'per-agent efficiency η' } as const;
  const color = { field: 'backend', type: 'nominal', title: 'backend' } as const;
  return {
    ...BASE,
    title: sanitiseLabel(input.title),
    layer: [
      {
        data: { values: curves },
        mark: { type: 'line' },
        encoding: {
          x,
          y,
          color,
          detail: { field: 'backend', type: 'nominal' },
          order: { field: 'n', type: 'quantitative' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.8 },
        encoding: { x, y, color, tooltip: [{ field: 'label', type: 'nominal' }, color, x, y] },
      },
    ],
  };
}
