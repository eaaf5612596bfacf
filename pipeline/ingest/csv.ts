/**
 * Streaming CSV reader: csv-parse with a BOM strip, CR/LF/CRLF record delimiters (mixed endings in
 * one file are fine), quoted fields spanning lines, and relaxed column counts so that a ragged row
 * becomes a `ragged_row` issue at its line instead of failing the file. A syntax error (an unclosed
 * quote, a quote inside an unquoted field) fails the whole file: one `unparseable_file` issue.
 */

import type { Readable } from 'node:stream';
import { CsvError, type Options, parse } from 'csv-parse';
import type { Issue } from '../records.ts';

/** A row's values by column name (a `Map` is one). */
export interface RowValues extends Iterable<[string, string]> {
  get(column: string): string | undefined;
}

/** A CSV row's values: the parser's field array read through the header's column index. */
class CsvRowValues implements RowValues {
  readonly #index: ReadonlyMap<string, number>;
  readonly #fields: readonly string[];
  constructor(index: ReadonlyMap<string, number>, fields: readonly string[]) {
    this.#index = index;
    this.#fields = fields;
  }
  get(column: string): string | undefined {
    const i = this.#index.get(column);
    return i === undefined ? undefined : (this.#fields[i] ?? '').trim();
  }
  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const [name, i] of this.#index) yield [name, (this.#fields[i] ?? '').trim()];
  }
}

/** One data row: its (end) line and its values by header name. */
export interface RawRow {
  /** 1-based line where the row ends (a quoted newline makes it end later than it starts). */
  readonly line: number;
  readonly values: RowValues;
}

/** What `visitCsv` calls: once with the header, then once per well-formed data row. */
export interface CsvVisitor {
  /** Returns a reason to reject the whole file (a missing column), or null to go on. */
  readonly header?: (header: readonly string[]) => string | null;
  readonly row: (row: RawRow) => void;
  /** A row rejected by the parser (`ragged_row`). */
  readonly issue: (issue: Issue) => void;
}

/** How a visited file ended: read rows, or one reason the whole file is unusable. */
export type CsvOutcome =
  | { readonly ok: true; readonly header: readonly string[]; readonly read: number }
  | { readonly ok: false; readonly reason: string };

/** What a source file yields before field mapping. */
export interface RawTable {
  /** Column names, or null when the format has no header (JSON). */
  readonly header: readonly string[] | null;
  /** Rows that parsed into values. */
  readonly rows: readonly RawRow[];
  /** Rows rejected while parsing (`ragged_row`, bad JSON line) or one whole-file issue. */
  readonly issues: readonly Issue[];
  /** Data rows seen, accepted or rejected by the parser (0 when the whole file failed). */
  readonly read: number;
}

export interface ParsedRecord {
  readonly fields: string[];
  readonly line: number;
}

/**
 * csv-parse settings shared by sources and the registry: strip a BOM, accept CRLF, LF and CR (mixed
 * in one file), skip blank lines, keep ragged rows for the caller to reject, and tag each record
 * with the line where it ends.
 */
// csv-parse types on_record as returning string[] unless `columns` is set, hence the casts at the call sites.
export const CSV_OPTIONS: Options<ParsedRecord, string[]> = {
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  record_delimiter: ['\r\n', '\n', '\r'],
  on_record: (fields, ctx) => ({ fields, line: ctx.lines }),
};

/**
 * `readCsv(stream, source)` parses a CSV stream whose first record is the header. Values are kept
 * as trimmed strings; rows with more or fewer fields than the header are rejected as
 * `ragged_row` at the line where they end. A file without a header row, with duplicate column
 * names, or with a syntax error yields one `unparseable_file` issue and no rows.
 * @example await readCsv(Readable.from(['a,b\n1,2\n']), 'x.csv') // { header: ['a','b'], rows: [{ line: 2, values: a → '1', b → '2' }], issues: [], read: 1 }
 */
export async function readCsv(stream: Readable, source: string): Promise<RawTable> {
  const rows: RawRow[] = [];
  const issues: Issue[] = [];
  const outcome = await visitCsv(stream, source, {
    row: (row) => rows.push(row),
    issue: (issue) => issues.push(issue),
  });
  if (!outcome.ok) return fileFailure(source, outcome.reason);
  return { header: outcome.header, rows, issues, read: outcome.read };
}

/**
 * `visitCsv(stream, source, visitor)` is `readCsv` without holding the file: each row goes to the
 * visitor as soon as it is parsed and is not kept. When the outcome is not ok (a syntax error late
 * in the file, a rejected header), rows already visited belong to a file that failed: the caller
 * discards what it made of them.
 */
export async function visitCsv(stream: Readable, source: string, visitor: CsvVisitor): Promise<CsvOutcome> {
  const parser = stream.pipe(parse(CSV_OPTIONS as unknown as Options));
  let header: string[] | null = null;
  let index: Map<string, number> | null = null;
  let read = 0;
  try {
    for await (const rec of parser as AsyncIterable<ParsedRecord>) {
      if (index === null || header === null) {
        header = rec.fields.map((h) => h.trim());
        index = new Map();
        for (const [i, name] of header.entries()) {
          if (index.has(name)) return fail(stream, `duplicate column name '${name}' in the header`);
          index.set(name, i);
        }
        const rejected = visitor.header?.(header) ?? null;
        if (rejected !== null) return fail(stream, rejected);
        continue;
      }
      read++;
      if (rec.fields.length !== header.length) {
        visitor.issue({
          source,
          line: rec.line,
          code: 'ragged_row',
          severity: 'reject',
          message: `row has ${rec.fields.length} fields, header has ${header.length}`,
        });
        continue;
      }
      visitor.row({ line: rec.line, values: new CsvRowValues(index, rec.fields) });
    }
  } catch (err) {
    return fail(stream, describeCsvError(err));
  }
  if (header === null) return { ok: false, reason: 'empty file: no header row' };
  return { ok: true, header, read };
}

function fail(stream: Readable, reason: string): CsvOutcome {
  stream.destroy();
  return { ok: false, reason };
}

/** A table with no rows and one whole-file issue (line 0). */
export function fileFailure(source: string, reason: string): RawTable {
  return {
    header: null,
    rows: [],
    issues: [{ source, line: 0, code: 'unparseable_file', severity: 'reject', message: reason }],
    read: 0,
  };
}

function describeCsvError(err: unknown): string {
  if (err instanceof CsvError) {
    const line = (err as CsvError & { lines?: number }).lines;
    return `CSV syntax error${line ? ` at line ${line}` : ''}: ${err.message}`;
  }
  return `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
}
