/**
 * Input files of `capfit predict --input`: a CSV with a header row, a JSON array of objects, or
 * JSON Lines (one object per line). Each row keeps its own columns and the line it starts on (the
 * line it ends on for CSV, as csv-parse reports it). A row that cannot be read (a ragged CSV row, a
 * JSON element that is not an object, an unparseable JSON line) is a row error, not a file error;
 * only a file that cannot be parsed at all is a `PipelineError` (exit 2).
 */
import type { Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import { CSV_OPTIONS, type ParsedRecord } from '../ingest/csv.ts';
import { PipelineError } from '../util/errors.ts';
import { dict } from '../util/keys.ts';

export type BatchFormat = 'csv' | 'json' | 'jsonl';

/** A value of an input column as read: CSV gives strings, JSON any JSON value. */
export type InputValue =
  | string
  | number
  | boolean
  | null
  | readonly unknown[]
  | { readonly [k: string]: unknown };

export interface BatchInputRow {
  /** 1-based line of the row in the file. */
  readonly line: number;
  /** The row's own columns (a null-prototype record), in file column order. */
  readonly values: Readonly<Record<string, InputValue>>;
  /** Why the row could not be read, if it could not. */
  readonly error: {
    readonly code: 'ragged_row' | 'not_an_object' | 'bad_json';
    readonly message: string;
  } | null;
}

export interface BatchInput {
  readonly format: BatchFormat;
  /** Column names in first-seen order (the CSV header; the union of keys for JSON). */
  readonly columns: readonly string[];
  readonly rows: readonly BatchInputRow[];
}

/**
 * `detectFormat(path, text)`: by extension (`.csv`, `.json`, `.jsonl`/`.ndjson`), else JSON when
 * the text starts with `[`, JSON Lines when it starts with `{`, CSV otherwise.
 */
export function detectFormat(path: string, text: string): BatchFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  return 'csv';
}

/** `parseBatchInput(text, format, label)` dispatches on the format. */
export function parseBatchInput(text: string, format: BatchFormat, label: string): BatchInput {
  if (format === 'csv') return parseBatchCsv(text, label);
  if (format === 'jsonl') return parseBatchJsonLines(text, label);
  return parseBatchJson(text, label);
}

/**
 * `parseBatchCsv(text, label)` reads a CSV whose first record is the header. Values are trimmed
 * strings. A row with more or fewer fields than the header is a `ragged_row` row error. A syntax
 * error, an empty file or a duplicate column name is a `PipelineError`.
 */
export function parseBatchCsv(text: string, label: string): BatchInput {
  let records: ParsedRecord[];
  try {
    records = parse(text, CSV_OPTIONS as unknown as Options) as unknown as ParsedRecord[];
  } catch (err) {
    throw new PipelineError('input', `${label} is not valid CSV: ${(err as Error).message}`);
  }
  const [head, ...data] = records;
  if (!head) throw new PipelineError('input', `${label} is empty: expected a header row`);
  const columns = head.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const c of columns) {
    if (c === '') throw new PipelineError('input', `${label}: the header has an empty column name`);
    if (seen.has(c)) throw new PipelineError('input', `${label}: duplicate column '${c}' in the header`);
    seen.add(c);
  }
  const rows = data.map((rec): BatchInputRow => {
    const values = dict<InputValue>();
    columns.forEach((c, i) => {
      values[c] = (rec.fields[i] ?? '').trim();
    });
    const error =
      rec.fields.length === columns.length
        ? null
        : {
            code: 'ragged_row' as const,
            message: `${rec.fields.length} fields, the header has ${columns.length}`,
          };
    return { line: rec.line, values, error };
  });
  return { format: 'csv', columns, rows };
}

/**
 * `jsonArrayElementLines(text)` is the 1-based line on which each element of the top-level JSON
 * array starts (strings and escapes are skipped, nesting is tracked). Assumes `text` is valid JSON.
 * @example jsonArrayElementLines('[\n {"a": 1},\n {"a": 2}\n]') // [2, 3]
 */
export function jsonArrayElementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let expectValue = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\uFEFF') continue;
    if (depth === 1 && expectValue && ch !== ']') {
      lines.push(line);
      expectValue = false;
    }
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') {
      depth++;
      if (depth === 1) expectValue = true;
    } else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 1) expectValue = true;
  }
  return lines;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function rowFromValue(
  value: unknown,
  line: number,
  columns: string[],
  seen: Set<string>,
  index: number,
): BatchInputRow {
  const values = dict<InputValue>();
  if (!isRecord(value)) {
    return {
      line,
      values,
      error: { code: 'not_an_object', message: `row ${index + 1} is ${describe(value)}, not an object` },
    };
  }
  for (const key of Object.keys(value)) {
    values[key] = value[key] as InputValue;
    if (!seen.has(key)) {
      seen.add(key);
      columns.push(key);
    }
  }
  return { line, values, error: null };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * `parseBatchJson(text, label)` reads a JSON array of objects; each element is a row with the line
 * it starts on. Invalid JSON, or a top level that is not an array, is a `PipelineError`.
 */
export function parseBatchJson(text: string, label: string): BatchInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PipelineError('input', `${label} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(raw)) {
    throw new PipelineError(
      'input',
      `${label} must be a JSON array of objects (one per row), got ${describe(raw)}`,
    );
  }
  const lines = jsonArrayElementLines(text);
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows = raw.map((value, i) => rowFromValue(value, lines[i] ?? 0, columns, seen, i));
  return { format: 'json', columns, rows };
}

/** `parseBatchJsonLines(text, label)` reads one JSON object per non-blank line; a bad line is a row error. */
export function parseBatchJsonLines(text: string, _label: string): BatchInput {
  const columns: string[] = [];
  const seen = new Set<string>();
  const rows: BatchInputRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((content, i) => {
    if (content.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (err) {
      rows.push({
        line: i + 1,
        values: dict<InputValue>(),
        error: { code: 'bad_json', message: `not valid JSON: ${(err as Error).message}` },
      });
      return;
    }
    rows.push(rowFromValue(value, i + 1, columns, seen, rows.length));
  });
  return { format: 'jsonl', columns, rows };
}
