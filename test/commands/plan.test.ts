import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runPlan } from '../../pipeline/commands/plan.ts';
import { planSearch } from '../../pipeline/plan/search.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { FIXTURE_PATH, fixture, testContext } from '../fixtures/artifact/load.ts';

const ctx = testContext(tmpdir());
const base = { artifact: FIXTURE_PATH };

describe('runPlan', () => {
  it('runPlan({ model-size, request-rate, … }) prints the recommendation, alternatives and gate counts', async () => {
    const out = await runPlan(
      {
        ...base,
        'model-size': '3b',
        'request-rate': '0.5',
        hardware: 'RTX 4060 8GB',
        'quality-target': '0.55',
      },
      ctx,
    );
    expect(out.exitCode).toBe(0);
    const expected = planSearch(fixture().predictor, {
      modelSizeB: 3,
      requestRate: 0.5,
      gpu: fixture().predictor.resolver.gpu('rtx-4060')!,
      qualityTarget: 0.55,
    });
    const rec = expected.recommendation!;
    expect(out.stdout).toContain(
      `Recommendation: ${rec.model} / ${rec.quant} / ${rec.backend} / N=${rec.instances}`,
    );
    expect(out.stdout).toContain('capfit plan: 3B models on RTX 4060 8GB');
    expect(out.stdout).toMatch(
      new RegExp(
        `quality +quality ≥ 0\\.55 +${expected.gates[1]!.entered} +${expected.gates[1]!.removed} +${expected.gates[1]!.passed}`,
      ),
    );
    expect(out.stdout).toContain(`Top 5 of ${expected.feasible.length} viable:`);
  });

  it('runPlan({ …, json }) is stable and carries the spec fields for every viable candidate', async () => {
    const values = { ...base, 'model-size': '1b', 'request-rate': '0.5', json: true };
    const a = await runPlan(values, ctx);
    const b = await runPlan(values, ctx);
    expect(a.stdout).toBe(b.stdout);
    const doc = JSON.parse(a.stdout);
    expect(doc.viable).toBe(doc.candidates.length);
    expect(doc.recommendation).toEqual(doc.candidates[0]);
    expect(doc.alternatives).toEqual(doc.candidates.slice(1, 5));
    for (const key of [
      'model',
      'quant',
      'backend',
      'n_instances',
      'vram_gb',
      'quality',
      'quality_tier',
      'throughput_tps',
      'p95_latency_ms',
      'utilisation',
      'monthly_cost',
      'cost_per_1m_tok',
      'warnings',
    ]) {
      expect(doc.recommendation).toHaveProperty(key);
    }
    expect(doc.request.hardware.id).toBe(fixture().predictor.referenceGpu.id);
    expect(doc.infeasible).toBeNull();
    expect(doc.gates.map((g: { gate: string }) => g.gate)).toEqual(['vram', 'quality', 'latency', 'budget']);
  });

  it('runPlan({ no viable configuration }) exits 0 with the gate and what to relax', async () => {
    const out = await runPlan({ ...base, 'model-size': '3b', 'request-rate': '0.5', budget: '1' }, ctx);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/No viable configuration: the budget gate removed the last \d+ candidates/);
    expect(out.stdout).toMatch(/raise --budget to at least \$\d+\.\d\d/);
    const doc = JSON.parse(
      (await runPlan({ ...base, 'model-size': '3b', 'request-rate': '0.5', budget: '1', json: true }, ctx))
        .stdout,
    );
    expect(doc.recommendation).toBeNull();
    expect(doc.infeasible.gate).toBe('budget');
    expect(doc.infeasible.suggestion.option).toBe('budget');
  });

  it('runPlan({ hardware: unknown }) throws exit 2 with the nearest GPUs', async () => {
    const err = await runPlan(
      { ...base, 'model-size': '3b', 'request-rate': '1', hardware: 'RTX 4091 24GB' },
      ctx,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).exitCode).toBe(2);
    expect((err as PipelineError).message).toMatch(
      /unknown gpu 'RTX 4091 24GB' \(--hardware\); nearest known: .*rtx-4090/,
    );
  });

  it('runPlan({ bad options }) throws naming the option', async () => {
    await expect(runPlan({ ...base, 'request-rate': '1' }, ctx)).rejects.toThrow(/--model-size is required/);
    await expect(runPlan({ ...base, 'model-size': 'big', 'request-rate': '1' }, ctx)).rejects.toThrow(
      /--model-size must be/,
    );
    await expect(runPlan({ ...base, 'model-size': '3b' }, ctx)).rejects.toThrow(/--request-rate is required/);
    await expect(
      runPlan({ ...base, 'model-size': '3b', 'request-rate': '1', 'quality-target': '2' }, ctx),
    ).rejects.toThrow(/--quality-target must be between 0 and 1/);
    await expect(
      runPlan({ ...base, 'model-size': '3b', 'request-rate': '1', 'latency-slo': '0' }, ctx),
    ).rejects.toThrow(/--latency-slo/);
    await expect(
      runPlan({ ...base, 'model-size': '3b', 'request-rate': '1', 'max-instances': '0' }, ctx),
    ).rejects.toThrow(/--max-instances/);
  });
});
