/**
 * The planner core: answers "will it fit, how fast, how does it scale, what quality, what cost,
 * what latency" for one configuration from coefficients + registry alone. Validation, spot
 * checks, `capfit predict`, `capfit plan` and `capfit limits` all call this, so every surface
 * gives the same numbers.
 */
import type { PredictQuery } from './config.ts';
import { predictCost } from './fit/cost.ts';
import type { Coefficients } from './fit/index.ts';
import { predictLatency } from './fit/latency.ts';
import { predictQuality } from './fit/quality.ts';
import { predictEta } from './fit/scaling.ts';
import { predictThroughput } from './fit/throughput.ts';
import type { Provenance } from './fit/types.ts';
import { predictVram } from './fit/vram.ts';
import type { GpuSpec, ModelSpec, QuantSpec } from './records.ts';
import type { LoadedRegistry, NameKind, Resolver } from './registry.ts';
import { createResolver } from './registry.ts';
import { PipelineError } from './util/errors.ts';
import { splitKey } from './util/keys.ts';
import type { QuantityPrediction, SpotQuantity } from './validate/spot-checks.ts';

/** A query as a user types it: raw names, optional numbers. */
export interface RawQuery {
  readonly model: string;
  readonly quant?: string | undefined;
  readonly backend?: string | undefined;
  readonly gpu?: string | undefined;
  readonly context?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly requestRate?: number | undefined;
  /** Overrides the GPU's hourly rate (spot checks of the cost formula). */
  readonly hwCostPerHour?: number | undefined;
  /** Overrides the predicted throughput (spot checks of the cost formula). */
  readonly tokPerS?: number | undefined;
}

/** A query with canonical ids and registry specs. */
export interface ResolvedQuery {
  readonly modelId: string;
  readonly model: ModelSpec | undefined;
  readonly quant: QuantSpec;
  readonly backend: string;
  readonly gpu: GpuSpec;
  readonly context: number;
  readonly concurrency: number;
  readonly requestRate: number;
  readonly hwCostPerHour: number | undefined;
  readonly tokPerS: number | undefined;
}

/** Every model's answer for one configuration, each with its provenance. */
export interface FullPrediction {
  readonly query: {
    readonly model: string;
    readonly quant: string;
    readonly backend: string;
    readonly gpu: string;
    readonly context: number;
    readonly concurrency: number;
    readonly request_rate: number;
  };
  readonly vram: {
    readonly gb: number;
    readonly weight_gb: number;
    readonly kv_gb: number;
    readonly activation_gb: number;
    readonly gpu_vram_gb: number;
    readonly fits: boolean;
    readonly utilisation: number;
    readonly variant: string;
    readonly provenance: Provenance;
    readonly clamped: boolean;
  } | null;
  readonly throughput: {
    readonly tok_per_s: number;
    readonly roofline_tok_per_s: number | null;
    readonly route: string;
    readonly provenance: Provenance;
    readonly clamped: boolean;
  };
  readonly scaling: {
    readonly eta: number;
    readonly family: string;
    readonly total_tok_per_s: number;
    readonly provenance: Provenance;
  };
  readonly quality: {
    readonly score: number;
    readonly tier: string;
    readonly drop_pp: number | null;
    readonly provenance: Provenance;
  };
  readonly cost: {
    readonly usd_per_1m_tokens: number;
    readonly usd_per_hour: number;
    readonly monthly_usd: number;
    readonly provenance: Provenance;
  };
  readonly latency: {
    readonly service_ms: number;
    readonly rho: number;
    readonly wait_ms: number | null;
    readonly p95_ms: number | null;
    readonly status: string;
    readonly provenance: Provenance;
  };
}

export interface Predictor {
  readonly resolver: Resolver;
  readonly registry: LoadedRegistry;
  readonly coefficients: Coefficients;
  readonly referenceGpu: GpuSpec;
  /** Model ids the coefficients or the registry know, sorted. */
  readonly knownModels: readonly string[];
  /** Resolves raw names; an unknown name is a `PipelineError` (exit 2) listing the nearest known names. */
  resolve(raw: RawQuery): ResolvedQuery;
  predict(query: ResolvedQuery): FullPrediction;
  /** One quantity for a raw query (spot checks). */
  quantity(quantity: SpotQuantity, query: PredictQuery): QuantityPrediction;
}

/** Default backend when a query names none (the spec's single-user recommendation, TR133 key decision 1). */
export const DEFAULT_BACKEND = 'ollama';
/** Default quant when neither the flag nor the model name gives one. */
export const DEFAULT_QUANT = 'FP16';

/** Model ids named by lookup keys of the coefficients (`model|...`). */
function modelsInCoefficients(c: Coefficients): Set<string> {
  const ids = new Set<string>();
  const add = (table: Record<string, unknown>) => {
    for (const key of Object.keys(table)) ids.add(splitKey(key)[0]!);
  };
  add(c.throughput.lookup);
  add(c.quality.lookup);
  add(c.scaling.serial_fractions);
  add(c.latency.service_times);
  return ids;
}

function unknownName(resolver: Resolver, kind: NameKind, raw: string, option: string): PipelineError {
  const near = resolver.suggest(kind, raw, 5);
  const hint = near.length > 0 ? `; nearest known: ${near.join(', ')}` : '';
  return new PipelineError('unknown-name', `unknown ${kind} '${raw}' (--${option})${hint}`);
}

/**
 * `createPredictor(coefficients, registry)` binds the six models to a registry. The reference GPU
 * is the throughput coefficients' `reference_gpu`, which must be in the registry.
 */
export function createPredictor(coefficients: Coefficients, registry: LoadedRegistry): Predictor {
  const resolver = createResolver(registry);
  const referenceGpu = resolver.gpu(coefficients.throughput.reference_gpu);
  if (!referenceGpu) {
    throw new PipelineError(
      'artifact',
      `reference GPU '${coefficients.throughput.reference_gpu}' of the coefficients is not in the registry`,
    );
  }
  const fromCoefficients = modelsInCoefficients(coefficients);
  const knownModels = [...new Set([...registry.models.map((m) => m.id), ...fromCoefficients])].sort();
  const known = new Set(knownModels);
  const backends = new Set([
    ...registry.backends.map((b) => b.id),
    ...Object.keys(coefficients.throughput.lookup).map((k) => splitKey(k)[1]!),
  ]);

  const resolve = (raw: RawQuery): ResolvedQuery => {
    const m = resolver.resolveModel(raw.model);
    if (!known.has(m.id)) throw unknownName(resolver, 'model', raw.model, 'model');
    let quantId = m.quant ?? DEFAULT_QUANT;
    if (raw.quant !== undefined) {
      const q = resolver.resolveQuant(raw.quant);
      if (!q.known) throw unknownName(resolver, 'quant', raw.quant, 'quant');
      quantId = q.id;
    }
    const quant = resolver.quant(quantId);
    if (!quant) throw unknownName(resolver, 'quant', quantId, 'quant');
    let backend = DEFAULT_BACKEND;
    if (raw.backend !== undefined) {
      const b = resolver.resolveBackend(raw.backend);
      if (!b.known && !backends.has(b.id)) throw unknownName(resolver, 'backend', raw.backend, 'backend');
      backend = b.id;
    }
    let gpu = referenceGpu;
    if (raw.gpu !== undefined) {
      const g = resolver.resolveGpu(raw.gpu);
      const spec = g.known ? resolver.gpu(g.id) : undefined;
      if (!spec) throw unknownName(resolver, 'gpu', raw.gpu, 'gpu');
      gpu = spec;
    }
    const context = raw.context ?? coefficients.throughput.default_context;
    const concurrency = raw.concurrency ?? 1;
    const requestRate = raw.requestRate ?? 0;
    checkNumber(context, 'context', 1);
    checkNumber(concurrency, 'concurrency', 1);
    checkNumber(requestRate, 'request-rate', 0);
    return {
      modelId: m.id,
      model: resolver.model(m.id),
      quant,
      backend,
      gpu,
      context,
      concurrency,
      requestRate,
      hwCostPerHour: raw.hwCostPerHour,
      tokPerS: raw.tokPerS,
    };
  };

  const predict = (q: ResolvedQuery): FullPrediction => {
    const vram = q.model
      ? predictVram(coefficients.vram, {
          model: q.model,
          quant: q.quant,
          context: q.context,
          batch: 1,
          backend: q.backend,
        })
      : null;
    const tp = predictThroughput(coefficients.throughput, {
      modelId: q.modelId,
      ...(q.model ? { model: q.model } : {}),
      quant: q.quant,
      backend: q.backend,
      gpu: q.gpu,
      referenceGpu,
      context: q.context,
    });
    const tokPerS = q.tokPerS ?? tp.tokPerS;
    const eta = predictEta(coefficients.scaling, { model: q.modelId, backend: q.backend, n: q.concurrency });
    const quality = predictQuality(coefficients.quality, { model: q.modelId, quant: q.quant.id });
    const rate = q.hwCostPerHour ?? q.gpu.costPerHour;
    const cost = predictCost(coefficients.cost, {
      tokPerS,
      hwCostPerHour: rate,
      instances: q.concurrency,
    });
    const latency = predictLatency(coefficients.latency, {
      model: q.modelId,
      backend: q.backend,
      quant: q.quant.id,
      tokPerS,
      n: q.concurrency,
      eta: eta.eta,
      requestRate: q.requestRate,
    });
    return {
      query: {
        model: q.modelId,
        quant: q.quant.id,
        backend: q.backend,
        gpu: q.gpu.id,
        context: q.context,
        concurrency: q.concurrency,
        request_rate: q.requestRate,
      },
      vram: vram && {
        gb: vram.vramGb,
        weight_gb: vram.weightGb,
        kv_gb: vram.kvGb,
        activation_gb: vram.activationGb,
        gpu_vram_gb: q.gpu.vramGb,
        fits: vram.vramGb <= q.gpu.vramGb,
        utilisation: vram.vramGb / q.gpu.vramGb,
        variant: vram.variant,
        provenance: vram.provenance,
        clamped: vram.clamped,
      },
      throughput: {
        tok_per_s: tokPerS,
        roofline_tok_per_s: tp.rooflineTokPerS,
        route: q.tokPerS !== undefined ? 'given' : tp.route,
        provenance: q.tokPerS !== undefined ? 'measured' : tp.provenance,
        clamped: tp.clamped,
      },
      scaling: {
        eta: eta.eta,
        family: eta.family,
        total_tok_per_s: tokPerS * q.concurrency * eta.eta,
        provenance: eta.provenance,
      },
      quality: {
        score: quality.quality,
        tier: quality.tier,
        drop_pp: quality.dropPp,
        provenance: quality.provenance,
      },
      cost: {
        usd_per_1m_tokens: cost.usdPer1M,
        usd_per_hour: cost.usdPerHour,
        monthly_usd: cost.monthlyUsd,
        provenance:
          q.hwCostPerHour !== undefined ? 'measured' : q.gpu.costPerHour > 0 ? 'derived' : 'default',
      },
      latency: {
        service_ms: latency.serviceMs,
        rho: latency.rho,
        wait_ms: latency.waitMs,
        p95_ms: latency.p95Ms,
        status: latency.status,
        provenance: latency.provenance,
      },
    };
  };

  const quantity = (kind: SpotQuantity, pq: PredictQuery): QuantityPrediction => {
    const q = resolve({
      model: pq.model,
      quant: pq.quant,
      backend: pq.backend,
      gpu: pq.gpu,
      context: pq.context,
      concurrency: pq.concurrency,
      tokPerS: pq.tok_per_s,
      hwCostPerHour: pq.hw_cost_per_hour,
    });
    const p = predict(q);
    switch (kind) {
      case 'vram_gb':
        return p.vram
          ? { value: p.vram.gb, provenance: p.vram.provenance }
          : { value: null, provenance: 'unknown', note: `no registry spec for ${q.modelId}` };
      case 'tok_per_s':
        return { value: p.throughput.tok_per_s, provenance: p.throughput.provenance };
      case 'quality':
        return { value: p.quality.score, provenance: p.quality.provenance };
      case 'eta':
        return { value: p.scaling.eta, provenance: p.scaling.provenance };
      case 'usd_per_1m':
        return { value: p.cost.usd_per_1m_tokens, provenance: p.cost.provenance };
      case 'monthly_usd':
        return { value: p.cost.monthly_usd, provenance: p.cost.provenance };
      case 'p95_ms':
        return { value: p.latency.p95_ms, provenance: p.latency.provenance };
    }
  };

  return { resolver, registry, coefficients, referenceGpu, knownModels, resolve, predict, quantity };
}

function checkNumber(value: number, option: string, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new PipelineError('argument', `--${option} must be a number ≥ ${min}, got ${value}`);
  }
}
