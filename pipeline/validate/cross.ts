/**
 * Out-of-sample validation for the two models whose "configurations" are single rows: a scaling
 * curve point (model, backend, N) and a service time (model, backend). Holding one such row out
 * leaves its neighbours in training, so instead a whole model (scaling) or (model, backend) pair
 * (latency) is held out at a time: fit on the rest, predict the held-out rows. Pure.
 */
import type { RefitConfig } from '../config.ts';
import type { Coefficients } from '../fit/index.ts';
import { fitLatency, predictLatencyRecord } from '../fit/latency.ts';
import { fitScaling, predictEta } from '../fit/scaling.ts';
import { predictThroughput } from '../fit/throughput.ts';
import type { SpecLookup } from '../fit/types.ts';
import type { LatencyRecord, ScalingRecord } from '../records.ts';
import type { ModelPoints } from './points.ts';
import type { ValidationPoint } from './score.ts';

/**
 * Leave-one-model-out η: for each model, fit scaling on every other model's curves and predict the
 * held-out model's η(N) (its pairs fall back to the backend defaults derived from the others).
 */
export function scalingLeaveOneModelOut(records: readonly ScalingRecord[], config: RefitConfig): ModelPoints {
  const models = [...new Set(records.map((r) => r.model))].sort();
  const points: ValidationPoint[] = [];
  for (const held of models) {
    const fit = fitScaling(
      records.filter((r) => r.model !== held),
      {
        defaultSerialFractions: config.defaults.serial_fractions,
        serialFractionFallback: config.defaults.serial_fraction_fallback,
      },
    );
    for (const r of records) {
      if (r.model !== held) continue;
      const p = predictEta(fit.coefficients, { model: r.model, backend: r.backend, n: r.nAgents });
      points.push({
        id: r.id,
        model: r.model,
        backend: r.backend,
        quant: r.quant,
        gpu: r.gpu,
        actual: r.eta,
        predicted: p.eta,
        provenance: p.provenance,
        inputs: { n: r.nAgents, family: p.family, held_out: held },
      });
    }
  }
  return { points, skipped: {} };
}

/**
 * Leave-one-pair-out service time: for each (model, backend), fit latency without it and predict
 * its rows; with no measured service time left, the prediction is the throughput-derived
 * `avg_output_tokens / tok/s` from `coefficients.throughput` (the unit's own throughput fit).
 */
export function latencyLeaveOnePairOut(
  records: readonly LatencyRecord[],
  coefficients: Coefficients,
  config: RefitConfig,
  specs: SpecLookup,
): ModelPoints {
  const pairKey = (r: LatencyRecord) => `${r.model}\u0000${r.backend}`;
  const pairs = [...new Set(records.map(pairKey))].sort();
  const refGpu = specs.gpu(coefficients.throughput.reference_gpu);
  const points: ValidationPoint[] = [];
  let skipped = 0;
  for (const pair of pairs) {
    const fit = fitLatency(
      records.filter((r) => pairKey(r) !== pair),
      {
        utilisationCap: config.defaults.utilisation_cap,
        tailFactor: config.defaults.tail_factor,
        avgOutputTokens: config.defaults.avg_output_tokens,
      },
    );
    for (const r of records) {
      if (pairKey(r) !== pair) continue;
      const quant = specs.quant(r.quant);
      const gpu = specs.gpu(r.gpu) ?? refGpu;
      const model = specs.model(r.model);
      const tp =
        quant && gpu && refGpu
          ? predictThroughput(coefficients.throughput, {
              modelId: r.model,
              ...(model ? { model } : {}),
              quant,
              backend: r.backend,
              gpu,
              referenceGpu: refGpu,
            })
          : undefined;
      const tokPerS = tp && tp.provenance !== 'unknown' ? tp.tokPerS : undefined;
      const p = predictLatencyRecord(fit.coefficients, r, tokPerS === undefined ? {} : { tokPerS });
      if (p.status !== 'ok' || p.predictedMs === null) {
        skipped++;
        continue;
      }
      points.push({
        id: r.id,
        model: r.model,
        backend: r.backend,
        quant: r.quant,
        gpu: r.gpu,
        actual: r.ms,
        predicted: p.predictedMs,
        provenance: p.source === 'measured' ? 'measured' : 'derived',
        inputs: {
          metric: r.metric,
          concurrency: r.concurrency,
          source: p.source,
          throughput_route: tp?.route ?? null,
        },
      });
    }
  }
  return { points, skipped: skipped > 0 ? { unseen_pair_without_throughput: skipped } : {} };
}
