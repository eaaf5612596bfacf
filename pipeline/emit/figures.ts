/**
 * The refit report's figures: predicted vs actual and residuals per model on the headline test
 * split, the throughput size power law on log-log axes, and η(N) per backend with data points.
 * `figureSpecs` builds their vega-lite specs (pure, no vega loaded); `renderFigures` turns them into
 * SVG strings for the publish step, on a chart thread opened early (`openChartThread`) or here.
 */

import type { TopLevelSpec } from 'vega-lite';
import type { Coefficients } from '../fit/index.ts';
import { predictEta } from '../fit/scaling.ts';
import type { SpecLookup } from '../fit/types.ts';
import { extent } from '../math/extent.ts';
import type { RecordSet } from '../records.ts';
import { openThread } from '../util/thread.ts';
import { type PointsByModel, SCORED_MODELS } from '../validate/points.ts';
import { powerLawSpec, predictedVsActualSpec, residualsSpec, scalingSpec } from './chart-spec.ts';

/** A figure to draw: its file name (without `.svg`), its caption in the report, and its spec. */
export interface FigureSpec {
  readonly name: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** A drawn figure. */
export interface Figure {
  readonly name: string;
  readonly caption: string;
  readonly svg: string;
}

const UNITS: Readonly<Record<string, string>> = {
  vram: 'GB',
  throughput: 'tok/s',
  scaling: 'η',
  quality: 'score',
  cost: '$/1M tok',
  latency: 'ms',
};

export interface FigureInput {
  /** Held-out points of the headline split. */
  readonly points: PointsByModel;
  readonly coefficients: Coefficients;
  /** All accepted records (the power-law and η charts show every measurement). */
  readonly records: RecordSet;
  readonly specs: SpecLookup;
}

/** The specs of every figure of the report, in a fixed order. */
export function figureSpecs(input: FigureInput): FigureSpec[] {
  const figures: FigureSpec[] = [];
  for (const model of SCORED_MODELS) {
    const all = input.points[model].points;
    const shown = thin(all, MAX_POINTS);
    const pts = shown.map((p) => ({
      actual: p.actual,
      predicted: p.predicted,
      label: `${p.model} ${p.backend} ${p.quant}`,
      group: p.backend,
    }));
    if (pts.length === 0) continue;
    figures.push({
      name: `${model}-predicted-vs-actual`,
      caption: `${model}: predicted vs actual on the held-out split (y = x line)${thinNote(shown.length, all.length)}`,
      spec: predictedVsActualSpec({
        title: `${model}: predicted vs actual`,
        unit: UNITS[model] ?? '',
        points: pts,
      }),
    });
    figures.push({
      name: `${model}-residuals`,
      caption: `${model}: residual (predicted − actual) vs predicted${thinNote(shown.length, all.length)}`,
      spec: residualsSpec({ title: `${model}: residuals`, unit: UNITS[model] ?? '', points: pts }),
    });
  }

  const tp = input.coefficients.throughput;
  const sizePoints = thin(input.records.throughput, MAX_POINTS * 4)
    .filter((r) => r.nAgents === 1)
    .flatMap((r) => {
      const spec = input.specs.model(r.model);
      return spec
        ? [
            {
              paramsB: spec.paramsB,
              tokPerS: r.tokPerS,
              label: `${r.model} ${r.backend} ${r.quant}`,
              group: r.backend,
            },
          ]
        : [];
    });
  if (sizePoints.length > 0) {
    figures.push({
      name: 'throughput-power-law',
      caption: `throughput vs model size (log-log) with the fitted power law ${tp.size_power_a.toPrecision(4)}·p^−${tp.size_power_b.toPrecision(3)}`,
      spec: powerLawSpec({
        title: 'tok/s vs parameters',
        points: sizePoints,
        a: tp.size_power_a,
        b: tp.size_power_b,
      }),
    });
  }

  const sc = input.records.scaling;
  if (sc.length > 0) {
    const maxN = Math.max(8, extent(sc.map((r) => r.nAgents))?.[1] ?? 1);
    const ns = sampleN(maxN, 64);
    const pairs = [...new Set(sc.map((r) => `${r.model}\u0000${r.backend}`))].sort();
    const curves = pairs.flatMap((pair) => {
      const [model, backend] = pair.split('\u0000') as [string, string];
      return ns.map((n) => ({
        backend: `${backend} ${model}`,
        n,
        eta: predictEta(input.coefficients.scaling, { model, backend, n }).eta,
      }));
    });
    figures.push({
      name: 'scaling-eta',
      caption: 'per-agent efficiency η(N) per (backend, model): measured points and fitted curves',
      spec: scalingSpec({
        title: 'η(N) per backend',
        points: thin(sc, MAX_POINTS).map((r) => ({
          backend: `${r.backend} ${r.model}`,
          n: r.nAgents,
          eta: r.eta,
          label: r.source,
        })),
        curves,
      }),
    });
  }
  return figures;
}

/** Every integer N up to `limit` points, then about `limit` log-spaced integers from 1 to maxN. */
function sampleN(maxN: number, limit: number): number[] {
  if (maxN <= limit) return Array.from({ length: maxN }, (_, i) => i + 1);
  const out = new Set<number>();
  for (let i = 0; i < limit; i++) out.add(Math.round(Math.exp((Math.log(maxN) * i) / (limit - 1))));
  return [...out].sort((a, b) => a - b);
}

/** Most points drawn per chart: SVG size and render time grow with every point. */
const MAX_POINTS = 2000;

/** At most `max` items, evenly spaced through `items` (deterministic). */
function thin<T>(items: readonly T[], max: number): readonly T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

function thinNote(shown: number, total: number): string {
  return shown < total ? ` (${shown} of ${total} points drawn, evenly spaced)` : '';
}

/** Marks `workerData` as a chart job (chart-worker.ts is also imported on the main thread). */
export const CHART_JOB_TAG = 'capfit-chart-job';

/** A thread that renders figure specs; it loads vega as soon as it is opened. */
export type ChartThread = ReturnType<typeof openChartThread>;

/**
 * `openChartThread(signal)` opens the chart thread now, so that vega loads beside the ingest and
 * the fits; the specs are posted later by `renderFigures`. Stopped when `signal` aborts.
 */
export function openChartThread(signal?: AbortSignal) {
  return openThread<readonly FigureSpec[], Figure[]>('emit/chart-worker', CHART_JOB_TAG, signal);
}

/**
 * `renderFigures(specs, thread)` draws the figures: on `thread` when one is given, else (or when the
 * thread fails, which adds a line to `warnings`) on this thread. Both give the same SVG bytes.
 */
export async function renderFigures(
  specs: readonly FigureSpec[],
  thread: ChartThread | null,
  warnings: string[] = [],
): Promise<Figure[]> {
  if (thread) {
    try {
      return await thread.run(specs);
    } catch (err) {
      warnings.push(`figures drawn on the main thread: the chart thread failed (${(err as Error).message})`);
    }
  }
  const { renderSpecs } = await import('./chart-worker.ts');
  return renderSpecs(specs);
}
