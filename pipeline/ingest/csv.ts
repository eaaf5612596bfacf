/**
 * Streaming CSV reader with csv-parse's semantics (`CSV_OPTIONS`): a BOM strip, CR/LF/CRLF record
 * delimiters (mixed endings in one file are fine), quoted fields spanning lines, and relaxed column
 * counts so that a ragged row becomes a `ragged_row` issue at its line instead of failing the file.
 * A syntax error (an unclosed quote, a quote inside an unquoted field) fails the whole file: one
 * `unparseable_file` issue. Quote-free lines are split by `CsvSplitter` itself; each record with a
 * quote is parsed by csv-parse.
 */

import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, type Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
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
  const records = new RecordHandler(source, visitor);
  const decoder = new StringDecoder('utf8');
  const splitter = new CsvSplitter((fields, line) => records.take(fields, line));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      splitter.push(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
      if (records.failure !== null) return fail(stream, records.failure);
    }
    splitter.push(decoder.end(), true);
  } catch (err) {
    return fail(stream, describeCsvError(err));
  }
  if (records.failure !== null) return fail(stream, records.failure);
  if (records.header === null) return { ok: false, reason: 'empty file: no header row' };
  return { ok: true, header: records.header, read: records.read };
}

/** What `visitCsv` does with each record: header checks, ragged rows, rows. */
class RecordHandler {
  header: string[] | null = null;
  read = 0;
  /** Why the whole file is rejected (a header problem), once known. */
  failure: string | null = null;
  #index: Map<string, number> | null = null;
  readonly #source: string;
  readonly #visitor: CsvVisitor;
  constructor(source: string, visitor: CsvVisitor) {
    this.#source = source;
    this.#visitor = visitor;
  }

  take(fields: string[], line: number): void {
    if (this.failure !== null) return;
    if (this.#index === null || this.header === null) {
      const header = fields.map((h) => h.trim());
      const index = new Map<string, number>();
      for (const [i, name] of header.entries()) {
        if (index.has(name)) {
          this.failure = `duplicate column name '${name}' in the header`;
          return;
        }
        index.set(name, i);
      }
      this.header = header;
      this.#index = index;
      this.failure = this.#visitor.header?.(header) ?? null;
      return;
    }
    this.read++;
    if (fields.length !== this.header.length) {
      this.#visitor.issue({
        source: this.#source,
        line,
        code: 'ragged_row',
        severity: 'reject',
        message: `row has ${fields.length} fields, header has ${this.header.length}`,
      });
      return;
    }
    this.#visitor.row({ line, values: new CsvRowValues(this.#index, fields) });
  }
}

/** A CSV syntax error, at a line of the whole file. */
export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/** csv-parse settings for one quoted record cut out of a file (its BOM, if any, is already gone). */
const RECORD_OPTIONS = { ...CSV_OPTIONS, bom: false } as unknown as Options;

/**
 * Splits CSV text, fed in chunks, into records with the 1-based line each ends on, exactly as
 * csv-parse does with `CSV_OPTIONS` (a property test checks this for any text and any chunking).
 *
 * A line without a double quote, by far the common case, is split here: with no quote a record is
 * one line and its fields are the text between commas. CRLF, LF and CR end a line (a CR at the end
 * of a chunk waits for the next one, which may start with its LF), empty lines are skipped but
 * counted, and a BOM at the very start is dropped. A record with a quote runs to the first line end
 * outside quotes (an even number of quotes before it; `""` inside a quoted field is two); that
 * record alone is handed to csv-parse, which unquotes it or throws the syntax error, whose line is
 * then shifted to the file's. The scan of an unfinished quoted record resumes where it stopped, so a
 * long one costs linear time.
 */
export class CsvSplitter {
  /** The unfinished record, in pieces (joined only when a chunk may finish it). */
  #parts: string[] = [];
  #lines = 0;
  #started = false;
  /** Offset in the unfinished record where the scan of a quoted record stopped, or −1. */
  #scan = -1;
  #inQuote = false;
  readonly #emit: (fields: string[], line: number) => void;
  constructor(emit: (fields: string[], line: number) => void) {
    this.#emit = emit;
  }

  /** Splits `chunk`; `last` marks the end of the input (the final line needs no line end). */
  push(chunk: string, last: boolean): void {
    // A chunk that cannot finish the unfinished record (a 10 MB field) is only kept, not rescanned.
    if (this.#parts.length > 0 && !last && this.#cannotFinish(chunk)) {
      this.#parts.push(chunk);
      return;
    }
    let text = this.#parts.length > 0 ? this.#parts.join('') + chunk : chunk;
    this.#parts = [];
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const n = text.length;
    let start = 0;
    // The unfinished quoted record was scanned up to `#scan`: nothing before it is looked at again.
    const from = Math.max(0, this.#scan);
    let lf = text.indexOf('\n', from);
    let cr = text.indexOf('\r', from);
    let quote = text.indexOf('"', from);
    // Consecutive quoted records are parsed by one csv-parse call (its set-up costs more than a
    // short record): the run is [runFrom, runTo) of `text`, `runCount` records after `runLines` lines.
    let runFrom = -1;
    let runTo = -1;
    let runLines = 0;
    let runCount = 0;
    const flush = () => {
      if (runFrom < 0) return;
      this.#quotedRecords(text.slice(runFrom, runTo), runLines, runCount);
      runFrom = -1;
    };
    for (;;) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      let next: number;
      if (this.#scan >= 0 || (quote !== -1 && (end === -1 || quote < end))) {
        let i = this.#scan >= 0 ? start + this.#scan : start;
        let inQuote = this.#scan >= 0 && this.#inQuote;
        for (; i < n; i++) {
          const c = text.charCodeAt(i);
          if (c === 34) inQuote = !inQuote;
          else if (!inQuote && (c === 10 || c === 13)) break;
        }
        if (!last && (i === n || (i + 1 === n && text.charCodeAt(i) === 13))) {
          this.#scan = i - start;
          this.#inQuote = inQuote;
          break;
        }
        this.#scan = -1;
        if (runFrom < 0) {
          runFrom = start;
          runLines = this.#lines;
          runCount = 0;
        }
        runTo = i;
        runCount++;
        if (i < n) {
          this.#lines++;
          next = text.charCodeAt(i) === 13 && i + 1 < n && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
        } else next = n;
      } else {
        if (end === -1 || (end === cr && cr + 1 === n && !last)) break;
        flush();
        next = end === cr && cr + 1 < n && text.charCodeAt(cr + 1) === 10 ? cr + 2 : end + 1;
        this.#lines++;
        if (end > start) this.#emit(text.slice(start, end).split(','), this.#lines);
      }
      start = next;
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      if (quote !== -1 && quote < start) quote = text.indexOf('"', start);
    }
    flush();
    const rest = start === 0 ? text : text.slice(start);
    if (last) {
      if (rest.length > 0) this.#emit(rest.split(','), this.#lines + 1);
    } else if (rest.length > 0) this.#parts.push(rest);
  }

  /**
   * True when `chunk` cannot end the unfinished record: for a quoted record, no line end outside
   * quotes (the scan state moves past the chunk); for a plain one, no line end or quote at all and
   * no CR waiting for its LF.
   */
  #cannotFinish(chunk: string): boolean {
    if (this.#scan >= 0) {
      let inQuote = this.#inQuote;
      for (let j = 0; j < chunk.length; j++) {
        const c = chunk.charCodeAt(j);
        if (c === 34) inQuote = !inQuote;
        else if (!inQuote && (c === 10 || c === 13)) return false;
      }
      this.#inQuote = inQuote;
      this.#scan += chunk.length;
      return true;
    }
    const tail = this.#parts.at(-1)!;
    if (tail.charCodeAt(tail.length - 1) === 13) return false;
    return chunk.indexOf('\n') === -1 && chunk.indexOf('\r') === -1 && chunk.indexOf('"') === -1;
  }

  /**
   * Parses a run of `count` consecutive records that hold quotes (each may span lines; one line end
   * between two) and emits them at the file's lines: the run starts after `before` lines. The line
   * ends between the records are already counted; the lines inside quoted fields are added here.
   */
  #quotedRecords(text: string, before: number, count: number): void {
    let records: ParsedRecord[];
    try {
      records = parse(text, RECORD_OPTIONS as never) as unknown as ParsedRecord[];
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      const line = ((err as CsvError & { lines?: number }).lines ?? 1) + before;
      throw new CsvSyntaxError(
        line,
        err.message.replace(/\bline (\d+)/g, (_, l: string) => `line ${Number(l) + before}`),
      );
    }
    for (const r of records) this.#emit(r.fields, before + r.line);
    const lastLine = records.at(-1)?.line ?? count;
    this.#lines += lastLine - count;
  }
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
  if (err instanceof CsvSyntaxError) return `CSV syntax error at line ${err.line}: ${err.message}`;
  return `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
}
