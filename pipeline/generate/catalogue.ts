/**
 * What the synthetic corpus is made of: the models, quants, backends and GPUs it measures, each with
 * the raw spellings a TR-style table would print (`llama-3.2-1b`, `Llama-3.2-1B-Instruct`,
 * `llama3.2:1b`; backends `gpu`/`ollama`/`vllm`; GPUs as `nvidia-smi` names them). Canonical ids and
 * the architecture numbers follow TR133 Appendix A/B so the registry resolves every spelling.
 */

/** A model the generator measures: TR133 Appendix A architecture plus raw spellings. */
export interface CatalogueModel {
  readonly id: string;
  /** Parameters in billions. */
  readonly paramsB: number;
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /**
   * Names as reports print them; every one must normalise to `id`. Bare Ollama tags (`llama3.2:1b`)
   * are not among them: a tag names a default quant, which would contradict the quant column. The
   * tag form appears with its quant spelled out (`modelSpelling`).
   */
  readonly spellings: readonly string[];
  /** Ollama tag prefix (`llama3.2:1b`), for `model_tag` and the tagged spelling. */
  readonly ollamaTag: string;
}

export interface CatalogueQuant {
  readonly id: string;
  /** Effective bits per weight, block scales included. */
  readonly bitsPerWeight: number;
  readonly spellings: readonly string[];
  /** Suffix of an Ollama tag (`q4_K_M`, `fp16`). */
  readonly tagSuffix: string;
}

export interface CatalogueBackend {
  readonly id: string;
  readonly spellings: readonly string[];
  /** Quants the backend serves: GGUF quants on Ollama, FP16 elsewhere. */
  readonly quants: readonly string[];
  /** The quant used when a table measures one configuration per (model, backend). */
  readonly defaultQuant: string;
}

export interface CatalogueGpu {
  readonly id: string;
  /** The device name as `nvidia-smi` / `torch.cuda.get_device_name()` prints it. */
  readonly spelling: string;
  readonly vramGb: number;
  /** Peak memory bandwidth, GB/s (vendor spec, as datasets/registry/gpus.csv lists it). */
  readonly bandwidthGbs: number;
  /** Hourly cost in USD (TR133 Appendix B, as datasets/registry/gpus.csv lists it). */
  readonly costPerHour: number;
  /** `pricing_tier` label for cost rows. */
  readonly pricingTier: string;
}

const GGUF = ['FP16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_S', 'Q2_K'] as const;

export const CATALOGUE_MODELS: readonly CatalogueModel[] = [
  {
    id: 'qwen2.5-0.5b',
    paramsB: 0.49,
    layers: 24,
    kvHeads: 2,
    headDim: 64,
    spellings: ['qwen2.5-0.5b', 'Qwen2.5-0.5B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct'],
    ollamaTag: 'qwen2.5:0.5b',
  },
  {
    id: 'llama3.2-1b',
    paramsB: 1.24,
    layers: 16,
    kvHeads: 8,
    headDim: 64,
    spellings: ['llama3.2-1b', 'llama-3.2-1b', 'Llama-3.2-1B-Instruct', 'meta-llama/Llama-3.2-1B-Instruct'],
    ollamaTag: 'llama3.2:1b',
  },
  {
    id: 'qwen2.5-1.5b',
    paramsB: 1.54,
    layers: 28,
    kvHeads: 2,
    headDim: 128,
    spellings: ['qwen2.5-1.5b', 'Qwen2.5-1.5B-Instruct', 'qwen-2.5-1.5b'],
    ollamaTag: 'qwen2.5:1.5b',
  },
  {
    id: 'phi-2',
    paramsB: 2.78,
    layers: 32,
    kvHeads: 32,
    headDim: 80,
    spellings: ['phi-2', 'microsoft/phi-2', 'Phi-2'],
    ollamaTag: 'phi:2.7b',
  },
  {
    id: 'qwen2.5-3b',
    paramsB: 3.09,
    layers: 36,
    kvHeads: 2,
    headDim: 128,
    spellings: ['qwen2.5-3b', 'Qwen2.5-3B-Instruct', 'qwen-2.5-3b'],
    ollamaTag: 'qwen2.5:3b',
  },
  {
    id: 'llama3.2-3b',
    paramsB: 3.21,
    layers: 28,
    kvHeads: 8,
    headDim: 128,
    spellings: ['llama3.2-3b', 'llama-3.2-3b', 'Llama-3.2-3B-Instruct', 'meta-llama/Llama-3.2-3B-Instruct'],
    ollamaTag: 'llama3.2:3b',
  },
  {
    id: 'llama3.1-8b',
    paramsB: 8.03,
    layers: 32,
    kvHeads: 8,
    headDim: 128,
    spellings: ['llama3.1-8b', 'llama-3.1-8b', 'Llama-3.1-8B-Instruct'],
    ollamaTag: 'llama3.1:8b',
  },
];

export const CATALOGUE_QUANTS: readonly CatalogueQuant[] = [
  { id: 'FP16', bitsPerWeight: 16, spellings: ['FP16', 'fp16'], tagSuffix: 'fp16' },
  { id: 'Q8_0', bitsPerWeight: 8.5, spellings: ['Q8_0', 'q8_0'], tagSuffix: 'q8_0' },
  { id: 'Q6_K', bitsPerWeight: 6.57, spellings: ['Q6_K', 'q6_K'], tagSuffix: 'q6_K' },
  { id: 'Q5_K_M', bitsPerWeight: 5.69, spellings: ['Q5_K_M', 'q5_K_M'], tagSuffix: 'q5_K_M' },
  { id: 'Q4_K_M', bitsPerWeight: 4.87, spellings: ['Q4_K_M', 'q4_K_M'], tagSuffix: 'q4_K_M' },
  { id: 'Q3_K_S', bitsPerWeight: 3.51, spellings: ['Q3_K_S', 'q3_K_S'], tagSuffix: 'q3_K_S' },
  { id: 'Q2_K', bitsPerWeight: 3.16, spellings: ['Q2_K', 'q2_K'], tagSuffix: 'q2_K' },
];

export const CATALOGUE_BACKENDS: readonly CatalogueBackend[] = [
  { id: 'ollama', spellings: ['ollama', 'Ollama'], quants: GGUF, defaultQuant: 'Q4_K_M' },
  { id: 'vllm', spellings: ['vllm', 'vLLM'], quants: ['FP16'], defaultQuant: 'FP16' },
  { id: 'tgi', spellings: ['tgi', 'TGI'], quants: ['FP16'], defaultQuant: 'FP16' },
  {
    id: 'transformers-gpu',
    spellings: ['gpu', 'GPU', 'transformers-gpu'],
    quants: ['FP16'],
    defaultQuant: 'FP16',
  },
  {
    id: 'transformers-gpu-compile',
    spellings: ['gpu-compile', 'transformers-gpu-compile'],
    quants: ['FP16'],
    defaultQuant: 'FP16',
  },
];

/** The GPU every TR123–TR130 measurement ran on; latency, scaling and quality rows use it. */
export const REFERENCE_GPU = 'rtx-4080-laptop';

export const CATALOGUE_GPUS: readonly CatalogueGpu[] = [
  {
    id: 'rtx-4080-laptop',
    spelling: 'NVIDIA GeForce RTX 4080 Laptop GPU',
    vramGb: 12,
    bandwidthGbs: 432,
    costPerHour: 0.035,
    pricingTier: 'Consumer RTX 4080 (amortized)',
  },
  {
    id: 'rtx-4060',
    spelling: 'NVIDIA GeForce RTX 4060',
    vramGb: 8,
    bandwidthGbs: 272,
    costPerHour: 0.02,
    pricingTier: 'Consumer RTX 4060 (amortized)',
  },
  {
    id: 'rtx-4090',
    spelling: 'NVIDIA GeForce RTX 4090',
    vramGb: 24,
    bandwidthGbs: 1008,
    costPerHour: 0.06,
    pricingTier: 'Consumer RTX 4090 (amortized)',
  },
  {
    id: 'rtx-3090',
    spelling: 'NVIDIA GeForce RTX 3090',
    vramGb: 24,
    bandwidthGbs: 936,
    costPerHour: 0.04,
    pricingTier: 'Consumer RTX 3090 (amortized)',
  },
  {
    id: 'a100-80gb',
    spelling: 'NVIDIA A100-SXM4-80GB',
    vramGb: 80,
    bandwidthGbs: 2039,
    costPerHour: 1.6,
    pricingTier: 'Cloud A100 80GB (on-demand)',
  },
  {
    id: 'h100-sxm',
    spelling: 'NVIDIA H100 80GB HBM3',
    vramGb: 80,
    bandwidthGbs: 3352,
    costPerHour: 2.5,
    pricingTier: 'Cloud H100 80GB (on-demand)',
  },
];

/**
 * `ollamaTagFor(model, quant)` is the Ollama tag with the quant spelled out, as TR133 §2.3 prints it.
 * @example ollamaTagFor(byId(CATALOGUE_MODELS, 'llama3.2-1b'), 'Q4_K_M') // 'llama3.2:1b-instruct-q4_K_M'
 */
export function ollamaTagFor(model: CatalogueModel, quant: string): string {
  return `${model.ollamaTag}-instruct-${byId(CATALOGUE_QUANTS, quant).tagSuffix}`;
}

/** Model names no registry knows: rows carrying them are flagged `unknown_model`, not fitted. */
export const UNKNOWN_MODEL_SPELLINGS: readonly string[] = ['acme-lm-7b', 'Zephyrus-2B-Chat', 'mystery:13b'];

/** `byId(items, id)` finds a catalogue entry; throws on a programming error (unknown id). */
export function byId<T extends { readonly id: string }>(items: readonly T[], id: string): T {
  const found = items.find((item) => item.id === id);
  if (!found) throw new Error(`catalogue has no entry '${id}'`);
  return found;
}
