import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runLimits } from '../../pipeline/commands/limits.ts';
import { computeLimits } from '../../pipeline/plan/limits.ts';
import { FIXTURE_PATH, fixture, testContext } from '../fixtures/artifact/load.ts';

const ctx = testContext(tmpdir());
const base = { artifact: FIXTURE_PATH };

describe('runLimits', () => {
  it('runLimits({ model, quant, backend, gpu, json }) reports the solver limits with resolved names', async () => {
    const out = await runLimits(
      {
        ...base,
        model: 'Llama-3.1-8B-Instruct',
        quant: 'q4_k_m',
        backend: 'ollama',
        gpu: 'RTX 4060 8GB',
        json: true,
      },
      ctx,
    );
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout);
    const { artifact, predictor } = fixture();
    const r = predictor.resolver;
    const expected = computeLimits(artifact.vram, {
      model: r.model('llama3.1-8b')!,
      quant: r.quant('Q4_K_M')!,
      gpu: r.gpu('rtx-4060')!,
      context: artifact.throughput.default_context,
      backend: 'ollama',
    });
    expect(doc.query).toEqual({
      model: 'llama3.1-8b',
      quant: 'Q4_K_M',
      backend: 'ollama',
      gpu: 'rtx-4060',
      context: 2048,
    });
    expect(doc.max_context.tokens).toBe(expected.maxContext.value);
    expect(doc.max_sequences).toEqual({
      context: 2048,
      sequences: expected.maxSequences.value,
      capped: false,
      vram_gb: expected.maxSequences.vramGb,
      provenance: expected.maxSequences.provenance,
    });
    expect(doc.max_context.tokens).toBeGreaterThan(2048);
  });

  it('runLimits({ …, context }) prints both limits', async () => {
    const out = await runLimits(
      { ...base, model: 'llama3.2-3b', quant: 'Q4_K_M', backend: 'vllm', gpu: 'rtx-4090', context: '8192' },
      ctx,
    );
    expect(out.stdout).toMatch(/^llama3\.2-3b · Q4_K_M · vllm · RTX 4090 24GB \(24 GB\)\n/);
    expect(out.stdout).toMatch(/max context +\d+ tokens at 1 sequence/);
    expect(out.stdout).toMatch(/max sequences +\d+ concurrent at context 8192/);
  });

  it('runLimits({ missing options or unknown names }) throws exit 2', async () => {
    await expect(runLimits({ ...base, model: 'phi-2' }, ctx)).rejects.toThrow(
      /--quant, --backend, --gpu required/,
    );
    await expect(
      runLimits({ ...base, model: 'phi-2', quant: 'FP16', backend: 'ollama', gpu: 'rtx-9999' }, ctx),
    ).rejects.toThrow(/unknown gpu 'rtx-9999'/);
  });
});
