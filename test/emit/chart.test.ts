import { describe, expect, it } from 'vitest';
import {
  powerLawSvg,
  predictedVsActualSvg,
  renderSvg,
  renderSvgFresh,
  residualsSvg,
  scalingSvg,
} from '../../pipeline/emit/chart.ts';
import {
  powerLawCurve,
  powerLawSpec,
  predictedVsActualSpec,
  residualsSpec,
  sanitiseLabel,
  scalingSpec,
} from '../../pipeline/emit/chart-spec.ts';

const HOSTILE = '<script>a|b`</script>';

const scatter = {
  title: 'VRAM: predicted vs actual',
  unit: 'GB',
  points: [
    { actual: 7.5, predicted: 7.9, label: 'llama3.2-3b FP16', group: 'ollama' },
    { actual: 17.8, predicted: 16.2, label: HOSTILE, group: HOSTILE },
    { actual: 3.1, predicted: 3.3, label: 'qwen2.5-1.5b Q4_K_M', group: 'vllm' },
  ],
};

/** Layers of a compiled-by-hand spec, typed loosely for inspection. */
function layers(spec: unknown): { data: { values: Record<string, number | string>[] } }[] {
  return (spec as { layer: { data: { values: Record<string, number | string>[] } }[] }).layer;
}

describe('sanitiseLabel', () => {
  it('sanitiseLabel(text) replaces control characters and leaves markup for vega to escape', () => {
    expect(sanitiseLabel('a\u0000b\u001bc\nd')).toBe('a\uFFFDb\uFFFDc\nd');
    expect(sanitiseLabel(HOSTILE)).toBe(HOSTILE);
  });
});

describe('powerLawCurve', () => {
  it('powerLawCurve(a, b, lo, hi, n) samples a·x^−b evenly in log x', () => {
    const curve = powerLawCurve(72.11, 0.0888, 1, 100, 3);
    expect(curve.map((p) => p.paramsB)).toEqual([1, expect.closeTo(10, 10), expect.closeTo(100, 10)]);
    expect(curve[0]!.tokPerS).toBeCloseTo(72.11, 10);
    expect(curve[2]!.tokPerS).toBeCloseTo(72.11 * 100 ** -0.0888, 10);
  });

  it('powerLawCurve(a, b, x, x) widens a single size and refuses non-positive ranges', () => {
    const curve = powerLawCurve(10, 0.5, 4, 4, 2);
    expect(curve.map((p) => p.paramsB)).toEqual([2, expect.closeTo(8, 10)]);
    expect(powerLawCurve(10, 0.5, 0, 4)).toEqual([]);
    expect(powerLawCurve(Number.NaN, 0.5, 1, 4)).toEqual([]);
  });
});

describe('predictedVsActualSpec', () => {
  it('predictedVsActualSpec(input) draws y = x over the range of both axes and drops non-finite points', () => {
    const spec = predictedVsActualSpec({
      ...scatter,
      points: [...scatter.points, { actual: Number.NaN, predicted: 1, label: 'x', group: 'g' }],
    });
    const [line, points] = layers(spec);
    expect(line!.data.values).toEqual([
      { actual: 3.1, predicted: 3.1 },
      { actual: 17.8, predicted: 17.8 },
    ]);
    expect(points!.data.values).toHaveLength(3);
  });
});

describe('residualsSpec', () => {
  it('residualsSpec(input) plots predicted − actual against the prediction', () => {
    const [, points] = layers(residualsSpec(scatter));
    expect(points!.data.values[0]).toMatchObject({ predicted: 7.9, residual: expect.closeTo(0.4, 10) });
  });
});

describe('powerLawSpec', () => {
  it('powerLawSpec(input) keeps positive points only (log axes) and spans their sizes with the curve', () => {
    const spec = powerLawSpec({
      title: 'size law',
      a: 72.11,
      b: 0.0888,
      samples: 5,
      points: [
        { paramsB: 1.24, tokPerS: 146.3, label: 'llama3.2-1b', group: 'ollama' },
        { paramsB: 3.21, tokPerS: 95.9, label: 'llama3.2-3b', group: 'ollama' },
        { paramsB: 0, tokPerS: 10, label: 'bad', group: 'ollama' },
      ],
    });
    const [points, curve] = layers(spec);
    expect(points!.data.values).toHaveLength(2);
    expect(curve!.data.values).toHaveLength(5);
    expect(curve!.data.values[0]!.paramsB).toBeCloseTo(1.24, 10);
    expect(curve!.data.values[4]!.paramsB).toBeCloseTo(3.21, 10);
  });
});

describe('renderSvg', () => {
  it('draws every chart kind from a compiled template with the same bytes as compiling it afresh', async () => {
    const specs = [
      predictedVsActualSpec(scatter),
      predictedVsActualSpec({ ...scatter, title: 'latency: predicted vs actual', unit: 'ms' }),
      residualsSpec(scatter),
      residualsSpec({ ...scatter, title: 'cost: residuals', unit: '$/1M tok' }),
      powerLawSpec({
        title: 'tok/s vs parameters',
        a: 70,
        b: 0.1,
        points: [{ paramsB: 1, tokPerS: 70, label: 'm', group: 'g' }],
      }),
      scalingSpec({
        title: 'η(N) per backend',
        points: [{ backend: 'vllm', n: 4, eta: 0.5, label: 'x' }],
        curves: [
          { backend: 'vllm', n: 1, eta: 1 },
          { backend: 'vllm', n: 8, eta: 0.3 },
        ],
      }),
    ];
    // Twice each: the second drawing of a kind comes from its template.
    for (const spec of [...specs, ...specs]) expect(await renderSvg(spec)).toBe(await renderSvgFresh(spec));
  });

  it('titles that a template could not carry (quotes, a token-like text) are drawn afresh, same bytes', async () => {
    for (const title of ['say "hi" \\ there', 'CAPFITTEXT0X', HOSTILE]) {
      const spec = predictedVsActualSpec({ ...scatter, title });
      expect(await renderSvg(spec)).toBe(await renderSvgFresh(spec));
    }
  });

  it('predictedVsActualSvg(input) renders an SVG, byte-identical across runs', async () => {
    const a = await predictedVsActualSvg(scatter);
    const b = await predictedVsActualSvg(scatter);
    expect(a.startsWith('<svg')).toBe(true);
    expect(a.endsWith('</svg>\n')).toBe(true);
    expect(a).toBe(b);
  });

  it('every chart escapes user-provided names', async () => {
    const svgs = [
      await predictedVsActualSvg(scatter),
      await residualsSvg(scatter),
      await powerLawSvg({
        title: HOSTILE,
        a: 70,
        b: 0.1,
        points: [{ paramsB: 1, tokPerS: 70, label: HOSTILE, group: HOSTILE }],
      }),
      await scalingSvg({
        title: 'η(N)',
        points: [{ backend: HOSTILE, n: 4, eta: 0.5, label: HOSTILE }],
        curves: [
          { backend: HOSTILE, n: 1, eta: 1 },
          { backend: HOSTILE, n: 8, eta: 0.3 },
        ],
      }),
    ];
    for (const svg of svgs) {
      expect(svg).not.toContain('<script');
      expect(svg).toContain('&lt;script&gt;');
    }
  });

  it('every chart keeps control characters out of the SVG', async () => {
    const svg = await predictedVsActualSvg({
      title: 't',
      unit: '',
      points: [{ actual: 1, predicted: 1, label: 'bell\u0007', group: 'g\u0000' }],
    });
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('scalingSvg(input) renders empty inputs without failing', async () => {
    const svg = await scalingSvg({ title: 'none', points: [], curves: [] });
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
