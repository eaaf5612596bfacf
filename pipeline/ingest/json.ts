/**
 * JSON readers: a JSON array of objects, JSON Lines (one object per line), and nested JSON through a
 * `records` path template such as `efficiency.{backend}.{model}.points`, where a literal segment
 * descends into that key and `{name}` walks every key of the object and stores it as field `name`.
 * Scalars met on the way down (`baseline_tps`, `eta_unit` beside `points`) are inherited by the
 * records below them; a record's own fields win over inherited ones, and `{name}` captures win over
 * both. A truncated or invalid file is one `unparseable_file` issue; a bad JSON Lines line rejects
 * only that line. So is a document (or line) nested deeper than `MAX_JSON_DEPTH`: nothing the
 * readers accept needs it, and walking it would exhaust the stack.
 */

import type { Issue } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { fileFailure, type RawRow, type RawTable } from './csv.ts';

/** Deepest nesting of arrays and objects a JSON document or JSON Lines line may have. */
export const MAX_JSON_DEPTH = 64;

/** A parsed `records` template: literal keys and `{capture}` segments. */
export type PathSegment =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'capture'; readonly name: string };

/**
 * `parseRecordsPath(template)` splits a template on `.` into literal and `{name}` segments.
 * Throws `PipelineError('config')` for an empty segment or a malformed capture.
 * @example parseRecordsPath('efficiency.{model}.points') // [key efficiency, capture model, key points]
 */
export function parseRecordsPath(template: string): PathSegment[] {
  return template.split('.').map((part) => {
    if (part === '') throw new PipelineError('config', `records path '${template}': empty segment`);
    const capture = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(part);
    if (capture) return { kind: 'capture', name: capture[1]! };
    if (/[{}]/.test(part)) {
      throw new PipelineError(
        'config',
        `records path '${template}': malformed capture '${part}' (use {name})`,
      );
    }
    return { kind: 'key', key: part };
  });
}

/**
 * `readJson(text, source, records?)` reads a JSON document: an array of objects, or the records a
 * path template selects. Every record becomes a row whose line is the line where its object ends.
 * @example readJson('[{"a":1}]', 'x.json').rows[0].values.get('a') // '1'
 */
export function readJson(text: string, source: string, records?: string): RawTable {
  const body = stripBom(text);
  const segments = records === undefined ? undefined : parseRecordsPath(records);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return fileFailure(source, `not valid JSON (truncated or malformed): ${(err as Error).message}`);
  }
  if (tooDeep(body))
    return fileFailure(source, `JSON nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`);
  const lines = endLines(body);
  const rows: RawRow[] = [];
  const issues: Issue[] = [];
  let read = 0;

  const emit = (element: unknown, path: readonly PathKey[], inherited: ReadonlyMap<string, string>) => {
    read++;
    const line = lines.get(pathId(path)) ?? 0;
    if (!isPlainObject(element)) {
      issues.push(notAnObject(source, line, `record at ${describePath(path)} is ${typeName(element)}`));
      return;
    }
    const values = new Map(inherited);
    for (const [k, v] of Object.entries(element)) values.set(k, scalarText(v));
    rows.push({ line, values });
  };

  if (segments === undefined) {
    if (!Array.isArray(doc)) {
      return fileFailure(
        source,
        `expected a JSON array of objects at the top level, found ${typeName(doc)} (set 'records' for nested JSON)`,
      );
    }
    doc.forEach((el, i) => {
      emit(el, [i], new Map());
    });
    return { header: null, rows, issues, read };
  }

  const walk = (
    value: unknown,
    depth: number,
    path: PathKey[],
    inherited: Map<string, string>,
    captured: ReadonlyMap<string, string>,
  ): void => {
    const here = new Map(inherited);
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) if (isScalar(v)) here.set(k, scalarText(v));
    }
    if (depth === segments.length) {
      const base = new Map(here);
      const finish = (el: unknown, elPath: PathKey[]) => {
        if (isPlainObject(el)) {
          const merged = new Map(base);
          for (const [k, v] of Object.entries(el)) merged.set(k, scalarText(v));
          for (const [k, v] of captured) merged.set(k, v);
          read++;
          rows.push({ line: lines.get(pathId(elPath)) ?? 0, values: merged });
        } else {
          emit(el, elPath, base);
        }
      };
      if (Array.isArray(value)) {
        value.forEach((el, i) => {
          finish(el, [...path, i]);
        });
      } else if (isPlainObject(value)) {
        finish(value, path);
      } else {
        issues.push(
          warnPath(
            source,
            lines,
            path,
            `records path ends at ${typeName(value)}, expected an array of objects`,
          ),
        );
      }
      return;
    }
    const seg = segments[depth]!;
    if (!isPlainObject(value)) {
      issues.push(
        warnPath(source, lines, path, `records path expects an object here, found ${typeName(value)}`),
      );
      return;
    }
    if (seg.kind === 'key') {
      if (!Object.hasOwn(value, seg.key)) {
        issues.push(
          warnPath(source, lines, path, `records path: no key '${seg.key}' under ${describePath(path)}`),
        );
        return;
      }
      walk(value[seg.key], depth + 1, [...path, seg.key], here, captured);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      // Scalars beside the walked keys are context (already in `here`), not branches.
      if (isScalar(v)) continue;
      const next = new Map(captured);
      next.set(seg.name, k);
      walk(v, depth + 1, [...path, k], here, next);
    }
  };
  walk(doc, 0, [], new Map(), new Map());
  return { header: null, rows, issues, read };
}

/**
 * `readJsonLines(text, source)` reads one JSON object per non-blank line. A line that is not valid
 * JSON, or not an object, rejects that row only (code `unparseable_file` / `missing_field` at the
 * line); the rest of the file is kept.
 * @example readJsonLines('{"a":1}\n{oops\n', 'x.jsonl').issues[0].line // 2
 */
export function readJsonLines(text: string, source: string): RawTable {
  const rows: RawRow[] = [];
  const issues: Issue[] = [];
  let read = 0;
  stripBom(text)
    .split(/\r\n|\n|\r/)
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === '') return;
      read++;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (err) {
        issues.push({
          source,
          line,
          code: 'unparseable_file',
          severity: 'reject',
          message: `JSON Lines: line ${line} is not valid JSON: ${(err as Error).message}`,
        });
        return;
      }
      if (tooDeep(raw)) {
        issues.push({
          source,
          line,
          code: 'unparseable_file',
          severity: 'reject',
          message: `JSON Lines: line ${line} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
        });
        return;
      }
      if (!isPlainObject(value)) {
        issues.push(notAnObject(source, line, `line ${line} is ${typeName(value)}`));
        return;
      }
      const values = new Map<string, string>();
      for (const [k, v] of Object.entries(value)) values.set(k, scalarText(v));
      rows.push({ line, values });
    });
  return { header: null, rows, issues, read };
}

// ---------------------------------------------------------------------------------------------

type PathKey = string | number;

function pathId(path: readonly PathKey[]): string {
  return JSON.stringify(path);
}

function describePath(path: readonly PathKey[]): string {
  if (path.length === 0) return 'the top level';
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.');
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** A JSON value as the text a CSV cell would hold: null → '', numbers and booleans as written. */
function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function notAnObject(source: string, line: number, what: string): Issue {
  return {
    source,
    line,
    code: 'missing_field',
    severity: 'reject',
    message: `${what}, not an object with fields`,
  };
}

function warnPath(
  source: string,
  lines: ReadonlyMap<string, number>,
  path: readonly PathKey[],
  message: string,
): Issue {
  return { source, line: lines.get(pathId(path)) ?? 0, code: 'missing_field', severity: 'warn', message };
}

/** True when valid JSON `text` nests arrays/objects deeper than `MAX_JSON_DEPTH` (iterative scan). */
function tooDeep(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string: up to the next quote that is not escaped.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/**
 * Line (1-based) where every object and array value ends, keyed by its path. Runs on text that
 * `JSON.parse` already accepted, so it only has to track strings, nesting and newlines.
 */
function endLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  let line = 1;
  const path: PathKey[] = [];
  const skipWs = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
      i++;
    }
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (): void => {
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      skipWs();
      if (text[i] === '}') i++;
      else {
        for (;;) {
          skipWs();
          const key = readString();
          skipWs();
          i++; // ':'
          path.push(key);
          readValue();
          path.pop();
          skipWs();
          const sep = text[i++];
          if (sep !== ',') break;
        }
      }
      out.set(pathId(path), line);
    } else if (c === '[') {
      i++;
      skipWs();
      if (text[i] === ']') i++;
      else {
        for (let k = 0; ; k++) {
          path.push(k);
          readValue();
          path.pop();
          skipWs();
          const sep = text[i++];
          if (sep !== ',') break;
        }
      }
      out.set(pathId(path), line);
    } else if (c === '"') {
      readString();
      out.set(pathId(path), line);
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i]!)) i++;
      out.set(pathId(path), line);
    }
  };
  readValue();
  return out;
}
