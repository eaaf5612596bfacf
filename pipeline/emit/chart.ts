/**
 * SVG figures for the refit report, rendered headlessly: a vega-lite spec (`chart-spec.ts`) is
 * compiled to vega and rendered with `renderer: 'none'` (no browser, canvas or DOM). The output is
 * byte-identical for the same input. Specs of one kind share one compiled template: their data go
 * in as named data sets and their titles as text put back into the compiled runtime.
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

/**
 * Compiled charts by template: the vega runtime (as JSON text) of a spec with its inline data and
 * its titles taken out. The report's figures come in a few kinds (predicted vs actual and residuals
 * per model), so most figures skip vega-lite's compile and vega's parse.
 */
const compiled = new Map<string, string>();

/** A spec's template: inline `data.values` become named data sets, string titles become tokens. */
interface Template {
  readonly spec: TopLevelSpec;
  readonly key: string;
  readonly data: readonly (readonly object[])[];
  readonly texts: readonly string[];
}

const token = (i: number): string => `CAPFITTEXT${i}X`;
const TOKEN = /CAPFITTEXT(\d+)X/g;
/** Texts that read the same inside a JSON string and a JS string literal (no escaping needed). */
const PLAIN = /^[^"\\\u0000-\u001f\u2028\u2029]*$/;

function templateOf(spec: TopLevelSpec): Template | null {
  // A spec that already holds a token-like text anywhere is drawn afresh.
  const hasToken = TOKEN.test(JSON.stringify(spec));
  TOKEN.lastIndex = 0;
  if (hasToken) return null;
  const data: object[][] = [];
  const texts: string[] = [];
  // A title equal to a field name stays as it is: vega-lite merges a channel whose title is another
  // channel's field in the marks' descriptions, which a token would hide from it.
  const fields = new Set<string>();
  JSON.stringify(spec, (k, v: unknown) => {
    if (k === 'field' && typeof v === 'string') fields.add(v);
    return v;
  });
  let plain = true;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const values =
        k === 'data' && v !== null && typeof v === 'object' ? (v as { values?: unknown }).values : undefined;
      if (Array.isArray(values) && Object.keys(v as object).length === 1) {
        out[k] = { name: `capfit_data_${data.length}` };
        data.push(values as object[]);
      } else if (k === 'title' && typeof v === 'string' && !fields.has(v)) {
        plain &&= PLAIN.test(v);
        // Equal titles share a token: vega-lite merges the equal axis titles of layers.
        let at = texts.indexOf(v);
        if (at < 0) at = texts.push(v) - 1;
        out[k] = token(at);
      } else out[k] = walk(v);
    }
    return out;
  };
  const templated = walk(spec) as TopLevelSpec;
  return plain ? { spec: templated, key: JSON.stringify(templated), data, texts } : null;
}

function freshView(spec: TopLevelSpec): vega.View {
  return new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
}

/** `renderSvg` without the compiled templates: the spec compiled and parsed afresh (the reference). */
export async function renderSvgFresh(spec: TopLevelSpec): Promise<string> {
  const view = freshView(spec);
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/**
 * Renders a vega-lite spec to an SVG string (ends with a newline): the same bytes as compiling and
 * parsing it afresh, from a compiled template when one of its kind was drawn before (tested).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const template = templateOf(spec);
  let view: vega.View;
  if (template) {
    let runtime = compiled.get(template.key);
    if (runtime === undefined) {
      runtime = JSON.stringify(vega.parse(vl.compile(template.spec).spec));
      compiled.set(template.key, runtime);
    }
    const filled = runtime.replace(TOKEN, (_, i: string) => template.texts[Number(i)]!);
    view = new vega.View(JSON.parse(filled) as vega.Runtime, { renderer: 'none' });
    // Copies: vega marks the data it takes in.
    for (let i = 0; i < template.data.length; i++) {
      view.data(
        `capfit_data_${i}`,
        template.data[i]!.map((d) => ({ ...d })),
      );
    }
  } else view = freshView(spec);
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
