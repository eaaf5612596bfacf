/**
 * How a record of each category lies in the pending store: which numbers go in which value column,
 * the text a configuration contributes to a content hash, and the record object built from a stored row.
 *
 * A content hash covers the record without id and provenance: its configuration's text
 * (`configText`, hashed once per configuration) and the row's numbers (`contentHash`).
 */
import type {
  AnyRecord,
  Category,
  CostRecord,
  LatencyRecord,
  QualityRecord,
  ScalingRecord,
  ThroughputRecord,
  VramRecord,
} from '../records.ts';
import type { RowConfig } from './store.ts';

/** The numeric fields of each category, in value-column order (weight first). */
export const VALUE_FIELDS: Readonly<Record<Category, readonly string[]>> = {
  throughput: ['weight', 'tokPerS', 'nAgents', 'contextLength'],
  vram: ['weight', 'vramGb', 'contextLength', 'batch'],
  quality: ['weight', 'score'],
  latency: ['weight', 'ms', 'concurrency', 'arrivalRate'],
  cost: ['weight', 'usdPer1M', 'tokPerS', 'hourlyRate'],
  scaling: ['weight', 'nAgents', 'eta', 'perAgentTps', 'totalTps'],
};

/**
 * The metric label a category's records get when the row names none; '' for the categories whose
 * records carry no `metric` field (vram, scaling).
 */
export const DEFAULT_METRIC: Readonly<Record<Category, string>> = {
  throughput: 'tok_per_s',
  vram: '',
  quality: 'score',
  latency: 'ms',
  cost: 'usd_per_1m',
  scaling: '',
};

type NameField = 'category' | 'model' | 'modelKnown' | 'quant' | 'backend' | 'gpu' | 'gpuKnown' | 'metric';

interface ContentLayout {
  /** Content keys in sorted order: a name field, or the value column it reads. */
  readonly keys: readonly (readonly [string, NameField | number])[];
}

const layouts = new Map<Category, ContentLayout>();

function layoutOf(category: Category): ContentLayout {
  let layout = layouts.get(category);
  if (!layout) {
    const names: NameField[] = ['category', 'model', 'modelKnown', 'quant', 'backend', 'gpu', 'gpuKnown'];
    if (DEFAULT_METRIC[category] !== '') names.push('metric');
    const keys: [string, NameField | number][] = [
      ...names.map((k): [string, NameField] => [k, k]),
      ...VALUE_FIELDS[category].map((k, column): [string, number] => [k, column]),
    ];
    keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    layout = { keys };
    layouts.set(category, layout);
  }
  return layout;
}

/**
 * The content text of a configuration: the record's content as `stableStringify` writes it, keys
 * sorted, with each number's place marked by a NUL character. Its sha1 is what the configuration
 * adds to a row's content hash (`configWords`).
 */
export function configText(config: Omit<RowConfig, 'words'>): string {
  let text = '{';
  let first = true;
  for (const [key, field] of layoutOf(config.category).keys) {
    text += `${first ? '\n' : ',\n'}  ${JSON.stringify(key)}: `;
    first = false;
    text += typeof field === 'number' ? '\u0000' : JSON.stringify(config[field]);
  }
  return `${text}\n}\n`;
}

/** A stored number back as a field value (`NaN` is null). */
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
/** A field the ingest requires (never null by then). */
const req = (v: number): number => orNull(v) as number;
/**
 * A count-like number (line, weight, agents, context, batch, concurrency) as a small integer when it
 * is one. Read from a Float64Array it is a double; stored as one, it would make the field a boxed
 * double on every record of the category (16 bytes and a heap object each), where a small integer
 * is stored in the record itself.
 */
const int = (v: number): number => (v === (v | 0) ? v | 0 : req(v));
const intOrNull = (v: number): number | null => (Number.isNaN(v) ? null : int(v));

/**
 * The record of one stored row. One object literal per category, so every record of a category
 * shares one hidden class and property reads stay fast in the fit loops.
 */
export function buildRecord(
  c: RowConfig,
  id: string,
  line: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  v4: number,
): AnyRecord {
  const { source, model, modelKnown, quant, backend, gpu, gpuKnown, metric } = c;
  switch (c.category) {
    case 'throughput':
      return {
        id,
        category: 'throughput',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        tokPerS: req(v1),
        nAgents: int(v2),
        contextLength: intOrNull(v3),
        metric,
      } satisfies ThroughputRecord;
    case 'vram':
      return {
        id,
        category: 'vram',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        vramGb: req(v1),
        contextLength: int(v2),
        batch: int(v3),
      } satisfies VramRecord;
    case 'quality':
      return {
        id,
        category: 'quality',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        score: req(v1),
        metric,
      } satisfies QualityRecord;
    case 'latency':
      return {
        id,
        category: 'latency',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        ms: req(v1),
        metric,
        concurrency: int(v2),
        arrivalRate: orNull(v3),
      } satisfies LatencyRecord;
    case 'cost':
      return {
        id,
        category: 'cost',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        usdPer1M: req(v1),
        tokPerS: orNull(v2),
        hourlyRate: orNull(v3),
        metric,
      } satisfies CostRecord;
    case 'scaling':
      return {
        id,
        category: 'scaling',
        source,
        line: int(line),
        model,
        modelKnown,
        quant,
        backend,
        gpu,
        gpuKnown,
        weight: int(v0),
        nAgents: int(v1),
        eta: req(v2),
        perAgentTps: orNull(v3),
        totalTps: orNull(v4),
      } satisfies ScalingRecord;
  }
}
