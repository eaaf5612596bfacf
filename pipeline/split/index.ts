/**
 * Stratified, seeded train/test split. Within each category, records are grouped into strata by the
 * `stratify` keys (default model, backend). Inside a stratum the split unit is either one record
 * (`record`) or one configuration (`config`: same model, backend, quant, GPU, context and
 * concurrency / agent count), so every repeated run of a configuration falls on the same side.
 * Per stratum: units sorted by key, shuffled with `createRng(seed|category|stratum)`, and the first
 * `min(round(testFraction · units), units − 1)` go to test — every stratum keeps at least one
 * training unit, and the result does not depend on input order.
 */

import { createRng, shuffledIndices } from '../math/rng.ts';
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
import { ObjectKeyCache, TupleCache, type TuplePart } from '../util/memo.ts';

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
  return compositeKey(...configParts(r).map((v) => (v === null ? '' : String(v))));
}

/** The values `configKey` joins, unformatted (for lookups that need no string). */
function configParts(r: AnyRecord): TuplePart[] {
  switch (r.category) {
    case 'throughput':
      return [r.model, r.backend, r.quant, r.gpu, r.contextLength, r.nAgents];
    case 'vram':
      return [r.model, r.backend, r.quant, r.gpu, r.contextLength, r.batch];
    case 'latency':
      return [r.model, r.backend, r.quant, r.gpu, r.concurrency, r.arrivalRate];
    case 'scaling':
      return [r.model, r.backend, r.quant, r.gpu, r.nAgents];
    default:
      return [r.model, r.backend, r.quant, r.gpu];
  }
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const READ: Readonly<Record<StratifyKey, (r: AnyRecord) => string>> = {
  model: (r) => r.model,
  backend: (r) => r.backend,
  quant: (r) => r.quant,
  gpu: (r) => r.gpu,
};

/**
 * Everything about a split that does not depend on the seed, built once per record array, unit and
 * stratification and reused by every seed (a refit splits the same records 40+ times: two units ×
 * the stability seeds). Records are addressed by their rank in id order; a stratum lists its units
 * in key order, each unit as the ranks of its records.
 */
interface SplitPlan {
  /** Record index of each rank (records sorted by id). */
  readonly byRank: Int32Array;
  readonly strata: readonly PlannedStratum[];
}

interface PlannedStratum {
  /** Seed suffix of the stratum's generator: `|category|stratum key`. */
  readonly rngSuffix: string;
  /** Units in key order: unit u holds `ranks[starts[u] .. starts[u + 1])`. */
  readonly starts: Int32Array;
  readonly ranks: Int32Array;
}

interface StratumDraft {
  readonly key: string;
  readonly rngSuffix: string;
  /**
   * Record unit: the stratum's ranks in id order and where each unit starts in them (consecutive
   * equal ids form one unit), with no array per record.
   */
  lastId: string | null;
  readonly ranks: number[];
  readonly starts: number[];
  /** Configuration unit: the ranks of each unit. */
  readonly units: number[][];
  /** Configuration unit: each unit's key, and the unit of a configuration's values. */
  readonly keys: string[];
  readonly byParts: TupleCache<number>;
}

const plans = new ObjectKeyCache<readonly AnyRecord[], SplitPlan>();

function planFor(
  records: readonly AnyRecord[],
  unit: SplitUnit,
  stratify: readonly StratifyKey[],
): SplitPlan {
  return plans.get(records, `${unit}|${stratify.join(',')}`, () => buildPlan(records, unit, stratify));
}

function idOrder(records: readonly AnyRecord[]): Int32Array {
  const n = records.length;
  const byRank = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    byRank[i] = i;
    if (i > 0 && records[i - 1]!.id > records[i]!.id) sorted = false;
  }
  if (!sorted) {
    // Stable: equal ids keep input order.
    const ranks = Array.from(byRank).sort((a, b) => byText(records[a]!.id, records[b]!.id) || a - b);
    byRank.set(ranks);
  }
  return byRank;
}

function buildPlan(
  records: readonly AnyRecord[],
  unit: SplitUnit,
  stratify: readonly StratifyKey[],
): SplitPlan {
  const byRank = idOrder(records);
  // Strata are found through nested maps on the (registry-interned) field values, which hash once;
  // the escaped composite key is built once per stratum.
  const root = new Map<string, unknown>();
  const all: StratumDraft[] = [];
  // Field readers, not `r[key]`: a property read by a variable name is slow in a loop over millions.
  const keys: readonly ((r: AnyRecord) => string)[] = [(r) => r.category, ...stratify.map((k) => READ[k])];
  for (let rank = 0; rank < byRank.length; rank++) {
    const r = records[byRank[rank]!]!;
    let node = root;
    let stratum: StratumDraft | undefined;
    for (let k = 0; k < keys.length; k++) {
      const value = keys[k]!(r);
      const next = node.get(value);
      if (k === keys.length - 1) {
        stratum = next as StratumDraft | undefined;
        if (!stratum) {
          const stratumKey = compositeKey(...stratify.map((x) => r[x]));
          stratum = {
            key: compositeKey(r.category, stratumKey),
            rngSuffix: `|${r.category}|${stratumKey}`,
            lastId: null,
            ranks: [],
            starts: [],
            units: [],
            keys: [],
            byParts: new TupleCache(),
          };
          node.set(value, stratum);
          all.push(stratum);
        }
      } else {
        if (!next) {
          const child = new Map<string, unknown>();
          node.set(value, child);
          node = child;
        } else node = next as Map<string, unknown>;
      }
    }
    const s = stratum!;
    if (unit === 'record') {
      if (s.lastId !== r.id) s.starts.push(s.ranks.length);
      s.ranks.push(rank);
      s.lastId = r.id;
    } else {
      const at = s.byParts.get(configParts(r), () => {
        s.keys.push(configKey(r));
        s.units.push([]);
        return s.units.length - 1;
      });
      s.units[at]!.push(rank);
    }
  }
  return {
    byRank,
    strata: all.sort((a, b) => byText(a.key, b.key)).map((s) => flatten(s, unit)),
  };
}

function flatten(s: StratumDraft, unit: SplitUnit): PlannedStratum {
  if (unit === 'record') {
    // Record units arrive in id order already.
    const starts = new Int32Array(s.starts.length + 1);
    starts.set(s.starts);
    starts[s.starts.length] = s.ranks.length;
    return { rngSuffix: s.rngSuffix, starts, ranks: Int32Array.from(s.ranks) };
  }
  // Configuration units are put in key order.
  const units = s.keys
    .map((key, at) => ({ key, at }))
    .sort((a, b) => byText(a.key, b.key))
    .map(({ at }) => s.units[at]!);
  const starts = new Int32Array(units.length + 1);
  let total = 0;
  units.forEach((u, i) => {
    starts[i] = total;
    total += u.length;
  });
  starts[units.length] = total;
  const ranks = new Int32Array(total);
  units.forEach((u, i) => {
    ranks.set(u, starts[i]!);
  });
  return { rngSuffix: s.rngSuffix, starts, ranks };
}

/**
 * `stratifiedSplit(records, options)` partitions records of one category into train and test
 * (each sorted by id). Per stratum, units are taken in key order, shuffled (Fisher–Yates) with
 * `createRng(seed|category|stratum)`, and the first `min(round(testFraction · n), n − 1)` of the n
 * units go to test, so every stratum keeps at least one training unit.
 * @example stratifiedSplit(records, { seed: '42' }) // { train: [...80%], test: [...20%] }
 */
export function stratifiedSplit<T extends AnyRecord>(records: readonly T[], options: SplitOptions): Split<T> {
  const opts = resolveSplitOptions(options);
  const plan = planFor(records, opts.unit, opts.stratify);
  const isTest = new Uint8Array(records.length);
  let nTestRecords = 0;
  for (const stratum of plan.strata) {
    const rng = createRng(`${opts.seed}${stratum.rngSuffix}`);
    const { starts, ranks } = stratum;
    const order = shuffledIndices(starts.length - 1, rng);
    const nTest = Math.min(Math.round(opts.testFraction * order.length), order.length - 1);
    for (let i = 0; i < nTest; i++) {
      const u = order[i]!;
      for (let j = starts[u]!; j < starts[u + 1]!; j++) {
        isTest[ranks[j]!] = 1;
        nTestRecords++;
      }
    }
  }
  const train = new Array<T>(records.length - nTestRecords);
  const test = new Array<T>(nTestRecords);
  let a = 0;
  let b = 0;
  for (let rank = 0; rank < records.length; rank++) {
    const r = records[plan.byRank[rank]!]!;
    if (isTest[rank] === 1) test[b++] = r;
    else train[a++] = r;
  }
  return { train, test };
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

/**
 * `subsample(set, maxRecords, seed)` keeps every category of at most `maxRecords` records and
 * replaces a larger one by a seeded uniform sample of exactly `maxRecords` (in the input's order).
 * The result is memoised per (record set, size, seed), so repeated calls return the same arrays and
 * the split plans built on them are reused.
 * @example subsample(records, 25_000, '42').throughput.length // min(25000, records.throughput.length)
 */
export function subsample(set: RecordSet, maxRecords: number, seed: string): RecordSet {
  if (!(Number.isInteger(maxRecords) && maxRecords > 0)) {
    throw new PipelineError('config', `subsample size must be a positive whole number, got ${maxRecords}`);
  }
  return samples.get(set, `${maxRecords}|${seed}`, () => drawSubsample(set, maxRecords, seed));
}

const samples = new ObjectKeyCache<RecordSet, RecordSet>();

function drawSubsample(set: RecordSet, maxRecords: number, seed: string): RecordSet {
  const pick = <T extends AnyRecord>(records: readonly T[], category: Category): readonly T[] => {
    if (records.length <= maxRecords) return records;
    const order = shuffledIndices(records.length, createRng(`${seed}|subsample|${category}`));
    const kept = order.subarray(0, maxRecords).sort();
    return Array.from(kept, (i) => records[i]!);
  };
  return {
    throughput: pick(set.throughput, 'throughput'),
    vram: pick(set.vram, 'vram'),
    quality: pick(set.quality, 'quality'),
    latency: pick(set.latency, 'latency'),
    cost: pick(set.cost, 'cost'),
    scaling: pick(set.scaling, 'scaling'),
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
  const ids = (rs: readonly AnyRecord[]) => {
    const out = rs.map((r) => r.id);
    // A split's sides come in id order already; sort only what does not.
    for (let i = 1; i < out.length; i++) if (out[i - 1]! > out[i]!) return out.sort(byText);
    return out;
  };
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
