import { describe, expect, it } from 'vitest';
import { predictedVsActualSpec, scalingSpec } from '../../pipeline/emit/chart-spec.ts';
import {
  type ChartThread,
  type FigureSpec,
  openChartThread,
  renderFigures,
} from '../../pipeline/emit/figures.ts';

const specs: FigureSpec[] = [
  {
    name: 'vram-predicted-vs-actual',
    caption: 'vram',
    spec: predictedVsActualSpec({
      title: 'vram: predicted vs actual',
      unit: 'GB',
      points: [
        { actual: 7.5, predicted: 7.9, label: 'a', group: 'ollama' },
        { actual: 3.1, predicted: 3.3, label: 'b', group: 'vllm' },
      ],
    }),
  },
  {
    name: 'scaling-eta',
    caption: 'eta',
    spec: scalingSpec({
      title: 'η(N)',
      points: [{ backend: 'vllm', n: 4, eta: 0.8, label: 'x' }],
      curves: [
        { backend: 'vllm', n: 1, eta: 1 },
        { backend: 'vllm', n: 8, eta: 0.7 },
      ],
    }),
  },
];

describe('renderFigures', () => {
  it('draws every spec in order, inline', async () => {
    const figures = await renderFigures(specs, null);
    expect(figures.map((f) => f.name)).toEqual(['vram-predicted-vs-actual', 'scaling-eta']);
    for (const f of figures) expect(f.svg).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });

  it('the chart thread draws the same bytes as the main thread', async () => {
    const inline = await renderFigures(specs, null);
    const warnings: string[] = [];
    const threaded = await renderFigures(specs, openChartThread(), warnings);
    expect(threaded).toEqual(inline);
    expect(warnings).toEqual([]);
  });

  it('a failed chart thread is reported in the warnings and the figures are drawn here', async () => {
    const failing: ChartThread = { run: () => Promise.reject(new Error('thread gone')) };
    const warnings: string[] = [];
    const figures = await renderFigures(specs, failing, warnings);
    expect(figures).toEqual(await renderFigures(specs, null));
    expect(warnings).toEqual(['figures drawn on the main thread: the chart thread failed (thread gone)']);
  });

  it('a chart thread stopped before its job rejects, and the figures are still drawn', async () => {
    const stop = new AbortController();
    const thread = openChartThread(stop.signal);
    stop.abort();
    const warnings: string[] = [];
    const figures = await renderFigures(specs, thread, warnings);
    expect(figures).toHaveLength(2);
    expect(warnings[0]).toMatch(/chart thread failed \(stopped/);
  });
});
