/**
 * `capfit plan`: the 4-gate search (pipeline/plan/search.ts) over the artifact's registry for a
 * model size, a request rate and optional budget, latency SLO, quality target, hardware, context
 * and instance cap. No viable configuration is still an answer (exit 0) naming the gate and what
 * to relax; bad options and unknown hardware are exit 2.
 */
import type { CommandContext, CommandOutput } from '../cli.ts';
import { type PlanCandidate, type PlanResult, planSearch } from '../plan/search.ts';
import { parseModelSize } from '../plan/size.ts';
import type { GpuSpec } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { stableStringify } from '../util/stable-json.ts';
import { loadArtifact } from './artifact.ts';
import { formatPlan } from './format.ts';
import { flag, numberOption, stringOption, type Values } from './options.ts';

export async function runPlan(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const rawSize = stringOption(values, 'model-size');
  if (rawSize === undefined)
    throw new PipelineError('argument', '--model-size is required (e.g. 3b, 1.5b, 8b)');
  const modelSizeB = parseModelSize(rawSize);
  if (modelSizeB === undefined) {
    throw new PipelineError(
      'argument',
      `--model-size must be a size like 3b, 1.5b or 500m (billions or millions of parameters), got '${rawSize}'`,
    );
  }
  const requestRate = numberOption(values, 'request-rate', { min: 0 });
  if (requestRate === undefined)
    throw new PipelineError('argument', '--request-rate is required (requests per second)');
  const budgetUsd = numberOption(values, 'budget', { min: 0 });
  const latencySloMs = numberOption(values, 'latency-slo', { min: 0 });
  if (latencySloMs === 0) throw new PipelineError('argument', '--latency-slo must be > 0 ms, got 0');
  const qualityTarget = numberOption(values, 'quality-target', { min: 0 });
  if (qualityTarget !== undefined && qualityTarget > 1) {
    throw new PipelineError('argument', `--quality-target must be between 0 and 1, got ${qualityTarget}`);
  }
  const context = numberOption(values, 'context', { min: 1, integer: true });
  const maxInstances = numberOption(values, 'max-instances', { min: 1, integer: true });
  const { predictor } = await loadArtifact(values, ctx);

  let gpu: GpuSpec | undefined;
  const hardware = stringOption(values, 'hardware');
  if (hardware !== undefined) {
    const r = predictor.resolver.resolveGpu(hardware);
    gpu = r.known ? predictor.resolver.gpu(r.id) : undefined;
    if (!gpu) {
      const near = predictor.resolver.suggest('gpu', hardware, 5);
      throw new PipelineError(
        'unknown-name',
        `unknown gpu '${hardware}' (--hardware)${near.length > 0 ? `; nearest known: ${near.join(', ')}` : ''}; 'capfit hardware' lists them`,
      );
    }
  }
  const result = planSearch(predictor, {
    modelSizeB,
    requestRate,
    budgetUsd,
    latencySloMs,
    qualityTarget,
    gpu,
    context,
    maxInstances,
  });
  if (flag(values, 'json')) return { stdout: stableStringify(planJson(result)), exitCode: 0 };
  return { stdout: formatPlan(result), exitCode: 0 };
}

/** One candidate in the JSON output (TR133 §13b example 4's fields plus provenance). */
export function candidateJson(c: PlanCandidate) {
  const p = c.prediction;
  return {
    model: c.model,
    quant: c.quant,
    backend: c.backend,
    n_instances: c.instances,
    vram_gb: p.vram?.gb ?? null,
    vram_utilisation: p.vram?.utilisation ?? null,
    quality: p.quality.score,
    quality_tier: p.quality.tier,
    throughput_tps: p.throughput.tok_per_s,
    total_throughput_tps: p.scaling.total_tok_per_s,
    eta: p.scaling.eta,
    service_ms: p.latency.service_ms,
    p95_latency_ms: p.latency.p95_ms,
    utilisation: p.latency.rho,
    monthly_cost: p.cost.monthly_usd,
    cost_per_1m_tok: p.cost.usd_per_1m_tokens,
    provenance: {
      vram: p.vram?.provenance ?? 'unknown',
      throughput: p.throughput.provenance,
      throughput_route: p.throughput.route,
      scaling: p.scaling.provenance,
      quality: p.quality.provenance,
      cost: p.cost.provenance,
      latency: p.latency.provenance,
    },
    warnings: c.warnings,
  };
}

/** The `--json` document of `capfit plan`. */
export function planJson(r: PlanResult) {
  const q = r.request;
  return {
    request: {
      model_size_b: q.modelSizeB,
      request_rate: q.requestRate,
      budget_usd: q.budgetUsd,
      latency_slo_ms: q.latencySloMs,
      quality_target: q.qualityTarget,
      hardware: {
        id: q.gpu.id,
        name: q.gpu.name,
        vram_gb: q.gpu.vramGb,
        cost_per_hour: q.gpu.costPerHour,
      },
      context: q.context,
      max_instances: q.maxInstances,
      utilisation_cap: q.utilisationCap,
    },
    search_space: {
      size_rule: r.space.sizeRule,
      size_centre_b: r.space.sizeCentreB,
      models: r.space.models,
      quants: r.space.quants,
      backends: r.space.backends,
      backend_rule: r.space.backendRule,
      max_instances: r.space.maxInstances,
      candidates: r.space.size,
      unpredictable: r.space.unpredictable,
    },
    gates: r.gates,
    ranking: [
      'monthly_cost asc',
      'quality desc (known quality before the default for an unknown one)',
      'throughput provenance (measured, derived, extrapolated, default, unknown)',
      'p95_latency_ms asc',
      'model',
      'quant',
      'backend',
      'n_instances',
    ],
    viable: r.feasible.length,
    recommendation: r.recommendation ? candidateJson(r.recommendation) : null,
    alternatives: r.alternatives.map(candidateJson),
    candidates: r.feasible.map(candidateJson),
    infeasible: r.infeasible,
  };
}
