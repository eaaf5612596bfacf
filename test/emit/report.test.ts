import { describe, expect, it } from 'vitest';
import { MODEL_SECTIONS } from '../../pipeline/emit/artifact.ts';
import { compareArtifacts, comparePoints } from '../../pipeline/emit/drift.ts';
import { type RefitReportData, renderRefitReport } from '../../pipeline/emit/report.ts';
import { computeMetrics } from '../../pipeline/math/metrics.ts';
import type { Issue } from '../../pipeline/records.ts';
import { gateStatus, scoreModel, type ValidationPoint } from '../../pipeline/validate/score.ts';
import { summariseStability } from '../../pipeline/validate/stability.ts';
import { diagnostics, fallbackArtifact, HASH_A, HASH_B, referenceSections } from './sample.ts';

const HOSTILE = 'a|b`<script>x</script>\nnext';

function point(
  id: string,
  model: string,
  backend: string,
  actual: number,
  predicted: number,
): ValidationPoint {
  return {
    id,
    model,
    backend,
    quant: 'Q4_K_M',
    gpu: 'rtx-4080-laptop',
    actual,
    predicted,
    provenance: id.startsWith('m') ? 'measured' : 'extrapolated',
    inputs: { context: 2048, note: HOSTILE },
  };
}

function issue(line: number, code: Issue['code'], severity: Issue['severity'] = 'reject'): Issue {
  return {
    source: 'datasets/corpus/tr124.csv',
    line,
    code,
    message: `bad value on row ${line} ${HOSTILE}`,
    severity,
  };
}

function sampleData(withDrift = false): RefitReportData {
  const vramPoints = [
    point('m1', 'llama3.2-3b', 'ollama', 7.52, 7.9),
    point('m2', HOSTILE, 'vllm', 17.82, 16.2),
    point('x1', 'qwen2.5-1.5b', HOSTILE, 3.1, 3.3),
  ];
  const vram = scoreModel(vramPoints, { r2_min: 0.95, rmse_max: 2 });
  const quality = scoreModel([point('m3', 'llama3.2-1b', 'ollama', 0.54, 0.52)], { rmse_max: 0.1 });
  const scores = { vram, quality };
  const gate = gateStatus(scores);
  const stability = {
    vram: summariseStability(
      [1, 2, 3, 4].map((i) => ({ seed: String(i), metrics: computeMetrics([1, 2, 3], [1, 2, 3 + i / 10]) })),
      { r2_min: 0.95 },
      { used: 25_000, total: 80_000 },
    ),
  };
  const coefficients = referenceSections();
  const previous = structuredClone(coefficients) as { vram: { act_coeff: number } };
  previous.vram.act_coeff = 0.005;
  return {
    generator: { name: 'capfit', version: '0.1.0' },
    seed: '42',
    configSha256: HASH_A,
    headlineUnit: 'record',
    sources: [
      {
        path: 'datasets/corpus/tr124.csv',
        category: 'vram',
        read: 20,
        accepted: 17,
        rejected: 3,
        sha256: HASH_B,
      },
      {
        path: 'datasets/corpus/tr125.json',
        category: 'quality',
        read: 40,
        accepted: 40,
        rejected: 0,
        note: HOSTILE,
      },
      { path: 'datasets/corpus/tr123.csv', category: 'vram', read: 5, accepted: 5, rejected: 0 },
    ],
    splits: { record: { vram: { train: 18, test: 4 }, quality: { train: 32, test: 8 } } },
    issues: [
      issue(4, 'ragged_row'),
      issue(9, 'bad_number'),
      issue(12, 'ragged_row'),
      issue(15, 'unknown_model', 'warn'),
    ],
    coefficients: {
      ...coefficients,
      scaling: {
        ...(coefficients.scaling as object),
        families: { [HOSTILE]: { family: 'amdahl', models: 3 } },
      },
    },
    diagnostics: { vram: diagnostics(), cost: diagnostics('fallback', 0) },
    validation: { record: { scores, stability, gate }, config: { scores, stability: null, gate } },
    spotChecks: [
      {
        id: 'vram-3b',
        description: HOSTILE,
        quantity: 'vram_gb',
        value: 7.52,
        provenance: 'derived',
        compareValue: null,
        expected: '3–12 GB',
        status: 'pass',
        detail: '7.52 GB satisfies 3–12 GB',
      },
      {
        id: 'eta-1',
        description: 'η(1) = 1',
        quantity: 'eta',
        value: null,
        provenance: null,
        compareValue: null,
        expected: '= 1 ± 1e-6',
        status: 'error',
        detail: 'prediction failed: boom',
      },
    ],
    gate,
    drift: withDrift
      ? {
          previous: 'artifacts/fitted_models.json',
          coefficients: compareArtifacts(previous, coefficients, { threshold: 0.1 }),
          points: comparePoints(
            [{ id: 'm1', actual: 7.52, predicted: 7.6 }],
            [{ id: 'm1', actual: 7.52, predicted: 12 }],
            0.25,
          ),
        }
      : null,
    warnings: ['VRAM usage above 90% for 2 configurations', HOSTILE],
    figures: [{ name: 'vram-predicted-vs-actual', caption: 'VRAM: predicted vs actual' }],
  };
}

/** Splits a table row on unescaped pipes. */
function cells(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let backslashes = 0;
  for (const ch of line.slice(1, -1)) {
    if (ch === '|' && backslashes % 2 === 0) {
      out.push(current);
      current = '';
    } else current += ch;
    backslashes = ch === '\\' ? backslashes + 1 : 0;
  }
  out.push(current);
  return out;
}

/** Every table in the document as arrays of row lines. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) current.push(line);
    else if (current.length) {
      out.push(current);
      current = [];
    }
  }
  if (current.length) out.push(current);
  return out;
}

describe('renderRefitReport', () => {
  const md = renderRefitReport(sampleData(true));

  it('renderRefitReport(data) keeps every table rectangular despite hostile names', () => {
    const all = tables(md);
    expect(all.length).toBeGreaterThan(10);
    for (const table of all) {
      const width = cells(table[0]!).length;
      expect(table[1]).toMatch(/^\| (:?-+:?)( \| :?-+:?)* \|$/);
      for (const row of table) expect(cells(row)).toHaveLength(width);
    }
    expect(md).not.toContain('<script>');
    expect(md).toContain('a\\|b\\`&lt;script&gt;x&lt;/script&gt;<br>next');
  });

  it('renderRefitReport(data) states the gate and how insufficient data counts', () => {
    expect(md).toContain('Generated by capfit 0.1.0 with split seed 42 and config sha256 aaaaaaaaaaaa.');
    expect(md).toContain(
      '**Gate: FAIL**: 2 of 3 targets met, 1 with insufficient data. Headline split: held-out records (split by record).',
    );
    expect(md).toContain(
      'A target with insufficient data (fewer than 2 points, or a metric that cannot be computed from the points) counts as not met.',
    );
    expect(md).toMatch(/\| Quality \| RMSE ≤ 0\.1 \| 0\.02 \| INSUFFICIENT \|/);
  });

  it('renderRefitReport(data) counts inputs by category and by source', () => {
    expect(md).toContain('| vram | 2 | 25 | 22 | 3 | 18 | 4 |');
    expect(md).toContain('| datasets/corpus/tr124.csv | vram | 20 | 17 | 3 | bbbbbbbbbbbb |');
  });

  it('renderRefitReport(data) lists rejected rows by code with file:line examples', () => {
    expect(md).toContain('3 rows were rejected.');
    expect(md).toMatch(
      /\| ragged_row \| 2 \| datasets\/corpus\/tr124\.csv:4: bad value on row 4 .*<br>datasets\/corpus\/tr124\.csv:12:/,
    );
    expect(md).toContain('1 row was kept with a flag.');
  });

  it('renderRefitReport(data) renders coefficients with composite keys split into columns', () => {
    expect(md).toContain('| model | backend | quant | value |');
    expect(md).toContain('| llama3.2-1b | ollama | FP16 | 146.3 |');
    expect(md).toContain('| overhead_factor | 1.058 |');
    expect(md.indexOf('| gpt2 | transformers-gpu | FP16 | 195.3 |')).toBeLessThan(
      md.indexOf('| gpt2 | transformers-gpu-compile | FP16 | 398.5 |'),
    );
    expect(md).toContain('Fit status: **fallback**, n = 0, converged.');
  });

  it('renderRefitReport(data) shows in-corpus and out-of-sample rows, backends and stability', () => {
    expect(md).toMatch(/\| VRAM \| GB \| in-corpus \| 2 \|/);
    expect(md).toMatch(/\| VRAM \| GB \| out-of-sample \| 1 \|/);
    expect(md).toContain('#### By backend');
    expect(md).toContain('#### Stability over 4 split seeds');
    expect(md).toContain('type-7 quantiles');
    expect(md).toMatch(/\| VRAM \| R² ≥ 0\.95 \| 3\/4 \| 0\.75 \| 0 \|/);
    expect(md).toContain('### Validation on held-out records (split by record) (headline)');
    expect(md).toContain('### Validation on held-out configurations');
  });

  it('renderRefitReport(data) lists spot checks and worst points with their inputs', () => {
    expect(md).toContain('1 of 2 spot checks pass.');
    expect(md).toMatch(
      /\| 2 \| eta-1 \| η\(1\) = 1 \| — \| = 1 ± 1e-6 \| ERROR \| prediction failed: boom \|/,
    );
    expect(md).toContain('## Worst validation points');
    expect(md).toContain('context=2048');
  });

  it('renderRefitReport(data) reports drift only when a previous artifact exists', () => {
    expect(md).toContain('## Drift');
    expect(md).toMatch(/\| \/vram\/act_coeff \| 0\.005 \| 0\.009095 \| \+81\.91% \|/);
    expect(md).toContain('1 regressed (within before, outside now)');
    expect(renderRefitReport(sampleData(false))).not.toContain('## Drift');
  });

  it('renderRefitReport(data) names unit-qualified gate entries by model and split', () => {
    const data = sampleData(false);
    const entry = {
      model: 'config:throughput',
      metric: 'r2' as const,
      op: '>=' as const,
      target: 0.8,
      value: 0.27,
      status: 'fail' as const,
    };
    const out = renderRefitReport({ ...data, gate: { ...data.gate, failed: [entry] } });
    expect(out).toContain('| Throughput (config split) | R² ≥ 0.8 | 0.27 | FAIL |');
  });

  it('renderRefitReport(data) links figures and lists warnings', () => {
    expect(md).toContain('![VRAM: predicted vs actual](figures/vram-predicted-vs-actual.svg)');
    expect(md).toContain('- VRAM usage above 90% for 2 configurations');
  });

  it('renderRefitReport(data) is deterministic and never prints NaN', () => {
    expect(renderRefitReport(sampleData(true))).toBe(md);
    expect(md).not.toMatch(/NaN|Infinity|undefined/);
    expect(md.endsWith('\n')).toBe(true);
  });

  it("renderRefitReport(data) renders the real model modules' coefficient shapes as rectangular tables", () => {
    const artifact = fallbackArtifact();
    const out = renderRefitReport({
      ...sampleData(false),
      coefficients: Object.fromEntries(MODEL_SECTIONS.map((m) => [m, artifact[m]])),
      diagnostics: artifact.diagnostics as RefitReportData['diagnostics'],
    });
    for (const section of [
      '### VRAM',
      '### Throughput',
      '### Scaling',
      '### Quality',
      '### Cost',
      '### Latency',
    ]) {
      expect(out).toContain(section);
    }
    for (const table of tables(out)) {
      const width = cells(table[0]!).length;
      for (const row of table) expect(cells(row)).toHaveLength(width);
    }
    expect(out).not.toMatch(/NaN|Infinity|\[object Object\]/);
  });

  it('renderRefitReport(data) flattens deeper coefficient structures into path/value rows', () => {
    const data = sampleData(false);
    const out = renderRefitReport({
      ...data,
      coefficients: { cost: { hw_cost_per_hour: 0.035, tiers: { a: { b: { c: 1.5 } }, list: [{ d: 2 }] } } },
    });
    expect(out).toContain('| path | value |');
    expect(out).toContain('| a.b.c | 1.5 |');
    expect(out).toContain('| list\\[0\\].d | 2 |');
  });

  it('renderRefitReport(data, { maxRows }) caps long tables and says how many rows are hidden', () => {
    const short = renderRefitReport(sampleData(false), { maxRows: 5 });
    expect(short).toMatch(/… 18 more rows not shown\./);
  });
});
