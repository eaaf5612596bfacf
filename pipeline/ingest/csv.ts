/**
 * Streaming CSV reader: csv-parse with a BOM strip, CR/LF/CRLF record delimiters (mixed endings in
 * one file are fine), quoted fields spanning lines, and relaxed column counts so that a ragged row
 * becomes a `ragged_row` issue at its line instead of failing the file. A syntax error (an unclosed
 * quote, a quote inside an unquoted field) fails the whole file: one `unparseable_file` issue.
 */

import type { Readable } from 'node:stream';
import { CsvError, type Options, parse } from 'csv-parse';
import type { Issue } from '../records.ts';

/** One data row: its (end) line and its values by header name. */
export interface RawRow {
  /** 1-based line where the row ends (a quoted newline makes it end later than it starts). */
  readonly line: number;
  readonly values: ReadonlyMap<string, string>;
}

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
 * @example await readCsv(Readable.from(['a,b\n1,2\n']), 'x.csv') // { header: ['a','b'], rows: [{ line: 2, values: Map { a → '1', b → '2' } }], issues: [], read: 1 }
 */
export async function readCsv(stream: Readable, source: string): Promise<RawTable> {
  const parser = stream.pipe(parse(CSV_OPTIONS as unknown as Options));
  const records: ParsedRecord[] = [];
  try {
    for await (const rec of parser as AsyncIterable<ParsedRecord>) records.push(rec);
  } catch (err) {
    stream.destroy();
    return fileFailure(source, describeCsvError(err));
  }
  const [first, ...data] = records;
  if (!first) return fileFailure(source, 'empty file: no header row');
  const header = first.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) return fileFailure(source, `duplicate column name '${name}' in the header`);
    seen.add(name);
  }
  const rows: RawRow[] = [];
  const issues: Issue[] = [];
  for (const rec of data) {
    if (rec.fields.length !== header.length) {
      issues.push({
        source,
        line: rec.line,
        code: 'ragged_row',
        severity: 'reject',
        message: `row has ${rec.fields.length} fields, header has ${header.length}`,
      });
      continue;
    }
    const values = new Map<string, string>();
    header.forEach((name, i) => {
      values.set(name, (rec.fields[i] ?? '').trim());
    });
    rows.push({ line: rec.line, values });
  }
  return { header, rows, issues, read: data.length };
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
