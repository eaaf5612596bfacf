/**
 * The refit report's figures: predicted vs actual and residuals per model on the headline test
 * split, the throughput size power law on log-log axes, and η(N) per backend with data points.
 * Pure apart from vega's rendering; returns SVG strings for the publish step.
 */
import type { Coefficients } from '../fit/index.ts';
import { predictEta } from '../fit/scaling.ts';
import type { SpecLookup } from '../fit/types.ts';
import { extent } from '../math/extent.ts';
import type { RecordSet } from '../records.ts';
import { type PointsByModel, SCORED_MODELS } from '../validate/points.ts';
import { powerLawSvg, predictedVsActualSvg, residualsSvg, scalingSvg } from './chart.ts';

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

/** Renders every figure of the report, in a fixed order. */
export async function renderFigures(input: FigureInput): Promise<Figure[]> {
  const figures: Figure[] = [];
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
      svg: await predictedVsActualSvg({
        title: `${model}: predicted vs actual`,
        unit: UNITS[model] ?? '',
        points: pts,
      }),
    });
    figures.push({
      name: `${model}-residuals`,
      caption: `${model}: residual (predicted − actual) vs predicted${thinNote(shown.length, all.length)}`,
      svg: await residualsSvg({ title: `${model}: residuals`, unit: UNITS[model] ?? '', points: pts }),
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
      svg: await powerLawSvg({
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
      svg: await scalingSvg({
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
