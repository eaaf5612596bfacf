/**
 * SVG figures for the refit report, rendered headlessly: a vega-lite spec (`chart-spec.ts`) is
 * compiled to vega and rendered with `renderer: 'none'` (no browser, canvas or DOM). The output is
 * byte-identical for the same input.
 */

import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import * as vl from 'vega-lite';
import {
  type PowerLawChartInput,
  powerLawSpec,
  predictedVsActualSpec,
  residualsSpec,
  type ScalingChartInput,
  type ScatterChartInput,
  scalingSpec,
} from './chart-spec.ts';

/** Renders a vega-lite spec to an SVG string (ends with a newline). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** Predicted vs actual with the y = x line, as SVG. */
export function predictedVsActualSvg(input: ScatterChartInput): Promise<string> {
  return renderSvg(predictedVsActualSpec(input));
}

/** Residuals vs predicted, as SVG. */
export function residualsSvg(input: ScatterChartInput): Promise<string> {
  return renderSvg(residualsSpec(input));
}

/** Throughput power law on log-log axes, as SVG. */
export function powerLawSvg(input: PowerLawChartInput): Promise<string> {
  return renderSvg(powerLawSpec(input));
}

/** η(N) per backend, as SVG. */
export function scalingSvg(input: ScalingChartInput): Promise<string> {
  return renderSvg(scalingSpec(input));
}
