/**
 * One split unit end to end — split, fit on train, predict the held-out points — for the published
 * seed (scored in full) and for the stability seeds (metrics only). Pure: the records, config and
 * registry lookups come in, plain results go out, so the same code runs on the main thread and in
 * the stability worker.
 */
import type { RefitConfig } from '../config.ts';
import { coefficientsOf, type FittedModels, fitAll } from '../fit/index.ts';
import type { SpecLookup } from '../fit/types.ts';
import type { Category, RecordSet, SplitSet, SplitUnit } from '../records.ts';
import { splitAll, splitSide, subsample } from '../split/index.ts';
import { latencyLeaveOnePairOut, scalingLeaveOneModelOut } from './cross.ts';
import { type PointsByModel, SCORED_MODELS, type ScoredModel, validationPoints } from './points.ts';
import { type ModelScore, scoreMetrics, scoreModel } from './score.ts';
import { type StabilityRun, type StabilitySummary, summariseStability } from './stability.ts';

/** What every run needs besides the records. */
export interface RunContext {
  readonly config: RefitConfig;
  readonly specs: SpecLookup;
  /** Every quant id of the registry, so the artifact carries a multiplier for each. */
  readonly quantIds: readonly string[];
}

/** Everything one split unit produced. */
export interface UnitRun {
  readonly unit: SplitUnit;
  readonly split: SplitSet;
  readonly fitted: FittedModels;
  readonly points: PointsByModel;
  readonly scores: Record<ScoredModel, ModelScore>;
}

/** Per scored model, the stability summary of one unit; null when no seeds were run. */
export type StabilityResult = Record<ScoredModel, StabilitySummary> | null;

/**
 * `runUnit(ctx, records, unit, seed)` splits, fits on the training side and predicts the held-out
 * side. Under the config unit, scaling and latency are held out a whole model / (model, backend)
 * pair at a time: their configurations are single rows of one curve or one service time.
 */
export function runUnit(
  ctx: RunContext,
  records: RecordSet,
  unit: SplitUnit,
  seed: string,
  split: SplitSet = splitUnit(ctx, records, unit, seed),
): Omit<UnitRun, 'scores'> {
  const { config, specs } = ctx;
  const fitted = fitAll(splitSide(split, 'train'), ctx);
  const coefficients = coefficientsOf(fitted);
  const raw = validationPoints(coefficients, splitSide(split, 'test'), specs);
  const points: PointsByModel =
    unit === 'config'
      ? {
          ...raw,
          scaling: scalingLeaveOneModelOut(records.scaling, config),
          latency: latencyLeaveOnePairOut(records.latency, coefficients, config, specs),
        }
      : raw;
  return { unit, split, fitted, points };
}

/** The config's stratified split of `records` for one unit and seed. */
export function splitUnit(ctx: RunContext, records: RecordSet, unit: SplitUnit, seed: string): SplitSet {
  return splitAll(records, {
    unit,
    seed,
    testFraction: ctx.config.split.test_fraction,
    stratify: ctx.config.split.stratify,
  });
}

/** `runUnit` with every model scored in full (the published seed); `split` when already made. */
export function scoredUnit(
  ctx: RunContext,
  records: RecordSet,
  unit: SplitUnit,
  seed: string,
  split?: SplitSet,
): UnitRun {
  const run = runUnit(ctx, records, unit, seed, split);
  const scores = {} as Record<ScoredModel, ModelScore>;
  for (const model of SCORED_MODELS) {
    scores[model] = scoreModel(run.points[model].points, ctx.config.targets[unit][model]);
  }
  return { ...run, scores };
}

/**
 * The records the stability seeds split: every category above `stability.max_records` is replaced
 * by one seeded subsample of that size. The spread measured on it is that of the smaller sample
 * (wider, never narrower, than the full corpus's), at a cost that stops growing with the corpus.
 */
export function stabilitySample(records: RecordSet, config: RefitConfig): RecordSet {
  const max = config.stability.max_records;
  return max === null ? records : subsample(records, max, `${config.seed}/stability`);
}

/**
 * `stabilityStudy(ctx, sample, totals, unit)` repeats split + fit + score of `sample` over the
 * config's stability seeds (`seed/stability/1` … `/K`) and summarises each model's metric spread;
 * `totals` are the corpus's record counts per category, reported beside the sample's.
 */
export function stabilityStudy(
  ctx: RunContext,
  sample: RecordSet,
  totals: Readonly<Record<Category, number>>,
  unit: SplitUnit,
): StabilityResult {
  const { config } = ctx;
  const k = config.stability.seeds;
  if (k <= 0) return null;
  const runs: Record<ScoredModel, StabilityRun[]> = {
    vram: [],
    throughput: [],
    scaling: [],
    quality: [],
    cost: [],
    latency: [],
  };
  for (let i = 1; i <= k; i++) {
    const seed = `${config.seed}/stability/${i}`;
    const { points } = runUnit(ctx, sample, unit, seed);
    for (const model of SCORED_MODELS)
      runs[model].push({ seed, metrics: scoreMetrics(points[model].points) });
  }
  const out = {} as Record<ScoredModel, StabilitySummary>;
  for (const model of SCORED_MODELS)
    out[model] = summariseStability(runs[model], config.targets[unit][model], {
      used: sample[model].length,
      total: totals[model],
    });
  return out;
}
