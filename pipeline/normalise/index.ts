/**
 * Normalise: ingested rows → typed records with canonical names and content-derived ids.
 * - Names go through the registry resolver. An unknown model, GPU, quant or backend keeps the row
 *   (`known: false` / cleaned raw name) and adds one `warn` issue naming the nearest known ids.
 * - The quant comes from the quant column, else from the model name (`llama3.1:8b-instruct-q4_0`),
 *   else from the Ollama tag (`model_tag`, via tags.csv), else it is `unknown` (with a warning).
 * - A name that is empty after cleaning, holds control characters or U+FFFD (bytes that were not
 *   UTF-8), is longer than `MAX_NAME_LENGTH`, or is (or resolves to) an `Object.prototype` property
 *   name such as `__proto__` or `constructor` is rejected (`bad_name`): ids become keys of the
 *   artifact's tables, and zod drops a `__proto__` key when a consumer parses them.
 * - Ids are `sha1(category + canonical values)` (first `idLength` hex digits), so the same rows in
 *   any file or source order get the same ids; exact duplicates get `#2`, `#3`, ... An explicit `id`
 *   field is used verbatim, and a repeated one is rejected (`duplicate_id`).
 */

import { createHash } from 'node:crypto';
import { appendAll } from '../math/extent.ts';
import {
  type AnyRecord,
  CATEGORIES,
  type Category,
  type CostRecord,
  type FieldValue,
  type IngestedRow,
  type Issue,
  type IssueCode,
  type LatencyRecord,
  type QualityRecord,
  type RecordSet,
  type ScalingRecord,
  type ThroughputRecord,
  type VramRecord,
} from '../records.ts';
import { hasControlChars, type NameKind, type Resolver } from '../registry.ts';
import { isReservedKey } from '../util/keys.ts';
import { BoundedCache } from '../util/memo.ts';
import { clip } from '../util/text.ts';

/** Options of `normalise`. */
export interface NormaliseOptions {
  /**
   * Hex digits of the content hash kept in a record id.
   * @default 12
   */
  readonly idLength?: number;
}

export const DEFAULT_NORMALISE_OPTIONS: Required<NormaliseOptions> = { idLength: 12 };

/** Longest name (model, quant, backend, GPU, explicit id) accepted, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

/** Quant id given to rows whose quant is not stated anywhere. */
export const UNKNOWN_QUANT = 'unknown';
/** GPU id given to rows whose hardware is not stated. */
export const UNKNOWN_GPU = 'unknown';

function resolveOptions(options: NormaliseOptions): Required<NormaliseOptions> {
  const idLength = options.idLength ?? DEFAULT_NORMALISE_OPTIONS.idLength;
  if (!Number.isInteger(idLength) || idLength < 8 || idLength > 40) {
    throw new RangeError(`normalise: idLength must be a whole number in [8, 40], got ${idLength}`);
  }
  return { idLength };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Pending {
  /** The record, its id still empty: ids are assigned (on a copy) when every row has been seen. */
  readonly record: AnyRecord;
  /**
   * sha1 of the record's content (everything but id and provenance) as 20 one-byte characters
   * (latin1): half the memory of hex, and it sorts in the same order.
   */
  readonly hash: string;
  readonly explicitId: string | null;
}

/**
 * What a normaliser holds before ids are assigned: the typed records (id still empty) with their
 * content hashes, and its issues in row order. Plain data, so it can cross a thread.
 */
export interface NormalisedPart {
  readonly pending: readonly Pending[];
  readonly issues: readonly Issue[];
}

/** Streaming form of `normalise`: `add` each ingested row as it is read, then `finish` once. */
export interface Normaliser {
  add(row: IngestedRow): void;
  /** The current position, to take back every row added after it with `rollback`. */
  mark(): unknown;
  rollback(mark: unknown): void;
  /** Everything added so far, for another normaliser to `absorb` (this one is then empty). */
  detach(): NormalisedPart;
  /**
   * Takes another normaliser's rows as if they had been added at `mark`: its issues go in at that
   * position (ids do not depend on the order records were added).
   */
  absorb(part: NormalisedPart, mark: unknown): void;
  finish(): { records: RecordSet; issues: Issue[] };
}

/**
 * `createNormaliser(resolver, options)` keeps only the typed records (no raw rows): each row is
 * resolved, checked and hashed as it arrives; ids are assigned in `finish`, where exact duplicates
 * are numbered.
 */
export function createNormaliser(resolver: Resolver, options: NormaliseOptions = {}): Normaliser {
  const { idLength } = resolveOptions(options);
  const issues: Issue[] = [];
  const pending: Pending[] = [];
  return {
    add(row) {
      const explicit = str(row.fields.id);
      const record = toRecord(row, resolver, explicit, issues);
      if ('code' in record) {
        issues.push({
          source: row.source,
          line: row.line,
          severity: 'reject',
          code: record.code,
          message: record.message,
        });
        return;
      }
      pending.push({ record, hash: sha1(contentOf(record)), explicitId: explicit === '' ? null : explicit });
    },
    mark: () => ({ pending: pending.length, issues: issues.length }),
    rollback(mark) {
      const at = mark as { pending: number; issues: number };
      pending.length = at.pending;
      issues.length = at.issues;
    },
    detach: () => ({ pending: pending.splice(0), issues: issues.splice(0) }),
    absorb(part, mark) {
      const at = mark as { pending: number; issues: number };
      appendAll(pending, part.pending);
      const after = issues.splice(at.issues);
      appendAll(issues, part.issues);
      appendAll(issues, after);
    },
    finish() {
      const records = assignIds(pending, idLength, issues);
      pending.length = 0;
      return { records, issues };
    },
  };
}

/**
 * `normalise(rows, resolver, options)` turns ingested rows into a `RecordSet` (each category sorted
 * by id) and the issues raised on the way (warnings for unknown names, rejections for bad names and
 * repeated explicit ids).
 * @example normalise(ingest.rows, createResolver(registry)).records.throughput[0].model // 'llama3.2-1b'
 */
export function normalise(
  rows: readonly IngestedRow[],
  resolver: Resolver,
  options: NormaliseOptions = {},
): { records: RecordSet; issues: Issue[] } {
  const normaliser = createNormaliser(resolver, options);
  for (const row of rows) normaliser.add(row);
  return normaliser.finish();
}

// ---------------------------------------------------------------------------------------------

interface Rejection {
  readonly code: IssueCode;
  readonly message: string;
}

const str = (v: FieldValue | undefined): string =>
  typeof v === 'string' ? v.trim() : v == null ? '' : String(v);
const num = (v: FieldValue | undefined): number | null => (typeof v === 'number' ? v : null);

function suggestion(resolver: Resolver, kind: NameKind, raw: string): string {
  const near = resolver.suggest(kind, raw);
  return near.length > 0 ? ` (nearest: ${near.join(', ')})` : '';
}

function badName(kind: string, raw: string): Rejection | undefined {
  if (raw.length > MAX_NAME_LENGTH) {
    return {
      code: 'bad_name',
      message: `${kind} name is ${raw.length} characters long (at most ${MAX_NAME_LENGTH}): '${clip(raw)}'`,
    };
  }
  if (hasControlChars(raw)) return { code: 'bad_name', message: `${kind} name contains control characters` };
  if (raw.includes('\uFFFD')) {
    return {
      code: 'bad_name',
      message: `${kind} name '${raw}' contains U+FFFD: the file is not valid UTF-8 there`,
    };
  }
  if (isReservedKey(raw)) return reserved(kind, raw, raw);
  if (!/[\p{L}\p{N}]/u.test(raw))
    return { code: 'bad_name', message: `${kind} name '${raw}' has no letters or digits` };
  return undefined;
}

/** A name whose canonical id would be an `Object.prototype` property name. */
function reserved(kind: string, raw: string, id: string): Rejection {
  const resolved = raw === id ? '' : ` (resolves to '${id}')`;
  return {
    code: 'bad_name',
    message: `${kind} name '${raw}'${resolved} is reserved: an Object.prototype property name cannot key the artifact's tables`,
  };
}

/**
 * The typed record of one row (id still empty), or why it is rejected. Warnings (unknown names) go
 * to `issues` only when the row is kept. Every record of a category is built by the same object
 * literal, so all share one hidden class and property reads stay fast in the fit loops.
 */
function toRecord(
  row: IngestedRow,
  resolver: Resolver,
  explicit: string,
  issues: Issue[],
): AnyRecord | Rejection {
  const warnings: Issue[] = [];
  const result = resolveRow(row, resolver, explicit, warnings);
  if (!('code' in result)) appendAll(issues, warnings);
  return result;
}

function warn(warnings: Issue[], row: IngestedRow, code: IssueCode, message: string): void {
  warnings.push({ source: row.source, line: row.line, severity: 'warn', code, message });
}

const interned = new BoundedCache<string>();

/** One shared instance per distinct text (metric labels repeat on millions of rows). */
function intern(text: string): string {
  return interned.get(text, () => text);
}

function resolveRow(
  row: IngestedRow,
  resolver: Resolver,
  explicit: string,
  warnings: Issue[],
): AnyRecord | Rejection {
  const f = row.fields;

  // Model (and the quant its name or tag carries).
  const rawModel = str(f.model);
  const modelBad = badName('model', rawModel);
  if (modelBad) return modelBad;
  const model = resolver.resolveModel(rawModel);
  if (isReservedKey(model.id)) return reserved('model', rawModel, model.id);
  if (model.id === '')
    return { code: 'bad_name', message: `model name '${rawModel}' is empty after cleaning` };
  if (!model.known) {
    warn(
      warnings,
      row,
      'unknown_model',
      `model '${rawModel}' is not in the registry${suggestion(resolver, 'model', rawModel)}`,
    );
  }

  // Quant: column, else name, else tag, else unknown.
  const rawQuant = str(f.quant);
  let quant: string;
  if (rawQuant !== '') {
    const badQuant = badName('quant', rawQuant);
    if (badQuant) return badQuant;
    const q = resolver.resolveQuant(rawQuant);
    if (isReservedKey(q.id)) return reserved('quant', rawQuant, q.id);
    quant = q.id;
    if (!q.known)
      warn(
        warnings,
        row,
        'unknown_quant',
        `quant '${rawQuant}' is not in the registry${suggestion(resolver, 'quant', rawQuant)}`,
      );
  } else if (model.quant !== undefined) {
    quant = model.quant;
  } else {
    const tag = str(f.model_tag);
    const fromTag =
      tag === '' ? undefined : (resolver.resolveTag(tag)?.quant ?? resolver.resolveModel(tag).quant);
    if (fromTag !== undefined) quant = fromTag;
    else {
      quant = UNKNOWN_QUANT;
      warn(
        warnings,
        row,
        'unknown_quant',
        tag === '' ? 'quant not stated' : `quant not stated and tag '${clip(tag)}' is not in the tag table`,
      );
    }
  }

  // Backend.
  const rawBackend = str(f.backend);
  const backendBad = badName('backend', rawBackend);
  if (backendBad) return backendBad;
  const backend = resolver.resolveBackend(rawBackend);
  if (isReservedKey(backend.id)) return reserved('backend', rawBackend, backend.id);
  if (!backend.known) {
    warn(
      warnings,
      row,
      'unknown_backend',
      `backend '${rawBackend}' is not in the registry${suggestion(resolver, 'backend', rawBackend)}`,
    );
  }

  // GPU.
  const rawGpu = str(f.gpu);
  let gpu = { id: UNKNOWN_GPU, known: false };
  if (rawGpu === '') warn(warnings, row, 'unknown_gpu', 'gpu not stated');
  else {
    const gpuBad = badName('gpu', rawGpu);
    if (gpuBad) return gpuBad;
    gpu = resolver.resolveGpu(rawGpu);
    if (isReservedKey(gpu.id)) return reserved('gpu', rawGpu, gpu.id);
    if (!gpu.known)
      warn(
        warnings,
        row,
        'unknown_gpu',
        `gpu '${rawGpu}' is not in the registry${suggestion(resolver, 'gpu', rawGpu)}`,
      );
  }

  if (explicit !== '') {
    const idBad = badName('id', explicit);
    if (idBad) return idBad;
  }
  const weight = num(f.n) ?? 1;
  const metricText = intern(str(f.metric));
  const { source, line } = row;
  const m = model.id;
  const mk = model.known;
  const b = backend.id;
  const g = gpu.id;
  const gk = gpu.known;
  switch (row.category) {
    case 'throughput':
      return {
        id: '',
        category: 'throughput',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        tokPerS: num(f.tok_per_s)!,
        nAgents: num(f.n_agents) ?? 1,
        contextLength: num(f.context_length),
        metric: metricText || 'tok_per_s',
      };
    case 'vram':
      return {
        id: '',
        category: 'vram',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        vramGb: num(f.vram_gb)!,
        contextLength: num(f.context_length)!,
        batch: num(f.batch) ?? 1,
      };
    case 'quality':
      return {
        id: '',
        category: 'quality',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        score: num(f.score)!,
        metric: metricText || 'score',
      };
    case 'latency':
      return {
        id: '',
        category: 'latency',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        ms: num(f.ms)!,
        metric: metricText || 'ms',
        concurrency: num(f.concurrency) ?? 1,
        arrivalRate: num(f.arrival_rate),
      };
    case 'cost':
      return {
        id: '',
        category: 'cost',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        usdPer1M: num(f.usd_per_1m)!,
        tokPerS: num(f.tok_per_s),
        hourlyRate: num(f.hourly_rate),
        metric: metricText || 'usd_per_1m',
      };
    case 'scaling':
      return {
        id: '',
        category: 'scaling',
        source,
        line,
        model: m,
        modelKnown: mk,
        quant,
        backend: b,
        gpu: g,
        gpuKnown: gk,
        weight,
        nAgents: num(f.n_agents)!,
        eta: num(f.eta)!,
        perAgentTps: num(f.per_agent_tps),
        totalTps: num(f.total_tps),
      };
  }
}

/** Fields that are not content: the id itself and provenance. */
const NOT_CONTENT: ReadonlySet<string> = new Set(['id', 'source', 'line']);
const contentKeys = new Map<Category, readonly string[]>();

/**
 * The text a content id hashes: the record without id and provenance, keys sorted, in exactly the
 * form `stableStringify` writes (2-space JSON), so ids do not change with this faster writer.
 */
function contentOf(r: AnyRecord): string {
  let keys = contentKeys.get(r.category);
  if (!keys) {
    keys = Object.keys(r)
      .filter((k) => !NOT_CONTENT.has(k))
      .sort();
    contentKeys.set(r.category, keys);
  }
  const values = r as unknown as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = values[k];
    if (v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`contentOf: non-finite ${k}`);
    out += `${first ? '\n' : ',\n'}  ${JSON.stringify(k)}: ${JSON.stringify(v)}`;
    first = false;
  }
  return `${out}${first ? '}' : '\n}'}\n`;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('binary');
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** The first `digits` hex digits of a latin1 digest. */
function hexPrefix(hash: string, digits: number): string {
  let out = '';
  for (let i = 0; out.length < digits; i++) out += HEX[hash.charCodeAt(i)]!;
  return out.slice(0, digits);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byHash = (a: Pending, b: Pending) => byText(a.hash, b.hash) || byProvenance(a.record, b.record);

/**
 * Sorts by (hash, provenance) in linear time on average: a counting sort on the hash's first two
 * bytes (uniform, so 65,536 buckets of n / 65,536), then a comparison sort inside each bucket.
 */
function sortByHash(items: readonly Pending[]): Pending[] {
  const BUCKETS = 65_536;
  const bucketOf = (p: Pending) => (p.hash.charCodeAt(0) << 8) | p.hash.charCodeAt(1);
  const starts = new Int32Array(BUCKETS + 1);
  for (const p of items) starts[bucketOf(p) + 1]!++;
  for (let b = 0; b < BUCKETS; b++) starts[b + 1]! += starts[b]!;
  const next = starts.slice(0, BUCKETS);
  const out = new Array<Pending>(items.length);
  for (const p of items) out[next[bucketOf(p)]!++] = p;
  for (let b = 0; b < BUCKETS; b++) {
    const lo = starts[b]!;
    const hi = starts[b + 1]!;
    if (hi - lo > 1) {
      const bucket = out.slice(lo, hi).sort(byHash);
      for (let i = lo; i < hi; i++) out[i] = bucket[i - lo]!;
    }
  }
  return out;
}

const byProvenance = (a: AnyRecord, b: AnyRecord) => byText(a.source, b.source) || a.line - b.line;

/**
 * A copy of `record` with its id. Records are built in file order but read in id order by every
 * later stage; copied here, in id order, they also lie in memory in that order, so the passes of
 * the split and the fits over a large corpus read memory sequentially (a pass over 540k throughput
 * records: 144 → 89 ms). `Object.assign` onto `{}` adds the fields in the literal's order, so the
 * copies of a category share one hidden class (a spread copies the source's possibly deprecated map
 * and gave two).
 */
function withId<R extends AnyRecord>(record: R, id: string): R {
  const copy: Mutable<R> = Object.assign({}, record);
  copy.id = id;
  return copy;
}

/**
 * Gives each record its id and groups records by category, each sorted by id. Content ids: the
 * first `idLength` hex digits of the content hash; exact duplicates (same hash) are ordered by
 * source and line and get `#2`, `#3`. Explicit ids: the first in hash order keeps it; every other
 * row with that id (in the same category) is rejected as `duplicate_id`.
 */
function assignIds(pending: readonly Pending[], idLength: number, issues: Issue[]): RecordSet {
  const byCategory = new Map<Category, AnyRecord[]>(CATEGORIES.map((c) => [c, []]));
  // Sorting by (hash, provenance) puts duplicates side by side and the records in id order.
  const content = sortByHash(pending.filter((p) => p.explicitId === null));
  for (let start = 0; start < content.length; ) {
    let end = start + 1;
    while (end < content.length && content[end]!.hash === content[start]!.hash) end++;
    const base = hexPrefix(content[start]!.hash, idLength);
    if (end - start < 10) {
      for (let k = start; k < end; k++) {
        const p = content[k]!;
        byCategory
          .get(p.record.category)!
          .push(withId(p.record, k === start ? base : `${base}#${k - start + 1}`));
      }
    } else {
      // Ids compare as text: from ten copies on, `#10` sorts before `#2`.
      const run = content
        .slice(start, end)
        .map((p, k) => withId(p.record, k === 0 ? base : `${base}#${k + 1}`));
      run.sort((a, b) => byText(a.id, b.id));
      for (const r of run) byCategory.get(r.category)!.push(r);
    }
    start = end;
  }
  const explicit = new Map<string, Pending[]>();
  for (const p of pending) {
    if (p.explicitId === null) continue;
    const key = `${p.record.category}\u0000${p.explicitId}`;
    const members = explicit.get(key);
    if (members) members.push(p);
    else explicit.set(key, [p]);
  }
  const withExplicit = new Set<Category>();
  // Groups in id order, so the duplicate_id issues do not depend on the order rows were added.
  for (const key of [...explicit.keys()].sort()) {
    const members = explicit.get(key)!;
    members.sort(byHash);
    const [keep, ...rest] = members;
    byCategory.get(keep!.record.category)!.push(withId(keep!.record, keep!.explicitId!));
    withExplicit.add(keep!.record.category);
    for (const r of rest) {
      issues.push({
        source: r.record.source,
        line: r.record.line,
        severity: 'reject',
        code: 'duplicate_id',
        message: `id ${r.explicitId} already used by ${keep!.record.source}:${keep!.record.line}`,
      });
    }
  }
  for (const c of withExplicit) byCategory.get(c)!.sort((a, b) => byText(a.id, b.id));
  return {
    throughput: byCategory.get('throughput') as ThroughputRecord[],
    vram: byCategory.get('vram') as VramRecord[],
    quality: byCategory.get('quality') as QualityRecord[],
    latency: byCategory.get('latency') as LatencyRecord[],
    cost: byCategory.get('cost') as CostRecord[],
    scaling: byCategory.get('scaling') as ScalingRecord[],
  };
}
