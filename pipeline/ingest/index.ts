/**
 * Ingest: every configured source (CSV, JSON array, JSON Lines, nested JSON) → rows with canonical
 * field names in canonical units, plus an issue for every rejected row and per-source counts with
 * `read === accepted + rejected`. Per row, in order: the parser's own checks (ragged rows, bad JSON
 * lines), then the source's `where` filters (`excluded`, naming column and value), then each
 * canonical field from its mapping (`set` constant, column, `{column, unit, unit_column, default}`
 * or a list whose first non-empty entry wins), parsed strictly, converted, and checked against its
 * physical domain. A row gets at most one rejection issue: the first problem found. A file that
 * cannot be parsed is one `unparseable_file` issue and ingest goes on with the next file.
 */

import type { FieldRef, FieldSpec, RefitConfig, SourceConfig, Unit } from '../config.ts';
import { expandSource, fileSize, type MatchedFile, openStream, readText } from '../io/read.ts';
import { appendAll } from '../math/extent.ts';
import type { Category, FieldValue, IngestedRow, Issue, IssueCode, SourceCount } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { clip } from '../util/text.ts';
import { fileFailure, type RawRow, type RawTable, visitCsv } from './csv.ts';
import {
  CATEGORY_FIELDS,
  checkDomain,
  convertUnit,
  type FieldDef,
  fieldsByName,
  parseNumber,
  parseUnit,
  unitsCompatible,
} from './fields.ts';
import { parseRecordsPath, readJson, readJsonLines } from './json.ts';

export { CATEGORY_FIELDS } from './fields.ts';

/** What `ingestSources` returns. */
export interface IngestResult {
  readonly rows: readonly IngestedRow[];
  readonly issues: readonly Issue[];
  /** One entry per file read, in config order then file order. */
  readonly counts: readonly SourceCount[];
  /** Every file read, for input hashing. */
  readonly files: readonly MatchedFile[];
}

/** One place a canonical field's value comes from. */
interface CompiledRef {
  readonly column: string;
  /** `column <name>`, for messages (written once, not per row). */
  readonly from: string;
  readonly unit?: Unit;
  readonly unitColumn?: string;
  readonly default?: string;
  /** Named in the config (checked against the CSV header) rather than the implicit same-name column. */
  readonly explicit: boolean;
}

interface CompiledField {
  readonly def: FieldDef;
  readonly refs: readonly CompiledRef[];
  /** A `set` constant, in the field's canonical unit. */
  readonly constant?: string;
  /** What `pick` answers for the constant (the same object for every row). */
  readonly constantPick?: Picked;
}

interface CompiledSource {
  readonly index: number;
  readonly config: SourceConfig;
  readonly category: Category;
  readonly fields: readonly CompiledField[];
  readonly where: readonly { readonly column: string; readonly accepted: readonly string[] }[];
  readonly exclude: readonly { readonly column: string; readonly rejected: readonly string[] }[];
  /** Columns the config names explicitly; a CSV without one of them is unusable. */
  readonly columns: readonly { readonly column: string; readonly usedBy: string }[];
}

/**
 * Where ingested rows go as they are read. `mark` and `rollback` let ingest take back the rows of a
 * file that fails part-way (a CSV syntax error near the end): a file is all or nothing.
 */
export interface RowSink {
  add(row: IngestedRow): void;
  /** An opaque position, handed back to `rollback`. */
  mark(): unknown;
  rollback(mark: unknown): void;
}

/** What ingesting one file gave: its issues in line order, rows read and rows accepted. */
export interface FileIngest {
  readonly issues: readonly Issue[];
  readonly read: number;
  readonly accepted: number;
}

/** One file handed to another thread. */
export interface OffloadJob {
  readonly source: SourceConfig;
  /** The source's position in the config. */
  readonly index: number;
  readonly file: MatchedFile;
  readonly label: string;
}

/**
 * Ingests a file elsewhere (a worker thread) and resolves with its result and a `commit(mark)`
 * that hands its rows to the sink as if they had been added at `mark` (the sink's position when
 * the file's turn came), so the outcome does not depend on which thread read which file.
 */
export type Offload = (
  job: OffloadJob,
) => Promise<{ readonly file: FileIngest; readonly commit: (mark: unknown) => void }>;

/** The smallest CSV file worth a thread of its own (smaller ones cost more to hand over). */
export const OFFLOAD_MIN_BYTES = 40_000_000;

/** A sink that keeps the rows in an array. */
function arraySink(rows: IngestedRow[]): RowSink {
  return {
    add: (row) => rows.push(row),
    mark: () => rows.length,
    rollback: (mark) => {
      rows.length = mark as number;
    },
  };
}

/**
 * `ingestSources(config, baseDir, sink?)` reads every source of the config (paths relative to
 * `baseDir`) and returns typed rows, issues and per-file counts. CSV files are streamed: with a
 * `sink`, each row is handed over as soon as it is mapped and nothing is kept here (`rows` is
 * then empty). Bad mappings (an unknown field, a unit of the wrong dimension) and missing files are
 * `PipelineError`s raised before any row is read.
 * @example const { rows, counts } = await ingestSources(parseConfig(text), '/repo')
 */
export async function ingestSources(
  config: RefitConfig,
  baseDir: string,
  sink?: RowSink,
  offload?: Offload,
  offloadMinBytes: number = OFFLOAD_MIN_BYTES,
): Promise<IngestResult> {
  // 1. Check every mapping and expand every path before reading anything.
  const compiled = config.sources.map((s, i) => compileSource(s, i));
  const expanded: MatchedFile[][] = [];
  for (const src of compiled) expanded.push(await expandSource(src.config.path, baseDir));
  const offloaded = offload ? await fileToOffload(compiled, expanded, offloadMinBytes) : null;

  const rows: IngestedRow[] = [];
  const out = sink ?? arraySink(rows);
  const files: MatchedFile[] = [];
  const usedLabels = new Set<string>();
  const results: { src: CompiledSource; label: string; result: FileIngest | null }[] = [];
  let pending: { at: number; mark: unknown; done: ReturnType<Offload> } | null = null;

  // 2. Read each file and map its rows; the largest CSV may go to another thread meanwhile.
  for (const src of compiled) {
    for (const file of expanded[src.index]!) {
      let label = file.label;
      if (usedLabels.has(label)) label = `${label} [source ${src.index + 1}]`;
      usedLabels.add(label);
      files.push(file);
      if (offload && file === offloaded) {
        const mark = out.mark();
        const done = offload({ source: src.config, index: src.index, file, label });
        // Observed now, awaited after the other files: a failure there must not leave it unhandled.
        done.catch(() => undefined);
        pending = { at: results.length, mark, done };
        results.push({ src, label, result: null });
        continue;
      }
      results.push({ src, label, result: await ingestFile(src, file, label, out) });
    }
  }
  if (pending) {
    const { file, commit } = await pending.done;
    commit(pending.mark);
    results[pending.at]!.result = file;
  }
  const issues: Issue[] = [];
  const counts: SourceCount[] = [];
  for (const { src, label, result } of results) {
    appendAll(issues, result!.issues);
    counts.push({
      source: label,
      category: src.category,
      read: result!.read,
      accepted: result!.accepted,
      rejected: result!.read - result!.accepted,
    });
  }
  return { rows, issues, counts, files };
}

/** The largest CSV file when it is worth a thread (≥ `minBytes`, and other files to read). */
async function fileToOffload(
  compiled: readonly CompiledSource[],
  expanded: readonly (readonly MatchedFile[])[],
  minBytes: number,
): Promise<MatchedFile | null> {
  let best: MatchedFile | null = null;
  let bestSize = 0;
  let total = 0;
  for (const src of compiled) {
    for (const file of expanded[src.index]!) {
      total++;
      if (formatOf(src, file) !== 'csv') continue;
      const size = await fileSize(file.path);
      if (size > bestSize) {
        best = file;
        bestSize = size;
      }
    }
  }
  return best !== null && bestSize >= minBytes && total > 1 ? best : null;
}

/**
 * `ingestOneFile(source, index, file, label, sink)` ingests one file of a source (compiled here):
 * what a worker thread runs for an offloaded file.
 */
export function ingestOneFile(
  source: SourceConfig,
  index: number,
  file: MatchedFile,
  label: string,
  sink: RowSink,
): Promise<FileIngest> {
  return ingestFile(compileSource(source, index), file, label, sink);
}

/** Reads one file into the sink: its issues in line order, rows read and accepted. */
async function ingestFile(
  src: CompiledSource,
  file: MatchedFile,
  label: string,
  sink: RowSink,
): Promise<FileIngest> {
  const mark = sink.mark();
  const issues: Issue[] = [];
  let accepted = 0;
  const take = (raw: RawRow) => {
    const result = mapRow(src, raw);
    if ('code' in result) {
      issues.push({
        source: label,
        line: raw.line,
        code: result.code,
        severity: 'reject',
        message: result.message,
      });
    } else {
      sink.add({ category: src.category, source: label, line: raw.line, fields: result.fields });
      accepted++;
    }
  };
  const failed = (reason: string) => {
    sink.rollback(mark);
    return { issues: fileFailure(label, reason).issues.slice(), read: 0, accepted: 0 };
  };
  const format = formatOf(src, file);
  if (format === 'csv') {
    const outcome = await visitCsv(openStream(file.path), label, {
      header: (header) => missingColumns(src, header),
      row: take,
      issue: (issue) => issues.push(issue),
    });
    return outcome.ok ? { issues, read: outcome.read, accepted } : failed(outcome.reason);
  }
  let table: RawTable;
  try {
    const text = await readText(file.path);
    table = format === 'json' ? readJson(text, label, src.config.records) : readJsonLines(text, label);
  } catch (err) {
    if (err instanceof PipelineError && err.code === 'config') throw err;
    return failed(`cannot read file: ${(err as Error).message}`);
  }
  if (table.header !== null) {
    const missing = missingColumns(src, table.header);
    if (missing !== null) return failed(missing);
  }
  for (const raw of table.rows) take(raw);
  return {
    issues: [...table.issues, ...issues].sort((a, b) => a.line - b.line),
    read: table.read,
    accepted,
  };
}

/** Why a header lacks a column the config names explicitly, or null when it has them all. */
function missingColumns(src: CompiledSource, header: readonly string[]): string | null {
  const present = new Set(header);
  const missing = src.columns.filter((c) => !present.has(c.column));
  if (missing.length === 0) return null;
  const list = missing.map((m) => `'${m.column}' (${m.usedBy})`).join(', ');
  return `column ${list} not in the header (${header.join(', ')})`;
}

/**
 * `applyRejections(counts, issues)` moves rows rejected after ingest (by normalise) from accepted to
 * rejected, one per `reject` issue at a row line, so `read === accepted + rejected` still holds.
 */
export function applyRejections(counts: readonly SourceCount[], later: readonly Issue[]): SourceCount[] {
  const bySource = new Map<string, number>();
  for (const issue of later) {
    if (issue.severity !== 'reject' || issue.line === 0) continue;
    bySource.set(issue.source, (bySource.get(issue.source) ?? 0) + 1);
  }
  return counts.map((c) => {
    const extra = bySource.get(c.source) ?? 0;
    return extra === 0 ? c : { ...c, accepted: c.accepted - extra, rejected: c.rejected + extra };
  });
}

// ---------------------------------------------------------------------------------------------
// Config → compiled mapping
// ---------------------------------------------------------------------------------------------

function compileSource(config: SourceConfig, index: number): CompiledSource {
  const where = `sources[${index}] (${config.path})`;
  const defs = fieldsByName(config.category);
  const known = CATEGORY_FIELDS[config.category].map((f) => f.name).join(', ');
  for (const key of [...Object.keys(config.fields), ...Object.keys(config.set)]) {
    if (!Object.hasOwn(defs, key)) {
      throw new PipelineError(
        'config',
        `${where}: '${key}' is not a field of category ${config.category} (fields: ${known})`,
      );
    }
  }
  const format = config.format;
  if (config.records !== undefined) {
    if (format !== undefined && format !== 'json') {
      throw new PipelineError(
        'config',
        `${where}: 'records' applies to JSON documents, not format ${format}`,
      );
    }
    parseRecordsPath(config.records);
  }
  const columns: { column: string; usedBy: string }[] = [];
  const fields = CATEGORY_FIELDS[config.category].map((def): CompiledField => {
    const constant = config.set[def.name];
    const spec = config.fields[def.name];
    const refs =
      spec === undefined
        ? [{ column: def.name, from: `column ${def.name}`, explicit: false }]
        : compileSpec(spec, def, `${where}: fields.${def.name}`);
    for (const ref of refs) {
      if (!ref.explicit) continue;
      columns.push({ column: ref.column, usedBy: `fields.${def.name}` });
      if (ref.unitColumn) columns.push({ column: ref.unitColumn, usedBy: `fields.${def.name}.unit_column` });
    }
    if (constant !== undefined) {
      if (def.type !== 'string' && parseNumber(String(constant)).ok === false) {
        throw new PipelineError('config', `${where}: set.${def.name} = '${constant}' is not a number`);
      }
      const text = String(constant);
      return { def, refs, constant: text, constantPick: { text, unit: undefined, from: 'set' } };
    }
    return { def, refs };
  });
  const whereList = Object.entries(config.where).map(([column, values]) => {
    columns.push({ column, usedBy: `where.${column}` });
    return { column, accepted: values.map((v) => String(v).trim()) };
  });
  const excludeList = Object.entries(config.exclude).map(([column, values]) => {
    columns.push({ column, usedBy: `exclude.${column}` });
    return { column, rejected: values.map((v) => String(v).trim()) };
  });
  return {
    index,
    config,
    category: config.category,
    fields,
    where: whereList,
    exclude: excludeList,
    columns,
  };
}

function compileSpec(spec: FieldSpec, def: FieldDef, where: string): CompiledRef[] {
  const list: (string | FieldRef)[] = Array.isArray(spec) ? spec : [spec];
  return list.map((entry) => {
    if (typeof entry === 'string') return { column: entry, from: `column ${entry}`, explicit: true };
    if (entry.unit !== undefined || entry.unit_column !== undefined) {
      if (!def.unit)
        throw new PipelineError('config', `${where}: field ${def.name} has no unit to convert to`);
      if (entry.unit !== undefined && !unitsCompatible(entry.unit, def.unit)) {
        throw new PipelineError(
          'config',
          `${where}: unit ${entry.unit} cannot be converted to ${def.unit} (the unit of ${def.name})`,
        );
      }
    }
    if (entry.default !== undefined && def.type !== 'string' && !parseNumber(String(entry.default)).ok) {
      throw new PipelineError('config', `${where}: default '${entry.default}' is not a number`);
    }
    return {
      column: entry.column,
      from: `column ${entry.column}`,
      explicit: true,
      ...(entry.unit !== undefined ? { unit: entry.unit } : {}),
      ...(entry.unit_column !== undefined ? { unitColumn: entry.unit_column } : {}),
      ...(entry.default !== undefined ? { default: String(entry.default) } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

function formatOf(src: CompiledSource, file: MatchedFile): 'csv' | 'json' | 'jsonl' {
  if (src.config.format) return src.config.format;
  if (src.config.records !== undefined) return 'json';
  const lower = file.path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  throw new PipelineError(
    'config',
    `sources[${src.index}]: cannot tell the format of ${file.label} from its extension; set format: csv | json | jsonl`,
  );
}

// ---------------------------------------------------------------------------------------------
// Row mapping
// ---------------------------------------------------------------------------------------------

interface Rejection {
  readonly code: IssueCode;
  readonly message: string;
}

function mapRow(src: CompiledSource, raw: RawRow): { fields: Record<string, FieldValue> } | Rejection {
  for (const w of src.where) {
    const value = raw.values.get(w.column) ?? '';
    if (!w.accepted.some((a) => sameValue(a, value))) {
      return {
        code: 'excluded',
        message: `${w.column}='${clip(value)}' not in [${w.accepted.join(', ')}]`,
      };
    }
  }
  for (const x of src.exclude) {
    const value = raw.values.get(x.column) ?? '';
    if (x.rejected.some((r) => sameValue(r, value))) {
      return { code: 'excluded', message: `${x.column}='${clip(value)}' is excluded by the config` };
    }
  }
  // Keys are the category's canonical field names (never user data), always added in the same
  // order: a plain object keeps one hidden class instead of a per-row dictionary.
  const fields: Record<string, FieldValue> = {};
  for (const cf of src.fields) {
    const result = readField(cf, raw);
    if (typeof result === 'object' && result !== null) return result;
    fields[cf.def.name] = result;
  }
  return { fields };
}

/** `a` and `b` match as trimmed text, or as numbers when both parse (`1` matches `1.0`). */
function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = parseNumber(a);
  const y = parseNumber(b);
  return x.ok && y.ok && x.value === y.value;
}

function readField(cf: CompiledField, raw: RawRow): FieldValue | Rejection {
  const { def } = cf;
  const picked = pick(cf, raw);
  if (picked === null) {
    if (!def.required) return null;
    const cols = cf.refs.map((r) => r.column).join(' | ');
    return {
      code: 'missing_field',
      message: `required field ${def.name} (column ${cols}) is empty or absent`,
    };
  }
  if ('problem' in picked)
    return { code: 'unknown_unit', message: `${fieldAt(def, picked)}: ${picked.problem}` };
  if (def.type === 'string') return picked.text;
  const parsed = parseNumber(picked.text);
  if (!parsed.ok)
    return { code: parsed.code, message: `${fieldAt(def, picked)}: '${clip(picked.text)}' ${parsed.reason}` };
  let value = parsed.value;
  if (picked.unit !== undefined) {
    if (!def.unit)
      return {
        code: 'unknown_unit',
        message: `${fieldAt(def, picked)}: ${def.name} takes no unit, got ${picked.unit}`,
      };
    const converted = convertUnit(value, picked.unit, def.unit);
    if (converted === undefined) {
      return {
        code: 'unknown_unit',
        message: `${fieldAt(def, picked)}: unit ${picked.unit} cannot be converted to ${def.unit}`,
      };
    }
    value = converted;
  }
  if (!Number.isFinite(value))
    return { code: 'non_finite', message: `${fieldAt(def, picked)}: '${clip(picked.text)}' overflows` };
  if (def.type === 'integer' && !Number.isInteger(value)) {
    return {
      code: 'bad_number',
      message: `${fieldAt(def, picked)}: '${clip(picked.text)}' is not a whole number`,
    };
  }
  const violation = checkDomain(def, value);
  if (violation)
    return { code: violation.code, message: `${fieldAt(def, picked)}: ${value} ${violation.reason}` };
  return value;
}

/** Where a field's value came from, for a message: `tok_per_s (column tok_s)`. Written only for a message. */
function fieldAt(def: FieldDef, picked: Picked): string {
  return `${def.name} (${picked.from})`;
}

type Picked =
  | { readonly text: string; readonly unit: Unit | undefined; readonly from: string }
  | { readonly problem: string; readonly from: string };

/** The raw text and unit of a field: the `set` constant, else the first non-empty ref, else a default. */
function pick(cf: CompiledField, raw: RawRow): Picked | null {
  if (cf.constantPick !== undefined) return cf.constantPick;
  for (const ref of cf.refs) {
    const text = (raw.values.get(ref.column) ?? '').trim();
    if (text === '') continue;
    const { from } = ref;
    if (ref.unitColumn === undefined) return { text, unit: ref.unit, from };
    const unitText = (raw.values.get(ref.unitColumn) ?? '').trim();
    if (unitText === '') {
      if (ref.unit !== undefined) return { text, unit: ref.unit, from };
      return { problem: `unit column ${ref.unitColumn} is empty`, from };
    }
    const unit = parseUnit(unitText);
    if (unit === undefined)
      return { problem: `unknown unit '${clip(unitText)}' in column ${ref.unitColumn}`, from };
    return { text, unit, from };
  }
  for (const ref of cf.refs) {
    if (ref.default !== undefined)
      return { text: ref.default, unit: ref.unit, from: `default of ${ref.column}` };
  }
  return null;
}
