/**
 * Canonical fields per record category (name, type, canonical unit, required, physical domain),
 * unit conversion into the canonical unit, and the strict number parser. A value either parses
 * exactly or becomes an issue code: `1,5` and `12 GB` are `bad_number`, `NaN` and `1e999` are
 * `non_finite`, an empty required value is `missing_field`.
 */

import type { Unit } from '../config.ts';
import type { Category, IssueCode } from '../records.ts';
import { dict } from '../util/keys.ts';

export type FieldType = 'string' | 'number' | 'integer';

/** What a canonical field holds and which values are physically possible. */
export interface FieldDef {
  readonly name: string;
  readonly type: FieldType;
  /** Canonical unit of a numeric field; values declared in another unit are converted to it. */
  readonly unit?: Unit;
  readonly required: boolean;
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /**
   * With an exclusive minimum of 0: the smallest positive value accepted. A measured rate, size or
   * time below it (`5e-324` tok/s) is no measurement, and its reciprocal overflows in the fits.
   */
  readonly smallest?: number;
  /**
   * Largest allowed value (inclusive). Numeric fields carry a bound well past anything physical
   * (10⁵ GB of VRAM, 10⁶ tok/s, 10⁸ tokens of context...), so a value no benchmark can print is
   * `out_of_range` instead of reaching the fits, where squaring it would overflow.
   */
  readonly max?: number;
  readonly description: string;
}

/** `smallest` of every field whose minimum is an exclusive 0. */
export const SMALLEST_POSITIVE = 1e-6;

/** Fields every category has: identity, provenance helpers and the sample count used as weight. */
const COMMON: readonly FieldDef[] = [
  { name: 'id', type: 'string', required: false, description: 'explicit record id (must not repeat)' },
  { name: 'model', type: 'string', required: true, description: 'model name as printed' },
  {
    name: 'model_tag',
    type: 'string',
    required: false,
    description: 'Ollama tag; gives the quant when the quant column is empty',
  },
  { name: 'quant', type: 'string', required: false, description: 'quantisation as printed' },
  { name: 'backend', type: 'string', required: true, description: 'serving backend as printed' },
  { name: 'gpu', type: 'string', required: false, description: 'hardware as printed' },
  {
    name: 'n',
    type: 'number',
    unit: 'count',
    required: false,
    min: 1,
    max: 1e9,
    description: 'samples behind a published mean (fit weight)',
  },
  { name: 'metric', type: 'string', required: false, description: "the source's metric label" },
];

const SPECIFIC: Readonly<Record<Category, readonly FieldDef[]>> = {
  throughput: [
    {
      name: 'tok_per_s',
      type: 'number',
      unit: 'tok/s',
      required: true,
      min: 0,
      max: 1e6,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'decode tokens per second',
    },
    {
      name: 'n_agents',
      type: 'integer',
      unit: 'count',
      required: false,
      min: 1,
      max: 4096,
      description: 'concurrent agents (1 when absent)',
    },
    {
      name: 'context_length',
      type: 'integer',
      unit: 'count',
      required: false,
      min: 1,
      max: 1e8,
      description: 'context length in tokens',
    },
  ],
  vram: [
    {
      name: 'vram_gb',
      type: 'number',
      unit: 'GB',
      required: true,
      min: 0,
      max: 1e5,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'GPU memory in GB (10^9 bytes)',
    },
    {
      name: 'context_length',
      type: 'integer',
      unit: 'count',
      required: true,
      min: 1,
      max: 1e8,
      description: 'context length in tokens',
    },
    {
      name: 'batch',
      type: 'integer',
      unit: 'count',
      required: false,
      min: 1,
      max: 4096,
      description: 'batch size (1 when absent)',
    },
  ],
  quality: [
    {
      name: 'score',
      type: 'number',
      unit: 'fraction',
      required: true,
      min: 0,
      max: 1,
      description: 'composite quality on a 0–1 scale',
    },
  ],
  latency: [
    {
      name: 'ms',
      type: 'number',
      unit: 'ms',
      required: true,
      min: 0,
      max: 1e9,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'latency in milliseconds',
    },
    {
      name: 'concurrency',
      type: 'integer',
      unit: 'count',
      required: false,
      min: 1,
      max: 4096,
      description: 'concurrent requests (1 when absent)',
    },
    {
      name: 'arrival_rate',
      type: 'number',
      required: false,
      min: 0,
      max: 1e6,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'open-loop arrival rate in requests/s',
    },
  ],
  cost: [
    {
      name: 'usd_per_1m',
      type: 'number',
      unit: 'USD',
      required: true,
      min: 0,
      max: 1e6,
      description: 'USD per 1M tokens',
    },
    {
      name: 'tok_per_s',
      type: 'number',
      unit: 'tok/s',
      required: false,
      min: 0,
      max: 1e6,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'tokens per second the cost was computed from',
    },
    {
      name: 'hourly_rate',
      type: 'number',
      unit: 'USD',
      required: false,
      min: 0,
      max: 1e5,
      description: 'hardware cost in USD per hour',
    },
  ],
  scaling: [
    {
      name: 'n_agents',
      type: 'integer',
      unit: 'count',
      required: true,
      min: 1,
      max: 4096,
      description: 'concurrent agents N',
    },
    {
      name: 'eta',
      type: 'number',
      unit: 'fraction',
      required: true,
      min: 0,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      max: 2,
      description: 'per-agent efficiency η(N) as a fraction',
    },
    {
      name: 'per_agent_tps',
      type: 'number',
      unit: 'tok/s',
      required: false,
      min: 0,
      max: 1e6,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'per-agent tokens per second',
    },
    {
      name: 'total_tps',
      type: 'number',
      unit: 'tok/s',
      required: false,
      min: 0,
      max: 1e8,
      minExclusive: true,
      smallest: SMALLEST_POSITIVE,
      description: 'aggregate tokens per second',
    },
  ],
};

/** Canonical fields of each category: the common ones followed by the category's own. */
export const CATEGORY_FIELDS: Readonly<Record<Category, readonly FieldDef[]>> = {
  throughput: [...COMMON, ...SPECIFIC.throughput],
  vram: [...COMMON, ...SPECIFIC.vram],
  quality: [...COMMON, ...SPECIFIC.quality],
  latency: [...COMMON, ...SPECIFIC.latency],
  cost: [...COMMON, ...SPECIFIC.cost],
  scaling: [...COMMON, ...SPECIFIC.scaling],
};

/** `fieldDef(category, name)` is the definition of one canonical field, or undefined. */
export function fieldDef(category: Category, name: string): FieldDef | undefined {
  return CATEGORY_FIELDS[category].find((f) => f.name === name);
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

type Dimension = 'memory' | 'time' | 'ratio' | 'rate' | 'money' | 'count';

/**
 * Each unit's dimension and its size in the dimension's base unit (GB, ms, fraction, ...) as the
 * exact ratio `mul / div`, so conversions multiply and divide by integers (101.7 % → 1.017, not
 * 1.0170000000000001).
 */
const UNIT_SCALE: Readonly<
  Record<Unit, { readonly dimension: Dimension; readonly mul: number; readonly div: number }>
> = {
  GB: { dimension: 'memory', mul: 1, div: 1 },
  GiB: { dimension: 'memory', mul: 1024 ** 3, div: 1e9 },
  MB: { dimension: 'memory', mul: 1, div: 1e3 },
  MiB: { dimension: 'memory', mul: 1024 ** 2, div: 1e9 },
  ms: { dimension: 'time', mul: 1, div: 1 },
  s: { dimension: 'time', mul: 1000, div: 1 },
  us: { dimension: 'time', mul: 1, div: 1000 },
  fraction: { dimension: 'ratio', mul: 1, div: 1 },
  percent: { dimension: 'ratio', mul: 1, div: 100 },
  'tok/s': { dimension: 'rate', mul: 1, div: 1 },
  USD: { dimension: 'money', mul: 1, div: 1 },
  count: { dimension: 'count', mul: 1, div: 1 },
};

/** Spellings accepted in a unit column, lower-cased, mapped to the canonical unit name. */
const UNIT_SPELLINGS: ReadonlyMap<string, Unit> = new Map<string, Unit>([
  ...(Object.keys(UNIT_SCALE) as Unit[]).map((u) => [u.toLowerCase(), u] as [string, Unit]),
  ['%', 'percent'],
  ['pct', 'percent'],
  ['frac', 'fraction'],
  ['ratio', 'fraction'],
  ['sec', 's'],
  ['secs', 's'],
  ['seconds', 's'],
  ['µs', 'us'],
  ['μs', 'us'],
  ['msec', 'ms'],
  ['milliseconds', 'ms'],
  ['tokens/s', 'tok/s'],
  ['tok_s', 'tok/s'],
  ['$', 'USD'],
  ['gbyte', 'GB'],
  ['mbyte', 'MB'],
]);

/**
 * `parseUnit(text)` reads a unit as written in a unit column (`percent`, `%`, `MiB`, `sec`...),
 * case-insensitively; undefined when unknown.
 * @example parseUnit('%') // 'percent'
 */
export function parseUnit(text: string): Unit | undefined {
  return UNIT_SPELLINGS.get(text.trim().toLowerCase());
}

/** `unitsCompatible(a, b)` is true when both units measure the same dimension. */
export function unitsCompatible(a: Unit, b: Unit): boolean {
  return UNIT_SCALE[a].dimension === UNIT_SCALE[b].dimension;
}

/**
 * `convertUnit(value, from, to)` = value · size(from) / size(to) within one dimension
 * (1 MiB = 1.048576e-3 GB, 1 s = 1000 ms, 1 % = 0.01); undefined across dimensions.
 * @example convertUnit(1024, 'MiB', 'GB') // 1.073741824
 */
export function convertUnit(value: number, from: Unit, to: Unit): number | undefined {
  const a = UNIT_SCALE[from];
  const b = UNIT_SCALE[to];
  if (a.dimension !== b.dimension) return undefined;
  if (from === to) return value;
  const num = a.mul * b.div;
  const den = a.div * b.mul;
  const shift = powerOfTen(num / den);
  return shift === undefined ? (value * num) / den : shiftDecimal(value, shift);
}

/** k when x = 10^k exactly for an integer |k| ≤ 15, else undefined. */
function powerOfTen(x: number): number | undefined {
  for (let k = -15; k <= 15; k++) if (x === 10 ** k || (k < 0 && x === 1 / 10 ** -k)) return k;
  return undefined;
}

/**
 * value · 10^k by moving the decimal point in the shortest decimal form, so 101.7 % becomes
 * exactly the double nearest 1.017 rather than 101.7 · 0.01 = 1.0170000000000001.
 */
function shiftDecimal(value: number, k: number): number {
  const [mantissa, exponent] = value.toExponential().split('e');
  return Number(`${mantissa}e${Number(exponent) + k}`);
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

export type NumberParse =
  | { readonly ok: true; readonly value: number }
  | {
      readonly ok: false;
      readonly code: Extract<IssueCode, 'bad_number' | 'non_finite'>;
      readonly reason: string;
    };

const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE_WORD = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * `parseNumber(text)` accepts only a plain decimal number with an optional exponent (after
 * trimming). Words for NaN/Infinity and overflowing literals give `non_finite`; anything else
 * (`1,5`, `12 GB`, `--`, `0x10`) gives `bad_number` with the reason.
 * @example parseNumber(' 4.5e2 ') // { ok: true, value: 450 }
 */
export function parseNumber(text: string): NumberParse {
  const t = text.trim();
  if (NON_FINITE_WORD.test(t)) return { ok: false, code: 'non_finite', reason: 'is not a finite number' };
  if (!PLAIN_NUMBER.test(t)) {
    let reason = 'is not a plain number';
    if (/^[+-]?\d+,\d+$/.test(t)) reason = 'has a decimal comma or thousands separator';
    else if (/^[+-]?[\d.]+(?:[eE][+-]?\d+)?\s*[a-zA-Z%$]/.test(t)) reason = 'has a unit or text attached';
    return { ok: false, code: 'bad_number', reason };
  }
  const value = Number(t);
  if (!Number.isFinite(value)) return { ok: false, code: 'non_finite', reason: 'overflows to infinity' };
  return { ok: true, value: Object.is(value, -0) ? 0 : value };
}

/** Which domain rule a converted value breaks, if any. */
export interface DomainViolation {
  readonly code: Extract<IssueCode, 'negative' | 'out_of_range'>;
  readonly reason: string;
}

/**
 * `checkDomain(def, value)` applies the field's physical domain: a negative value where only
 * non-negative ones make sense is `negative`; below `min` (or equal when exclusive), below
 * `smallest` or above `max` is `out_of_range`.
 * @example checkDomain(fieldDef('scaling', 'eta')!, 2.5) // { code: 'out_of_range', reason: 'must be ≤ 2' }
 */
export function checkDomain(def: FieldDef, value: number): DomainViolation | undefined {
  if (def.min !== undefined) {
    if (value < 0 && def.min >= 0) return { code: 'negative', reason: 'must not be negative' };
    if (value < def.min || (def.minExclusive && value === def.min)) {
      return {
        code: 'out_of_range',
        reason: def.minExclusive ? `must be > ${def.min}` : `must be ≥ ${def.min}`,
      };
    }
  }
  if (def.smallest !== undefined && value < def.smallest) {
    return {
      code: 'out_of_range',
      reason: `must be ≥ ${def.smallest} (anything smaller is not a measurement)`,
    };
  }
  if (def.max !== undefined && value > def.max)
    return { code: 'out_of_range', reason: `must be ≤ ${def.max}` };
  return undefined;
}

/** Field definitions by name for one category (null prototype). */
export function fieldsByName(category: Category): Record<string, FieldDef> {
  return dict(CATEGORY_FIELDS[category].map((f) => [f.name, f] as const));
}
