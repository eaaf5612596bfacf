/**
 * Good rows of the six category files, in the column layouts of datasets/corpus/*.csv (same
 * headers, so the same config field mappings apply). Each layout lists the configurations it can
 * measure (only those whose VRAM fits the GPU) and draws one row per call: a configuration, raw
 * spellings for its names, and a value from the known coefficients (`truth.ts`) times seeded noise.
 */

import type { Rng } from '../math/rng.ts';
import type { Category } from '../records.ts';
import {
  byId,
  CATALOGUE_BACKENDS,
  CATALOGUE_GPUS,
  CATALOGUE_MODELS,
  CATALOGUE_QUANTS,
  type CatalogueBackend,
  type CatalogueGpu,
  type CatalogueModel,
  ollamaTagFor,
} from './catalogue.ts';
import { intBetween, logNormalFactor, pick, standardNormal } from './random.ts';
import {
  GENERATOR_TRUTH,
  type GeneratorTruth,
  truthEta,
  truthKvGb,
  truthQuality,
  truthServiceMs,
  truthTokPerS,
  truthUsdPer1M,
  truthVramGb,
} from './truth.ts';

/** How one category file looks and how its good rows are drawn. */
export interface RowLayout {
  readonly category: Category;
  /** The header of datasets/corpus/<category>.csv, verbatim. */
  readonly header: readonly string[];
  /** Numeric columns behind required fields; a corrupted row damages every non-empty one. */
  readonly valueColumns: readonly string[];
  /** Distinct configurations the layout draws from (model × backend × quant × GPU × ...). */
  readonly configurations: number;
  /** One good row, values in header order. */
  next(rng: Rng): string[];
}

/** TR123 §2.2 scenarios: prompt and generated tokens. */
const SCENARIOS: readonly { readonly name: string; readonly prompt: number; readonly gen: number }[] = [
  { name: 'short_prompt', prompt: 64, gen: 64 },
  { name: 'medium_prompt', prompt: 256, gen: 128 },
  { name: 'long_prompt', prompt: 512, gen: 256 },
  { name: 'long_context', prompt: 1024, gen: 128 },
  { name: 'decode_heavy', prompt: 64, gen: 512 },
];

/** Context length at which a configuration must fit in GPU memory to be measured at all. */
const FIT_CONTEXT = 2048;
const CONTEXTS = [512, 1024, 2048, 4096, 8192, 16384, 32768] as const;
/** Share of rows that are published means of n samples rather than single runs. */
const MEAN_ROW_SHARE = 0.2;
/** `source_tr` of every generated row (the root config's quality filter names the report). */
export const SOURCE_TR = 'SYN';
/** torch prints allocations in MiB under an `MB` label; so does the generator (vram_mb, kv MB). */
const MIB = 1024 ** 2;

function source(category: Category): string {
  return `capfit:generate#${category}`;
}

interface Config {
  readonly model: CatalogueModel;
  readonly backend: CatalogueBackend;
  readonly quant: string;
  readonly gpu: CatalogueGpu;
}

/** Every (model, backend, quant, GPU) whose weights and a 2K context fit in the GPU's memory. */
function servingConfigs(gpus: readonly CatalogueGpu[], truth: GeneratorTruth): Config[] {
  const out: Config[] = [];
  for (const model of CATALOGUE_MODELS) {
    for (const backend of CATALOGUE_BACKENDS) {
      for (const quant of backend.quants) {
        for (const gpu of gpus) {
          if (truthVramGb(model.id, quant, FIT_CONTEXT, truth) <= gpu.vramGb)
            out.push({ model, backend, quant, gpu });
        }
      }
    }
  }
  return out;
}

const referenceGpus = (truth: GeneratorTruth): CatalogueGpu[] => [byId(CATALOGUE_GPUS, truth.reference_gpu)];

function quantSpelling(rng: Rng, quant: string): string {
  return pick(rng, byId(CATALOGUE_QUANTS, quant).spellings);
}

function ollamaTag(config: Config): string {
  return config.backend.id === 'ollama' ? ollamaTagFor(config.model, config.quant) : '';
}

/** A raw model name; Ollama rows may also print the tag with its quant (`llama3.2:1b-instruct-q4_K_M`). */
function modelSpelling(rng: Rng, config: Config): string {
  const spellings = config.model.spellings;
  const i = Math.floor(rng() * (spellings.length + (config.backend.id === 'ollama' ? 1 : 0)));
  return spellings[i] ?? ollamaTagFor(config.model, config.quant);
}

/** A sample count: 1 for a single run, else 3–30 behind a published mean. */
function sampleCount(rng: Rng): number {
  return rng() < MEAN_ROW_SHARE ? intBetween(rng, 3, 30) : 1;
}

const fixed = (value: number, digits: number): string => value.toFixed(digits);

/**
 * throughput.csv: N=1 decode rates over every (model, backend, quant, GPU) that fits, TR123 scenarios;
 * tok_s = truth tok/s · exp(σ·z/√n), 80 % single runs and 20 % means of n = 3–30.
 */
function throughputLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs = servingConfigs(CATALOGUE_GPUS, truth);
  const cv = truth.noise.throughput_cv;
  return {
    category: 'throughput',
    header: [
      'model',
      'model_tag',
      'backend',
      'quant',
      'gpu',
      'n_agents',
      'context_length',
      'prompt_tokens',
      'gen_tokens',
      'scenario',
      'phase',
      'throughput_metric',
      'tok_s',
      'tok_s_std',
      'tok_s_ci95_low',
      'tok_s_ci95_high',
      'cv_pct',
      'wall_ms',
      'n',
      'statistic',
      'status',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['tok_s'],
    configurations: configs.length,
    next(rng) {
      const c = pick(rng, configs);
      const scenario = pick(rng, SCENARIOS);
      const n = sampleCount(rng);
      const tps =
        truthTokPerS(c.model.id, c.backend.id, c.quant, c.gpu.id, truth) *
        logNormalFactor(rng, cv / Math.sqrt(n));
      const std = tps * cv;
      const half = (1.96 * std) / Math.sqrt(n);
      const isMean = n > 1;
      return [
        modelSpelling(rng, c),
        ollamaTag(c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        c.gpu.spelling,
        '1',
        c.backend.id.startsWith('transformers') ? '' : String(FIT_CONTEXT),
        String(scenario.prompt),
        String(scenario.gen),
        scenario.name,
        '',
        'decode_tok_s',
        fixed(tps, 2),
        isMean ? fixed(std, 2) : '',
        isMean ? fixed(tps - half, 2) : '',
        isMean ? fixed(tps + half, 2) : '',
        isMean ? fixed(cv * 100, 1) : '',
        fixed((scenario.gen / tps) * 1000, 1),
        String(n),
        isMean ? 'mean' : 'single_run',
        'ok',
        '',
        SOURCE_TR,
        source('throughput'),
      ];
    },
  };
}

/**
 * vram.csv: allocations of Ollama and transformers configurations over contexts 512–32768 (those that
 * fit); VRAM = truth · exp(σ·z), printed as GB or as MiB in the `vram_mb` column (torch's unit).
 */
function vramLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs: { readonly config: Config; readonly ctx: number }[] = [];
  for (const config of servingConfigs(CATALOGUE_GPUS, truth)) {
    if (config.backend.id !== 'ollama' && config.backend.id !== 'transformers-gpu') continue;
    for (const ctx of CONTEXTS) {
      if (truthVramGb(config.model.id, config.quant, ctx, truth) <= config.gpu.vramGb)
        configs.push({ config, ctx });
    }
  }
  const cv = truth.noise.vram_cv;
  return {
    category: 'vram',
    header: [
      'model',
      'backend',
      'quant',
      'gpu',
      'context_length',
      'vram_mb',
      'vram_gb',
      'vram_kind',
      'kv_cache_mb_theoretical',
      'kv_cache_mb_empirical',
      'in_gpu',
      'spillover_gb',
      'n',
      'status',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['vram_mb', 'vram_gb'],
    configurations: configs.length,
    next(rng) {
      const { config: c, ctx } = pick(rng, configs);
      const gb = truthVramGb(c.model.id, c.quant, ctx, truth) * logNormalFactor(rng, cv);
      const inMb = rng() < 0.5;
      return [
        modelSpelling(rng, c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        c.gpu.spelling,
        String(ctx),
        inMb ? fixed((gb * 1e9) / MIB, 0) : '',
        inMb ? '' : fixed(gb, 3),
        inMb ? 'torch_cuda_peak_allocated' : 'torch_cuda_alloc_with_kv',
        fixed(truthKvGb(c.model.id, ctx, 1, truth) * 1024, 1),
        '',
        'Yes',
        '',
        '1',
        'ok',
        '',
        SOURCE_TR,
        source('vram'),
      ];
    },
  };
}

/**
 * quality.csv: TR125-style phase-2 `Key Avg` scores per (model, quant) on the reference GPU;
 * score = baseline + delta + N(0, sd²), 20 % printed in percent.
 */
function qualityLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs = servingConfigs(referenceGpus(truth), truth).filter(
    (c) => c.backend.id === 'ollama' || c.backend.id === 'transformers-gpu',
  );
  const sd = truth.noise.quality_sd;
  return {
    category: 'quality',
    header: [
      'model',
      'model_tag',
      'backend',
      'quant',
      'phase',
      'task',
      'metric',
      'score',
      'score_unit',
      'ci95_low',
      'ci95_high',
      'delta_vs_baseline',
      'baseline_quant',
      'n',
      'tier',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['score'],
    configurations: configs.length,
    next(rng) {
      const c = pick(rng, configs);
      const n = intBetween(rng, 50, 200);
      const score = Math.min(
        1,
        Math.max(0.001, truthQuality(c.model.id, c.quant, truth) + sd * standardNormal(rng)),
      );
      const half = 1.96 * Math.sqrt((score * (1 - score)) / n);
      const percent = rng() < 0.2;
      const scale = percent ? 100 : 1;
      const digits = percent ? 2 : 4;
      return [
        modelSpelling(rng, c),
        ollamaTag(c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        'phase2',
        '',
        'Key Avg',
        fixed(score * scale, digits),
        percent ? 'percent' : 'fraction',
        fixed(Math.max(0, score - half) * scale, digits),
        fixed(Math.min(1, score + half) * scale, digits),
        '',
        '',
        String(n),
        '',
        '',
        SOURCE_TR,
        source('quality'),
      ];
    },
  };
}

/**
 * latency.csv: closed-loop N=1 wall_ms per (model, backend) at the backend's default quant on the
 * reference GPU; ms = truth service time · exp(σ·z/√n).
 */
function latencyLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs = servingConfigs(referenceGpus(truth), truth).filter(
    (c) => c.quant === c.backend.defaultQuant,
  );
  const cv = truth.noise.latency_cv;
  return {
    category: 'latency',
    header: [
      'model',
      'model_tag',
      'backend',
      'quant',
      'gpu',
      'concurrency',
      'n_agents',
      'num_parallel',
      'arrival_rate_rps',
      'context_length',
      'prompt_tokens',
      'gen_tokens',
      'scenario',
      'phase',
      'turn',
      'context_strategy',
      'latency_metric',
      'mean_ms',
      'median_ms',
      'std_ms',
      'ci95_low_ms',
      'ci95_high_ms',
      'p50_ms',
      'p95_ms',
      'p99_ms',
      'cv_pct',
      'queue_depth',
      'tokens_per_s',
      'n',
      'status',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['mean_ms', 'median_ms', 'p50_ms'],
    configurations: configs.length,
    next(rng) {
      const c = pick(rng, configs);
      const n = sampleCount(rng);
      const ms = truthServiceMs(c.model.id, c.backend.id, truth) * logNormalFactor(rng, cv / Math.sqrt(n));
      const isMean = n > 1;
      const std = ms * cv;
      const half = (1.96 * std) / Math.sqrt(n);
      const tokens = truth.latency_output_tokens;
      return [
        modelSpelling(rng, c),
        ollamaTag(c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        c.gpu.spelling,
        '1',
        '1',
        '',
        '',
        '',
        '64',
        String(tokens),
        '',
        'p1_baseline',
        '',
        '',
        'wall_ms',
        fixed(ms, 1),
        fixed(ms, 1),
        isMean ? fixed(std, 1) : '',
        isMean ? fixed(ms - half, 1) : '',
        isMean ? fixed(ms + half, 1) : '',
        fixed(ms, 1),
        isMean ? fixed(ms * (1 + 1.645 * cv), 1) : '',
        isMean ? fixed(ms * (1 + 2.326 * cv), 1) : '',
        isMean ? fixed(cv * 100, 1) : '',
        '',
        fixed((tokens / ms) * 1000, 2),
        String(n),
        'ok',
        '',
        SOURCE_TR,
        source('latency'),
      ];
    },
  };
}

/**
 * cost.csv: TR125-style `per_1m_tokens` rows; the printed tok/s is noisy and the price is exactly
 * rate / (tok/s · 3600) · 10⁶ of it, with the GPU's hourly rate in `hourly_rate_usd`.
 */
function costLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs = servingConfigs(CATALOGUE_GPUS, truth);
  const cv = truth.noise.throughput_cv;
  return {
    category: 'cost',
    header: [
      'model',
      'backend',
      'quant',
      'gpu',
      'scenario',
      'pricing_tier',
      'hourly_rate_usd',
      'cost_metric',
      'usd_per_1m_tokens',
      'decode_tok_s',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['usd_per_1m_tokens'],
    configurations: configs.length,
    next(rng) {
      const c = pick(rng, configs);
      const scenario = pick(rng, SCENARIOS);
      const tps = Number(
        fixed(truthTokPerS(c.model.id, c.backend.id, c.quant, c.gpu.id, truth) * logNormalFactor(rng, cv), 2),
      );
      return [
        modelSpelling(rng, c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        c.gpu.spelling,
        scenario.name,
        c.gpu.pricingTier,
        String(c.gpu.costPerHour),
        'per_1m_tokens',
        truthUsdPer1M(c.gpu.id, tps, truth).toPrecision(6),
        fixed(tps, 2),
        '',
        SOURCE_TR,
        source('cost'),
      ];
    },
  };
}

/** Agent counts per backend: TR129 swept Ollama to 16, TR130 swept the serving stacks to 8. */
const AGENTS: Readonly<Record<string, readonly number[]>> = {
  ollama: [1, 2, 3, 4, 6, 8, 12, 16],
  vllm: [1, 2, 3, 4, 5, 6, 7, 8],
  tgi: [1, 2, 3, 4, 5, 6, 7, 8],
};

/**
 * scaling.csv: η(N) points per (model, backend) for Ollama (N ≤ 16, printed in percent as TR129 does)
 * and vLLM/TGI (N ≤ 8, printed as a fraction as TR130 does); η = truth η(N) · exp(σ·z).
 */
function scalingLayout(truth: GeneratorTruth = GENERATOR_TRUTH): RowLayout {
  const configs: { readonly config: Config; readonly n: number }[] = [];
  for (const config of servingConfigs(referenceGpus(truth), truth)) {
    const agents = Object.hasOwn(AGENTS, config.backend.id) ? AGENTS[config.backend.id] : undefined;
    if (!agents || config.quant !== config.backend.defaultQuant) continue;
    for (const n of agents) configs.push({ config, n });
  }
  const cv = truth.noise.scaling_cv;
  return {
    category: 'scaling',
    header: [
      'model',
      'model_tag',
      'backend',
      'quant',
      'gpu',
      'n_agents',
      'per_agent_tps',
      'total_tps',
      'baseline_tps',
      'eta',
      'eta_unit',
      'wall_ms',
      'note',
      'source_tr',
      'source',
    ],
    valueColumns: ['eta'],
    configurations: configs.length,
    next(rng) {
      const { config: c, n } = pick(rng, configs);
      const baseline = truthTokPerS(c.model.id, c.backend.id, c.quant, c.gpu.id, truth);
      const eta = truthEta(c.backend.id, n, truth) * logNormalFactor(rng, cv);
      const perAgent = baseline * eta;
      const percent = c.backend.id === 'ollama';
      return [
        modelSpelling(rng, c),
        ollamaTag(c),
        pick(rng, c.backend.spellings),
        quantSpelling(rng, c.quant),
        c.gpu.spelling,
        String(n),
        fixed(perAgent, 2),
        fixed(perAgent * n, 2),
        fixed(baseline, 2),
        percent ? fixed(eta * 100, 2) : fixed(eta, 4),
        percent ? 'percent' : 'fraction',
        fixed((truth.latency_output_tokens / perAgent) * 1000, 1),
        '',
        SOURCE_TR,
        source('scaling'),
      ];
    },
  };
}

/** The six layouts in `CATEGORIES` order. */
export function rowLayouts(truth: GeneratorTruth = GENERATOR_TRUTH): readonly RowLayout[] {
  return [
    throughputLayout(truth),
    vramLayout(truth),
    qualityLayout(truth),
    latencyLayout(truth),
    costLayout(truth),
    scalingLayout(truth),
  ];
}
