/**
 * The figures drawn on a second thread. Loading vega and vega-lite and rendering a dozen charts
 * takes about a second of a cold process; opened at the start of a refit (`openChartThread`), the
 * thread loads them while the main thread ingests and fits, then draws the specs it is sent while
 * the main thread validates. Imported on the main thread too (the inline path): `answerJob` then
 * does nothing.
 */
import { answerJob } from '../util/thread.ts';
import { renderSvg } from './chart.ts';
import { CHART_JOB_TAG, type Figure, type FigureSpec } from './figures.ts';

/** Draws each spec, in order. */
export async function renderSpecs(specs: readonly FigureSpec[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const f of specs) figures.push({ name: f.name, caption: f.caption, svg: await renderSvg(f.spec) });
  return figures;
}

answerJob(CHART_JOB_TAG, renderSpecs);
