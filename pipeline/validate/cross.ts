/**
 * Out-of-sample validation for the two models whose "configurations" are single rows: a scaling
 * curve point (model, backend, N) and a service time (model, backend). Holding one such row out
 * leaves its neighbours in training, so instead a whole model (scaling) or (model, backend) pair
 * (latency) is held out at a time: fit on the rest, predict the held-out rows. Pure.
 */
import type { RefitConfig } from '../config.ts';
import type { Coefficients } from '../fit/index.ts';
import {
  fitLatency,
  type LatencyCoefficients,
  type LatencyRecordPrediction,
  predictLatencyRecord,
} from '../fit/latency.ts';
import { fitScaling, predictEta } from '../fit/scaling.ts';
import type { SpecLookup } from '../fit/types.ts';
import type { LatencyRecord, ScalingRecord } from '../records.ts';
import { compositeKey, dict } from '../util/keys.ts';
import { ObjectPairCache, TupleCache } from '../util/memo.ts';
import { latencyPoint, type ModelPoints, point, throughputFor } from './points.ts';
import type { ValidationPoint } from './score.ts';

/**
 * Leave-one-model-out η: for each model, fit scaling on every other model's curves and predict the
 * held-out model's η(N) (its pairs fall back to the backend defaults derived from the others).
 */
export function scalingLeaveOneModelOut(records: readonly ScalingRecord[], config: RefitConfig): ModelPoints {
  // No split is involved: every seed of a refit gets the same points.
  return lomoPoints.get(records, config, () => computeScalingLeaveOneModelOut(records, config));
}

const lomoPoints = new ObjectPairCache<readonly ScalingRecord[], RefitConfig, ModelPoints>();

function computeScalingLeaveOneModelOut(records: readonly ScalingRecord[], config: RefitConfig): ModelPoints {
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
      points.push(point(r, r.eta, p.eta, p.provenance, { n: r.nAgents, family: p.family, held_out: held }));
    }
  }
  return { points, skipped: {} };
}

/**
 * Leave-one-pair-out service time: each (model, backend) pair's rows are predicted with its own
 * measured service time withheld, so the prediction is the throughput-derived
 * `avg_output_tokens / tok/s` from `coefficients.throughput` (the unit's own throughput fit).
 * A pair's service time is a statistic of that pair's rows alone, so fitting once and deleting the
 * pair's entries equals refitting without it, at O(n) instead of O(pairs · n).
 */
export function latencyLeaveOnePairOut(
  records: readonly LatencyRecord[],
  coefficients: Coefficients,
  config: RefitConfig,
  specs: SpecLookup,
): ModelPoints {
  const full = fullLatencyFit(records, config);
  const refGpu = specs.gpu(coefficients.throughput.reference_gpu);
  const withheld = new TupleCache<LatencyCoefficients>();
  // A prediction depends on the record's configuration only (its pair's fit, its throughput).
  const predictionOf = new TupleCache<Pick<LatencyRecordPrediction, 'status' | 'predictedMs' | 'source'>>();
  const inputs = new TupleCache<ValidationPoint['inputs']>();
  const points: ValidationPoint[] = [];
  let skipped = 0;
  for (const r of records) {
    const p = predictionOf.get([r.model, r.backend, r.quant, r.gpu], () => {
      const fit = withheld.get([r.model, r.backend], () => {
        const pair = compositeKey(r.model, r.backend);
        return {
          ...full,
          service_times: without(full.service_times, pair),
          service_time_quants: without(full.service_time_quants, pair),
          service_time_stats: without(full.service_time_stats, pair),
        };
      });
      const tokPerS = throughputFor(coefficients, specs, r.model, r.quant, r.backend, r.gpu, refGpu);
      const { status, predictedMs, source } = predictLatencyRecord(
        fit,
        r,
        tokPerS === undefined ? {} : { tokPerS },
      );
      return { status, predictedMs, source };
    });
    if (p.status !== 'ok' || p.predictedMs === null) {
      skipped++;
      continue;
    }
    points.push(latencyPoint(r, p.predictedMs, p.source, inputs));
  }
  return { points, skipped: skipped > 0 ? { unseen_pair_without_throughput: skipped } : {} };
}

// The full fit uses every latency record and no split: the same for every seed of a refit.
const fullFits = new ObjectPairCache<readonly LatencyRecord[], RefitConfig, LatencyCoefficients>();

function fullLatencyFit(records: readonly LatencyRecord[], config: RefitConfig): LatencyCoefficients {
  return fullFits.get(
    records,
    config,
    () =>
      fitLatency(records, {
        utilisationCap: config.defaults.utilisation_cap,
        tailFactor: config.defaults.tail_factor,
        avgOutputTokens: config.defaults.avg_output_tokens,
      }).coefficients,
  );
}

/** A copy of a null-prototype table without `key`. */
function without<V>(table: Readonly<Record<string, V>>, key: string): Record<string, V> {
  const out = dict<V>();
  for (const k of Object.keys(table)) if (k !== key) out[k] = table[k]!;
  return out;
}
