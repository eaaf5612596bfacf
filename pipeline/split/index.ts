/**
 * Stratified, seeded train/test split. Within each category, records are grouped into strata by the
 * `stratify` keys (default model, backend). Inside a stratum the split unit is either one record
 * (`record`) or one configuration (`config`: same model, backend, quant, GPU, context and
 * concurrency / agent count), so every repeated run of a configuration falls on the same side.
 * Per stratum: units sorted by key, shuffled with `createRng(seed|category|stratum)`, and the first
 * `min(round(testFraction · units), units − 1)` go to test — every stratum keeps at least one
 * training unit, and the result does not depend on input order.
 */

import { appendAll } from '../math/extent.ts';
import { createRng, shuffled } from '../math/rng.ts';
import {
  type AnyRecord,
  CATEGORIES,
  type Category,
  type RecordSet,
  type Split,
  type SplitSet,
  type SplitUnit,
} from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey } from '../util/keys.ts';

export type StratifyKey = 'model' | 'backend' | 'quant' | 'gpu';

/** Options of `stratifiedSplit` and `splitAll`. */
export interface SplitOptions {
  /**
   * What is assigned to a side: a single record or a whole configuration.
   * @default 'record'
   */
  readonly unit?: SplitUnit;
  /**
   * Share of units per stratum held out for test, in (0, 1).
   * @default 0.2
   */
  readonly testFraction?: number;
  /**
   * Record fields whose combination defines a stratum.
   * @default ['model', 'backend']
   */
  readonly stratify?: readonly StratifyKey[];
  /** Seed string of the split (always a string: seedrandom treats 42 and '42' differently). */
  readonly seed: string;
}

export const DEFAULT_SPLIT_OPTIONS = {
  unit: 'record',
  testFraction: 0.2,
  stratify: ['model', 'backend'],
} as const satisfies Omit<Required<SplitOptions>, 'seed'>;

const STRATIFY_KEYS: readonly StratifyKey[] = ['model', 'backend', 'quant', 'gpu'];

function resolveSplitOptions(options: SplitOptions): Required<SplitOptions> {
  const unit = options.unit ?? DEFAULT_SPLIT_OPTIONS.unit;
  const testFraction = options.testFraction ?? DEFAULT_SPLIT_OPTIONS.testFraction;
  const stratify = options.stratify ?? DEFAULT_SPLIT_OPTIONS.stratify;
  if (unit !== 'record' && unit !== 'config') {
    throw new PipelineError('config', `split unit must be record or config, got ${String(unit)}`);
  }
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new PipelineError('config', `split test_fraction must be in (0, 1), got ${testFraction}`);
  }
  if (stratify.length === 0 || stratify.some((k) => !STRATIFY_KEYS.includes(k))) {
    throw new PipelineError(
      'config',
      `split stratify must be a non-empty subset of ${STRATIFY_KEYS.join(', ')}`,
    );
  }
  if (typeof options.seed !== 'string' || options.seed === '') {
    throw new PipelineError('config', 'split seed must be a non-empty string');
  }
  return { unit, testFraction, stratify, seed: options.seed };
}

/**
 * `configKey(record)` identifies a configuration: model, backend, quant, GPU plus the category's
 * setting (context and agents for throughput, context and batch for VRAM, concurrency and arrival
 * rate for latency, agents for scaling).
 * @example configKey(throughputRecord) // 'llama3.2-1b|ollama|Q8_0|rtx-4080-laptop|2048|1'
 */
export function configKey(r: AnyRecord): string {
  const cached = configKeys.get(r);
  if (cached !== undefined) return cached;
  const key = buildConfigKey(r);
  configKeys.set(r, key);
  return key;
}

// Keys depend only on a record's content, and the same record objects are split 40+ times per
// refit (two units × the stability seeds): memoise per record object.
const configKeys = new WeakMap<AnyRecord, string>();
const stratumKeys = new WeakMap<AnyRecord, { readonly by: string; readonly key: string }>();

function stratumKey(r: AnyRecord, stratify: readonly StratifyKey[]): string {
  const by = stratify.join(',');
  const cached = stratumKeys.get(r);
  if (cached !== undefined && cached.by === by) return cached.key;
  const key = compositeKey(r.category, compositeKey(...stratify.map((k) => r[k])));
  stratumKeys.set(r, { by, key });
  return key;
}

function buildConfigKey(r: AnyRecord): string {
  const base = [r.model, r.backend, r.quant, r.gpu];
  const opt = (v: number | null) => (v === null ? '' : String(v));
  switch (r.category) {
    case 'throughput':
      return compositeKey(...base, opt(r.contextLength), String(r.nAgents));
    case 'vram':
      return compositeKey(...base, String(r.contextLength), String(r.batch));
    case 'latency':
      return compositeKey(...base, String(r.concurrency), opt(r.arrivalRate));
    case 'scaling':
      return compositeKey(...base, String(r.nAgents));
    default:
      return compositeKey(...base);
  }
}

const byId = (a: AnyRecord, b: AnyRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * `stratifiedSplit(records, options)` partitions records of one category into train and test
 * (each sorted by id). Every stratum keeps at least one training unit; a stratum with n units
 * sends `min(round(testFraction · n), n − 1)` of them to test.
 * @example stratifiedSplit(records, { seed: '42' }) // { train: [...80%], test: [...20%] }
 */
export function stratifiedSplit<T extends AnyRecord>(records: readonly T[], options: SplitOptions): Split<T> {
  const opts = resolveSplitOptions(options);
  const strata = new Map<string, { category: Category; key: string; units: Map<string, T[]> }>();
  for (const r of records) {
    const id = stratumKey(r, opts.stratify);
    let stratum = strata.get(id);
    if (!stratum) {
      stratum = {
        category: r.category,
        key: compositeKey(...opts.stratify.map((k) => r[k])),
        units: new Map(),
      };
      strata.set(id, stratum);
    }
    const unit = opts.unit === 'record' ? r.id : configKey(r);
    const members = stratum.units.get(unit);
    if (members) members.push(r);
    else stratum.units.set(unit, [r]);
  }
  const train: T[] = [];
  const test: T[] = [];
  for (const id of [...strata.keys()].sort(byText)) {
    const stratum = strata.get(id)!;
    const unitKeys = [...stratum.units.keys()].sort(byText);
    const rng = createRng(`${opts.seed}|${stratum.category}|${stratum.key}`);
    const order = shuffled(unitKeys, rng);
    const nTest = Math.min(Math.round(opts.testFraction * order.length), order.length - 1);
    order.forEach((unit, i) => {
      appendAll(i < nTest ? test : train, stratum.units.get(unit)!);
    });
  }
  return { train: train.sort(byId), test: test.sort(byId) };
}

/**
 * `splitAll(recordSet, options)` splits each of the six categories with the same options.
 * @example splitAll(records, { seed: '42', unit: 'config' }).vram.test.length
 */
export function splitAll(set: RecordSet, options: SplitOptions): SplitSet {
  const opts = resolveSplitOptions(options);
  return {
    unit: opts.unit,
    seed: opts.seed,
    throughput: stratifiedSplit(set.throughput, opts),
    vram: stratifiedSplit(set.vram, opts),
    quality: stratifiedSplit(set.quality, opts),
    latency: stratifiedSplit(set.latency, opts),
    cost: stratifiedSplit(set.cost, opts),
    scaling: stratifiedSplit(set.scaling, opts),
  };
}

/** The audit form of a split: ids per side, sorted. */
export interface SplitsJson {
  readonly seed: string;
  readonly unit: SplitUnit;
  readonly categories: Readonly<
    Record<Category, { readonly train: readonly string[]; readonly test: readonly string[] }>
  >;
}

/**
 * `splitsToJson(splitSet)` = `{ seed, unit, categories: { <category>: { train: ids, test: ids } } }`
 * with ids sorted, for `splits.json`.
 */
export function splitsToJson(s: SplitSet): SplitsJson {
  const ids = (rs: readonly AnyRecord[]) => rs.map((r) => r.id).sort(byText);
  const categories = {} as Record<Category, { train: string[]; test: string[] }>;
  for (const c of CATEGORIES) {
    const split = s[c] as Split<AnyRecord>;
    categories[c] = { train: ids(split.train), test: ids(split.test) };
  }
  return { seed: s.seed, unit: s.unit, categories };
}

/** One side (`train` or `test`) of every category of a split, as a record set. */
export function splitSide(split: SplitSet, side: 'train' | 'test'): RecordSet {
  return {
    throughput: split.throughput[side],
    vram: split.vram[side],
    quality: split.quality[side],
    latency: split.latency[side],
    cost: split.cost[side],
    scaling: split.scaling[side],
  };
}
