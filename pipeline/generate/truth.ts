/**
 * The known coefficients a synthetic corpus is drawn from, and the noise-free quantities they imply.
 * Recovery tests fit the generated rows and compare against these. Every formula is in canonical
 * units (GB = 10^9 bytes, ms, tok/s, fractions, USD):
 *
 *   weight_GB   = params_B · bits_per_weight / 8
 *   KV_GB       = 2 · layers · batch · ctx · kv_heads · head_dim · 2 bytes / 1024³        (TR133 §4.1)
 *   VRAM_GB     = weight_GB · overhead + KV_GB + act · layers · (ctx/1024)² + intercept
 *   tok/s       = efficiency[backend] · multiplier[quant] · bandwidth_GBs / (params_B · 2)
 *   η(N)        = 1 / (1 + σ[backend] · (N − 1))                                          (standard Amdahl)
 *   quality     = baseline[model] + delta[quant]
 *   S_ms        = overhead_ms[backend] + output_tokens · 1000 / tok/s(model, backend, default quant, reference GPU)
 *   USD per 1M  = hourly_rate[gpu] / (tok/s · 3600) · 10^6                                 (TR133 §8.1)
 */

import {
  byId,
  CATALOGUE_BACKENDS,
  CATALOGUE_GPUS,
  CATALOGUE_MODELS,
  CATALOGUE_QUANTS,
  REFERENCE_GPU,
} from './catalogue.ts';

/** The coefficients behind a generated corpus; serialised verbatim as `truth.json`. */
export interface GeneratorTruth {
  readonly formulas: Readonly<
    Record<'vram' | 'throughput' | 'scaling' | 'quality' | 'latency' | 'cost', string>
  >;
  readonly reference_gpu: string;
  readonly vram: {
    readonly overhead_factor: number;
    readonly intercept_gb: number;
    /** GB per layer per (ctx/1024)². */
    readonly act_coeff: number;
    readonly kv_bytes_per_element: number;
  };
  /** Decode efficiency vs the FP16 bandwidth roofline, per canonical backend. */
  readonly backend_efficiency: Readonly<Record<string, number>>;
  /** Throughput multiplier vs FP16, per canonical quant. */
  readonly quant_multipliers: Readonly<Record<string, number>>;
  /** Standard-form Amdahl σ per canonical backend (η = 1/(σN + 1 − σ)). */
  readonly serial_fractions: Readonly<Record<string, number>>;
  /** FP16 composite quality per canonical model. */
  readonly quality_baselines: Readonly<Record<string, number>>;
  /** Additive quality change vs FP16 per canonical quant. */
  readonly quality_deltas: Readonly<Record<string, number>>;
  /** Fixed per-request overhead per backend, ms. */
  readonly latency_overhead_ms: Readonly<Record<string, number>>;
  /** Output tokens per latency request. */
  readonly latency_output_tokens: number;
  /** USD per hour per canonical GPU. */
  readonly cost_rates: Readonly<Record<string, number>>;
  /** Noise: multiplicative ones are log-normal σ; `quality_sd` is additive. */
  readonly noise: {
    readonly throughput_cv: number;
    readonly vram_cv: number;
    readonly quality_sd: number;
    readonly latency_cv: number;
    readonly scaling_cv: number;
  };
}

export const GENERATOR_TRUTH: GeneratorTruth = {
  formulas: {
    vram: 'vram_gb = params_b*bits/8*overhead_factor + 2*layers*batch*ctx*kv_heads*head_dim*2/1024^3 + act_coeff*layers*(ctx/1024)^2 + intercept_gb',
    throughput:
      'tok_per_s = backend_efficiency[backend] * quant_multipliers[quant] * bandwidth_gbs / (params_b * 2)',
    scaling: 'eta = 1 / (1 + serial_fractions[backend] * (n - 1))',
    quality: 'score = quality_baselines[model] + quality_deltas[quant]',
    latency:
      'service_ms = latency_overhead_ms[backend] + latency_output_tokens * 1000 / tok_per_s(model, backend, default quant, reference_gpu)',
    cost: 'usd_per_1m = cost_rates[gpu] / (tok_per_s * 3600) * 1e6',
  },
  reference_gpu: REFERENCE_GPU,
  vram: { overhead_factor: 1.1, intercept_gb: 0.9, act_coeff: 0.0005, kv_bytes_per_element: 2 },
  backend_efficiency: {
    ollama: 0.62,
    vllm: 0.58,
    tgi: 0.5,
    'transformers-gpu': 0.3,
    'transformers-gpu-compile': 0.55,
  },
  quant_multipliers: {
    FP16: 1,
    Q8_0: 1.3,
    Q6_K: 1.5,
    Q5_K_M: 1.7,
    Q4_K_M: 1.9,
    Q3_K_S: 2.1,
    Q2_K: 2.3,
  },
  serial_fractions: {
    ollama: 0.45,
    vllm: 0.15,
    tgi: 0.2,
    'transformers-gpu': 0.9,
    'transformers-gpu-compile': 0.9,
  },
  quality_baselines: {
    'qwen2.5-0.5b': 0.45,
    'llama3.2-1b': 0.544,
    'qwen2.5-1.5b': 0.584,
    'phi-2': 0.534,
    'qwen2.5-3b': 0.6,
    'llama3.2-3b': 0.61,
    'llama3.1-8b': 0.65,
  },
  quality_deltas: {
    FP16: 0,
    Q8_0: -0.004,
    Q6_K: -0.008,
    Q5_K_M: -0.012,
    Q4_K_M: -0.02,
    Q3_K_S: -0.045,
    Q2_K: -0.12,
  },
  latency_overhead_ms: {
    ollama: 60,
    vllm: 120,
    tgi: 150,
    'transformers-gpu': 40,
    'transformers-gpu-compile': 40,
  },
  latency_output_tokens: 128,
  cost_rates: Object.fromEntries(CATALOGUE_GPUS.map((g) => [g.id, g.costPerHour])),
  noise: { throughput_cv: 0.05, vram_cv: 0.02, quality_sd: 0.01, latency_cv: 0.05, scaling_cv: 0.02 },
};

function lookup(table: Readonly<Record<string, number>>, key: string, what: string): number {
  const value = Object.hasOwn(table, key) ? table[key] : undefined;
  if (value === undefined) throw new Error(`truth has no ${what} for '${key}'`);
  return value;
}

/**
 * `truthKvGb(model, ctx, batch)` = 2 · layers · batch · ctx · kv_heads · head_dim · 2 / 1024³.
 * @example truthKvGb('llama3.2-1b', 2048) // 0.0625
 */
export function truthKvGb(
  model: string,
  ctx: number,
  batch = 1,
  truth: GeneratorTruth = GENERATOR_TRUTH,
): number {
  const m = byId(CATALOGUE_MODELS, model);
  return (2 * m.layers * batch * ctx * m.kvHeads * m.headDim * truth.vram.kv_bytes_per_element) / 1024 ** 3;
}

/**
 * `truthWeightGb(model, quant)` = params_B · bits_per_weight / 8.
 * @example truthWeightGb('llama3.2-1b', 'FP16') // 2.48
 */
export function truthWeightGb(model: string, quant: string): number {
  return (byId(CATALOGUE_MODELS, model).paramsB * byId(CATALOGUE_QUANTS, quant).bitsPerWeight) / 8;
}

/**
 * `truthVramGb(model, quant, ctx)` is the noise-free VRAM of the module formula (batch 1).
 * @example truthVramGb('llama3.2-1b', 'FP16', 2048) // ≈ 3.76
 */
export function truthVramGb(
  model: string,
  quant: string,
  ctx: number,
  truth: GeneratorTruth = GENERATOR_TRUTH,
): number {
  const m = byId(CATALOGUE_MODELS, model);
  const v = truth.vram;
  return (
    truthWeightGb(model, quant) * v.overhead_factor +
    truthKvGb(model, ctx, 1, truth) +
    v.act_coeff * m.layers * (ctx / 1024) ** 2 +
    v.intercept_gb
  );
}

/**
 * `truthTokPerS(model, backend, quant, gpu)` = efficiency · multiplier · bandwidth / (params_B · 2).
 * @example truthTokPerS('llama3.2-1b', 'ollama', 'FP16', 'rtx-4080-laptop') // ≈ 139.0
 */
export function truthTokPerS(
  model: string,
  backend: string,
  quant: string,
  gpu: string,
  truth: GeneratorTruth = GENERATOR_TRUTH,
): number {
  const roofline = byId(CATALOGUE_GPUS, gpu).bandwidthGbs / (byId(CATALOGUE_MODELS, model).paramsB * 2);
  return (
    lookup(truth.backend_efficiency, backend, 'backend efficiency') *
    lookup(truth.quant_multipliers, quant, 'quant multiplier') *
    roofline
  );
}

/**
 * `truthEta(backend, n)` = 1 / (1 + σ · (N − 1)).
 * @example truthEta('ollama', 3) // ≈ 0.526
 */
export function truthEta(backend: string, n: number, truth: GeneratorTruth = GENERATOR_TRUTH): number {
  return 1 / (1 + lookup(truth.serial_fractions, backend, 'serial fraction') * (n - 1));
}

/**
 * `truthQuality(model, quant)` = baseline[model] + delta[quant].
 * @example truthQuality('llama3.2-1b', 'Q2_K') // 0.424
 */
export function truthQuality(model: string, quant: string, truth: GeneratorTruth = GENERATOR_TRUTH): number {
  return (
    lookup(truth.quality_baselines, model, 'quality baseline') +
    lookup(truth.quality_deltas, quant, 'quality delta')
  );
}

/**
 * `truthServiceMs(model, backend)` = overhead_ms + output_tokens · 1000 / tok/s at the backend's
 * default quant on the reference GPU.
 * @example truthServiceMs('llama3.2-1b', 'vllm') // ≈ 1114
 */
export function truthServiceMs(
  model: string,
  backend: string,
  truth: GeneratorTruth = GENERATOR_TRUTH,
): number {
  const quant = byId(CATALOGUE_BACKENDS, backend).defaultQuant;
  const tps = truthTokPerS(model, backend, quant, truth.reference_gpu, truth);
  return (
    lookup(truth.latency_overhead_ms, backend, 'latency overhead') +
    (truth.latency_output_tokens * 1000) / tps
  );
}

/**
 * `truthUsdPer1M(gpu, tokPerS)` = rate / (tok/s · 3600) · 10⁶.
 * @example truthUsdPer1M('rtx-4080-laptop', 100) // ≈ 0.0972
 */
export function truthUsdPer1M(gpu: string, tokPerS: number, truth: GeneratorTruth = GENERATOR_TRUTH): number {
  return (lookup(truth.cost_rates, gpu, 'cost rate') / (tokPerS * 3600)) * 1e6;
}
