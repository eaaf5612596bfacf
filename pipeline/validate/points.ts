/**
 * Stage 5a: predictions for held-out records. Each test record becomes a `ValidationPoint`
 * (actual, predicted, provenance, inputs) or is counted as skipped with a reason (a quant the
 * registry does not know, an unseen pair with nothing to derive from...). Pure.
 */

import { predictCostRecord } from '../fit/cost.ts';
import type { Coefficients } from '../fit/index.ts';
import { type LatencyRecordPrediction, predictLatencyRecord } from '../fit/latency.ts';
import { predictQuality } from '../fit/quality.ts';
import { predictEta } from '../fit/scaling.ts';
import { predictThroughput, predictThroughputRecords } from '../fit/throughput.ts';
import type { SpecLookup } from '../fit/types.ts';
import { predictVramRecords } from '../fit/vram.ts';
import type { AnyRecord, LatencyRecord, RecordSet } from '../records.ts';
import { dict } from '../util/keys.ts';
import { TupleCache } from '../util/memo.ts';
import type { ValidationPoint } from './score.ts';

export type ScoredModel = 'vram' | 'throughput' | 'scaling' | 'quality' | 'cost' | 'latency';

export const SCORED_MODELS: readonly ScoredModel[] = [
  'vram',
  'throughput',
  'scaling',
  'quality',
  'cost',
  'latency',
];

export interface ModelPoints {
  readonly points: readonly ValidationPoint[];
  /** Records that could not be predicted, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

export type PointsByModel = Readonly<Record<ScoredModel, ModelPoints>>;

/** A validation point for a held-out record: its identity, actual, prediction and inputs. */
export function point(
  r: AnyRecord,
  actual: number,
  predicted: number,
  provenance: ValidationPoint['provenance'],
  inputs: ValidationPoint['inputs'],
): ValidationPoint {
  return {
    id: r.id,
    model: r.model,
    backend: r.backend,
    quant: r.quant,
    gpu: r.gpu,
    actual,
    predicted,
    provenance,
    inputs,
  };
}

/**
 * A held-out latency record's point from its prediction. Points with the same metric, concurrency and
 * service-time source share one inputs object, through `inputs` (keys start with `'latency'`).
 */
export function latencyPoint(
  r: LatencyRecord,
  predictedMs: number,
  source: LatencyRecordPrediction['source'],
  inputs: TupleCache<ValidationPoint['inputs']>,
): ValidationPoint {
  return point(
    r,
    r.ms,
    predictedMs,
    source === 'measured' ? 'measured' : 'derived',
    inputs.get(['latency', r.metric, r.concurrency, source], () => ({
      metric: r.metric,
      concurrency: r.concurrency,
      source,
    })),
  );
}

class Skips {
  readonly counts = dict<number>();
  add(reason: string): void {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
  }
}

/**
 * `validationPoints(coefficients, test, specs)` predicts every held-out record with the published
 * predict functions. Throughput records at N = 1 only (multi-agent rows are the scaling model's);
 * latency falls back to the throughput-derived service time for pairs unseen in training.
 */
export function validationPoints(c: Coefficients, test: RecordSet, specs: SpecLookup): PointsByModel {
  // predictVramRecords / predictThroughputRecords answer in input order: prediction i is record i.
  // Points of one configuration share one (read-only) inputs object: there are millions of points.
  const inputs = new TupleCache<ValidationPoint['inputs']>();
  const vramSkips = new Skips();
  const vram: ValidationPoint[] = [];
  const vramPredictions = predictVramRecords(c.vram, test.vram, specs);
  for (let i = 0; i < vramPredictions.length; i++) {
    const p = vramPredictions[i]!;
    const r = test.vram[i]!;
    if (!p.prediction) {
      vramSkips.add(p.skipped ?? 'invalid');
      continue;
    }
    vram.push(
      point(
        r,
        p.actual,
        p.prediction.vramGb,
        p.prediction.provenance,
        inputs.get(['vram', r.contextLength], () => ({ context: r.contextLength })),
      ),
    );
  }

  const tpSkips = new Skips();
  const throughput: ValidationPoint[] = [];
  const tpPredictions = predictThroughputRecords(c.throughput, test.throughput, specs);
  for (let i = 0; i < tpPredictions.length; i++) {
    const p = tpPredictions[i]!;
    const r = test.throughput[i]!;
    if (!p.prediction) {
      tpSkips.add(p.skipped ?? 'invalid');
      continue;
    }
    const { route } = p.prediction;
    throughput.push(
      point(
        r,
        p.actual,
        p.prediction.tokPerS,
        p.prediction.provenance,
        inputs.get(['throughput', r.contextLength, route, r.metric], () => ({
          context: r.contextLength,
          route,
          metric: r.metric,
        })),
      ),
    );
  }

  const scaling: ValidationPoint[] = [];
  for (const r of test.scaling) {
    const p = predictEta(c.scaling, { model: r.model, backend: r.backend, n: r.nAgents });
    scaling.push(point(r, r.eta, p.eta, p.provenance, { n: r.nAgents, family: p.family }));
  }

  const quality: ValidationPoint[] = [];
  for (const r of test.quality) {
    const p = predictQuality(c.quality, { model: r.model, quant: r.quant });
    quality.push(point(r, r.score, p.quality, p.provenance, { metric: r.metric, tier: p.tier }));
  }

  const costSkips = new Skips();
  const cost: ValidationPoint[] = [];
  for (const r of test.cost) {
    // Rows that print no hourly rate are scored at the configured default rate (labelled `default`).
    const p = predictCostRecord(c.cost, r, { useDefaultRate: true });
    if (p.status !== 'ok' || p.usdPer1M === null) {
      costSkips.add('no_tok_s_or_rate');
      continue;
    }
    cost.push(
      point(r, r.usdPer1M, p.usdPer1M, p.rateSource === 'record' ? 'measured' : 'default', {
        tok_per_s: r.tokPerS,
        rate: r.hourlyRate,
        metric: r.metric,
      }),
    );
  }

  const latSkips = new Skips();
  const latency: ValidationPoint[] = [];
  const refGpu = specs.gpu(c.throughput.reference_gpu);
  const tokPerSCache = new TupleCache<number | undefined>();
  for (const r of test.latency) {
    const tokPerS = tokPerSCache.get([r.model, r.quant, r.backend, r.gpu], () =>
      throughputFor(c, specs, r.model, r.quant, r.backend, r.gpu, refGpu),
    );
    const p = predictLatencyRecord(c.latency, r, tokPerS === undefined ? {} : { tokPerS });
    if (p.status !== 'ok' || p.predictedMs === null) {
      latSkips.add('unseen_pair_without_throughput');
      continue;
    }
    latency.push(latencyPoint(r, p.predictedMs, p.source, inputs));
  }

  return {
    vram: { points: vram, skipped: vramSkips.counts },
    throughput: { points: throughput, skipped: tpSkips.counts },
    scaling: { points: scaling, skipped: {} },
    quality: { points: quality, skipped: {} },
    cost: { points: cost, skipped: costSkips.counts },
    latency: { points: latency, skipped: latSkips.counts },
  };
}

/**
 * Single-stream tok/s for a configuration from `c.throughput` (an unknown GPU is taken as the
 * reference GPU), or undefined when the registry cannot resolve it.
 */
export function throughputFor(
  c: Coefficients,
  specs: SpecLookup,
  modelId: string,
  quantId: string,
  backend: string,
  gpuId: string,
  refGpu: ReturnType<SpecLookup['gpu']>,
): number | undefined {
  const quant = specs.quant(quantId);
  const gpu = specs.gpu(gpuId) ?? refGpu;
  if (!quant || !gpu || !refGpu) return undefined;
  const model = specs.model(modelId);
  const p = predictThroughput(c.throughput, {
    modelId,
    ...(model ? { model } : {}),
    quant,
    backend,
    gpu,
    referenceGpu: refGpu,
  });
  return p.provenance === 'unknown' ? undefined : p.tokPerS;
}
