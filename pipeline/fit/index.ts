/**
 * Stage 4: fit the six models on one training split. Each model is fitted independently
 * (TR133 §3.2) from the config's defaults; nothing here reads files or throws on data.
 */
import type { RefitConfig } from '../config.ts';
import type { RecordSet } from '../records.ts';
import { type CostCoefficients, fitCost } from './cost.ts';
import { fitLatency, type LatencyCoefficients } from './latency.ts';
import { fitQuality, type QualityCoefficients } from './quality.ts';
import { fitScaling, type ScalingCoefficients } from './scaling.ts';
import { fitThroughput, type ThroughputCoefficients } from './throughput.ts';
import type { FitResult, SpecLookup } from './types.ts';
import { fitVram, type VramCoefficients } from './vram.ts';

/** The six fitted models of one run. */
export interface FittedModels {
  readonly vram: FitResult<VramCoefficients>;
  readonly throughput: FitResult<ThroughputCoefficients>;
  readonly scaling: FitResult<ScalingCoefficients>;
  readonly quality: FitResult<QualityCoefficients>;
  readonly cost: FitResult<CostCoefficients>;
  readonly latency: FitResult<LatencyCoefficients>;
}

export interface FitContext {
  readonly config: RefitConfig;
  readonly specs: SpecLookup;
  /** Every quant id of the registry, so the artifact carries a multiplier for each. */
  readonly quantIds: readonly string[];
}

/**
 * `fitAll(train, ctx)` fits VRAM (two-pass), throughput (lookup + multipliers + power law +
 * physics), scaling (Amdahl vs power law per backend), quality (lookup + deltas), cost (rate) and
 * latency (service times) on the training records only.
 */
export function fitAll(train: RecordSet, ctx: FitContext): FittedModels {
  const d = ctx.config.defaults;
  return {
    vram: fitVram(train.vram, { specs: ctx.specs }),
    throughput: fitThroughput(train.throughput, {
      specs: ctx.specs,
      referenceGpu: d.reference_gpu,
      defaultContext: d.context_length,
      quants: ctx.quantIds,
    }),
    scaling: fitScaling(train.scaling, {
      defaultSerialFractions: d.serial_fractions,
      serialFractionFallback: d.serial_fraction_fallback,
    }),
    quality: fitQuality(train.quality, { unknownQuality: d.unknown_quality }),
    cost: fitCost(train.cost, { hwCostPerHour: d.hw_cost_per_hour }),
    latency: fitLatency(train.latency, {
      utilisationCap: d.utilisation_cap,
      tailFactor: d.tail_factor,
      avgOutputTokens: d.avg_output_tokens,
    }),
  };
}

/** The coefficient objects alone, as they are published. */
export function coefficientsOf(models: FittedModels) {
  return {
    vram: models.vram.coefficients,
    throughput: models.throughput.coefficients,
    scaling: models.scaling.coefficients,
    quality: models.quality.coefficients,
    cost: models.cost.coefficients,
    latency: models.latency.coefficients,
  };
}

export type Coefficients = ReturnType<typeof coefficientsOf>;
