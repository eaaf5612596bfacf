/**
 * Batch scoring for `capfit predict --input`: every row of a `BatchInput` goes through the same
 * `Predictor` as a single query. Columns are matched by name with case, spaces, `-` and `_`
 * ignored, so `request_rate`, `request-rate` and `Request Rate` are one column; `hardware` is
 * accepted for `gpu`. A bad row (unknown name, bad number, missing model, unreadable row) becomes
 * an error entry with its line; the other rows are unaffected. Each distinct name tuple is resolved
 * once and each distinct query predicted once.
 */
import type { FullPrediction, Predictor, ResolvedQuery } from '../predict.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey } from '../util/keys.ts';
import type { BatchInput, InputValue } from './batch-input.ts';

/** The query fields a row may carry. */
export const BATCH_FIELDS = [
  'model',
  'quant',
  'backend',
  'gpu',
  'context',
  'concurrency',
  'request_rate',
] as const;
export type BatchField = (typeof BATCH_FIELDS)[number];

/** Normalised column name → field (`requestrate` → `request_rate`). */
const FIELD_BY_KEY: ReadonlyMap<string, BatchField> = new Map([
  ['model', 'model'],
  ['quant', 'quant'],
  ['backend', 'backend'],
  ['gpu', 'gpu'],
  ['hardware', 'gpu'],
  ['context', 'context'],
  ['concurrency', 'concurrency'],
  ['requestrate', 'request_rate'],
]);

/** `columnKey('Request-Rate')` = `requestrate`: lower case, letters and digits only. */
export function columnKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export type BatchErrorCode =
  | 'ragged_row'
  | 'not_an_object'
  | 'bad_json'
  | 'missing_field'
  | 'bad_number'
  | 'bad_value'
  | 'unknown_name'
  | 'prediction';

export interface BatchEntry {
  readonly line: number;
  /** The row's own columns, as read. */
  readonly input: Readonly<Record<string, InputValue>>;
  readonly prediction: FullPrediction | null;
  readonly error: { readonly code: BatchErrorCode; readonly message: string } | null;
}

export interface BatchResult {
  /** Input column → query field, for the columns that map to one. */
  readonly mapping: ReadonlyMap<string, BatchField>;
  readonly entries: readonly BatchEntry[];
  readonly ok: number;
  readonly errors: number;
}

/**
 * `mapColumns(columns)` assigns each query field its input column. Two columns naming one field
 * (`request_rate` and `request-rate`) is a `PipelineError`; so is a file without a model column.
 */
export function mapColumns(columns: readonly string[], label: string): Map<string, BatchField> {
  const out = new Map<string, BatchField>();
  const owner = new Map<BatchField, string>();
  for (const c of columns) {
    const field = FIELD_BY_KEY.get(columnKey(c));
    if (field === undefined) continue;
    const before = owner.get(field);
    if (before !== undefined) {
      throw new PipelineError('input', `${label}: columns '${before}' and '${c}' both give ${field}`);
    }
    owner.set(field, c);
    out.set(c, field);
  }
  if (!owner.has('model')) {
    throw new PipelineError(
      'input',
      `${label}: no model column (columns: ${columns.join(', ') || 'none'}; expected ${BATCH_FIELDS.join(', ')})`,
    );
  }
  return out;
}

class RowError extends Error {
  readonly code: BatchErrorCode;
  constructor(code: BatchErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function text(v: InputValue | undefined, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new RowError('bad_value', `${field} must be a string, got ${JSON.stringify(v)}`);
}

function number(v: InputValue | undefined, field: string, min: number, integer: boolean): number | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && NUMBER.test(v.trim())) n = Number(v.trim());
  else
    throw new RowError(
      'bad_number',
      `${field} '${typeof v === 'string' ? v : JSON.stringify(v)}' is not a number`,
    );
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new RowError(
      'bad_number',
      `${field} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got ${typeof v === 'string' ? v.trim() : v}`,
    );
  }
  return n;
}

/**
 * `scoreBatch(predictor, input, label)` predicts every row (module JSDoc). Row problems become
 * error entries; a file-level problem (no model column, two columns for one field) throws.
 */
export function scoreBatch(predictor: Predictor, input: BatchInput, label: string): BatchResult {
  const mapping = mapColumns(input.columns, label);
  const columnOf = new Map<BatchField, string>();
  for (const [column, field] of mapping) columnOf.set(field, column);
  const get = (row: Readonly<Record<string, InputValue>>, field: BatchField): InputValue | undefined => {
    const column = columnOf.get(field);
    return column !== undefined && Object.hasOwn(row, column) ? row[column] : undefined;
  };

  const resolved = new Map<string, ResolvedQuery | PipelineError>();
  const predicted = new Map<string, FullPrediction | PipelineError>();
  let ok = 0;
  const entries = input.rows.map((row): BatchEntry => {
    const entry = (prediction: FullPrediction | null, error: BatchEntry['error']): BatchEntry => ({
      line: row.line,
      input: row.values,
      prediction,
      error,
    });
    if (row.error) return entry(null, row.error);
    try {
      const model = text(get(row.values, 'model'), 'model');
      if (model === undefined) throw new RowError('missing_field', 'model is empty');
      const quant = text(get(row.values, 'quant'), 'quant');
      const backend = text(get(row.values, 'backend'), 'backend');
      const gpu = text(get(row.values, 'gpu'), 'gpu');
      const context = number(get(row.values, 'context'), 'context', 1, true);
      const concurrency = number(get(row.values, 'concurrency'), 'concurrency', 1, true);
      const requestRate = number(get(row.values, 'request_rate'), 'request_rate', 0, false);

      // 1. Names: resolved once per distinct tuple (defaults for the numbers come with it).
      const nameKey = compositeKey(model, quant ?? '', backend ?? '', gpu ?? '');
      let base = resolved.get(nameKey);
      if (base === undefined) {
        try {
          base = predictor.resolve({ model, quant, backend, gpu });
        } catch (err) {
          if (!(err instanceof PipelineError)) throw err;
          base = err;
        }
        resolved.set(nameKey, base);
      }
      if (base instanceof PipelineError) {
        // The predictor names the CLI option (`(--model)`); in a file the column is meant.
        throw new RowError('unknown_name', base.message.replace(/ \(--[a-z-]+\)/, ''));
      }

      // 2. Numbers: the row's, else the resolved defaults; one prediction per distinct query.
      const query: ResolvedQuery = {
        ...base,
        context: context ?? base.context,
        concurrency: concurrency ?? base.concurrency,
        requestRate: requestRate ?? base.requestRate,
      };
      const queryKey = compositeKey(
        nameKey,
        String(query.context),
        String(query.concurrency),
        String(query.requestRate),
      );
      let p = predicted.get(queryKey);
      if (p === undefined) {
        try {
          p = predictor.predict(query);
        } catch (err) {
          if (!(err instanceof PipelineError)) throw err;
          p = err;
        }
        predicted.set(queryKey, p);
      }
      if (p instanceof PipelineError) throw new RowError('prediction', p.message);
      ok++;
      return entry(p, null);
    } catch (err) {
      if (err instanceof RowError) return entry(null, { code: err.code, message: err.message });
      throw err;
    }
  });
  return { mapping, entries, ok, errors: entries.length - ok };
}
