/**
 * `capfit limits`: the largest context that fits the GPU at one sequence, and the largest number
 * of concurrent sequences at `--context` (default the artifact's default context), from the fitted
 * VRAM model (pipeline/plan/limits.ts).
 */
import type { CommandContext, CommandOutput } from '../cli.ts';
import { computeLimits } from '../plan/limits.ts';
import { PipelineError } from '../util/errors.ts';
import { stableStringify } from '../util/stable-json.ts';
import { loadArtifact } from './artifact.ts';
import { formatLimits } from './format.ts';
import { flag, numberOption, stringOption, type Values } from './options.ts';

export async function runLimits(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const missing = ['model', 'quant', 'backend', 'gpu'].filter((o) => stringOption(values, o) === undefined);
  if (missing.length > 0) {
    throw new PipelineError('argument', `${missing.map((o) => `--${o}`).join(', ')} required`);
  }
  const context = numberOption(values, 'context', { min: 1, integer: true });
  const { artifact, predictor } = await loadArtifact(values, ctx);
  const q = predictor.resolve({
    model: stringOption(values, 'model')!,
    quant: stringOption(values, 'quant'),
    backend: stringOption(values, 'backend'),
    gpu: stringOption(values, 'gpu'),
    context,
  });
  if (!q.model) {
    throw new PipelineError(
      'unknown-name',
      `model '${q.modelId}' has coefficients but no registry spec (layers, KV heads): its VRAM cannot be predicted`,
    );
  }
  const r = computeLimits(artifact.vram, {
    model: q.model,
    quant: q.quant,
    gpu: q.gpu,
    context: q.context,
    backend: q.backend,
  });
  if (flag(values, 'json')) {
    return {
      stdout: stableStringify({
        query: { model: q.modelId, quant: q.quant.id, backend: q.backend, gpu: q.gpu.id, context: q.context },
        gpu_vram_gb: r.gpuVramGb,
        base_vram_gb: r.baseVramGb,
        max_context: {
          tokens: r.maxContext.value,
          capped: r.maxContext.capped,
          vram_gb: r.maxContext.vramGb,
          provenance: r.maxContext.provenance,
        },
        max_sequences: {
          context: r.maxSequences.context,
          sequences: r.maxSequences.value,
          capped: r.maxSequences.capped,
          vram_gb: r.maxSequences.vramGb,
          provenance: r.maxSequences.provenance,
        },
      }),
      exitCode: 0,
    };
  }
  return {
    stdout: formatLimits(r, { model: q.modelId, quant: q.quant.id, backend: q.backend, gpu: q.gpu }),
    exitCode: 0,
  };
}
