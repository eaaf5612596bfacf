import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildValidationFile, ValidationFileSchema } from '../../pipeline/emit/validation.ts';
import { computeMetrics } from '../../pipeline/math/metrics.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';
import { gateStatus, scoreModel, type ValidationPoint } from '../../pipeline/validate/score.ts';
import { summariseStability } from '../../pipeline/validate/stability.ts';

function point(id: string, actual: number, predicted: number, backend: string): ValidationPoint {
  return {
    id,
    model: 'llama3.2-1b',
    backend,
    quant: 'FP16',
    gpu: 'rtx-4080-laptop',
    actual,
    predicted,
    provenance: id.startsWith('m') ? 'measured' : 'derived',
    inputs: { context: 2048, batch: null },
  };
}

function sampleInput() {
  const points = [
    point('m1', 7.5, 7.9, 'ollama'),
    point('m2', 17.8, 16.2, 'vllm'),
    point('d1', 3.1, 3.3, 'ollama'),
  ];
  const vram = scoreModel(points, { r2_min: 0.95 });
  const quality = scoreModel([point('m3', 0.5, 0.52, 'ollama')], { rmse_max: 0.1 });
  const scores = { vram, quality };
  const gate = gateStatus(scores);
  const stability = {
    vram: summariseStability(
      [1, 2, 3].map((i) => ({ seed: String(i), metrics: computeMetrics([1, 2, 3], [1, 2, 3 + i / 10]) })),
      { r2_min: 0.95 },
      { used: 3, total: 3 },
    ),
  };
  return {
    seed: '42',
    headlineUnit: 'record' as const,
    units: { record: { scores, stability, gate }, config: { scores, stability: null, gate } },
    spotChecks: [
      {
        id: 'eta-1',
        description: 'η(1) = 1',
        quantity: 'eta' as const,
        value: 1,
        provenance: 'derived' as const,
        compareValue: null,
        expected: '= 1 ± 1e-6',
        status: 'pass' as const,
        detail: '1 vs 1 (|Δ| 0)',
      },
    ],
    gate,
  };
}

describe('buildValidationFile', () => {
  it('buildValidationFile(input) writes snake_case keys and keeps every score', () => {
    const file = buildValidationFile(sampleInput());
    const vram = file.units.record!.models.vram!;
    expect(vram.in_corpus.n).toBe(2);
    expect(vram.out_of_sample.n).toBe(1);
    expect(Object.keys(vram.by_backend)).toEqual(['ollama', 'vllm']);
    expect(vram.worst.by_absolute[0]).toMatchObject({ id: 'm2', abs_error: expect.closeTo(1.6, 10) });
    expect(file.units.record!.stability!.vram!.targets[0]!.pass_rate).toBe(1);
    expect(file.units.config!.stability).toBeNull();
    expect(file.spot_checks[0]).toMatchObject({ id: 'eta-1', compare_value: null });
    expect(file.gate).toMatchObject({ status: 'fail', insufficient_policy: 'not-met' });
    expect(file.gate.insufficient.map((e) => e.model)).toEqual(['quality']);
  });

  it('buildValidationFile(input) sorts models and serialises identically for the same input', () => {
    const a = stableStringify(buildValidationFile(sampleInput()));
    const b = stableStringify(buildValidationFile(sampleInput()));
    expect(a).toBe(b);
    expect(Object.keys(buildValidationFile(sampleInput()).units.record!.models)).toEqual(['quality', 'vram']);
  });

  it('buildValidationFile(input) output validates against the JSON Schema with Ajv2020', () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(
      z.toJSONSchema(ValidationFileSchema),
    );
    const json = JSON.parse(stableStringify(buildValidationFile(sampleInput())));
    expect(validate(json)).toBe(true);
    expect(validate({ ...json, gate: { ...json.gate, status: 'maybe' } })).toBe(false);
  });
});
