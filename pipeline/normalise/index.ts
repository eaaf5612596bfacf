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
 * - Ids are the first `idLength` hex digits of a 128-bit hash of the record's content (category,
 *   canonical names and values; `content-hash.ts`), so the same rows in any file or source order
 *   get the same ids; exact duplicates get `#2`, `#3`, ... An explicit `id`
 *   field is used verbatim, and a repeated one is rejected (`duplicate_id`).
 */

import { appendAll } from '../math/extent.ts';
import type { FieldValue, IngestedRow, Issue, IssueCode, RecordSet } from '../records.ts';
import { hasControlChars, type NameKind, type Resolver } from '../registry.ts';
import { isReservedKey } from '../util/keys.ts';
import { getOrInsert, TextCodes } from '../util/memo.ts';
import { clip } from '../util/text.ts';
import { CONTENT_HASH_BYTES, configWords } from './content-hash.ts';
import { assignIds } from './ids.ts';
import { configText, DEFAULT_METRIC } from './layout.ts';
import { PendingStore, type RecordNames, type StoreColumns, VALUE_COLUMNS } from './store.ts';

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
  const most = 2 * CONTENT_HASH_BYTES;
  if (!Number.isInteger(idLength) || idLength < 8 || idLength > most) {
    throw new RangeError(`normalise: idLength must be a whole number in [8, ${most}], got ${idLength}`);
  }
  return { idLength };
}

/**
 * What a normaliser holds before ids are assigned: its rows as columns (configurations, lines,
 * numbers, content hashes) and its issues in row order. Plain data, so it can cross a thread.
 */
export interface NormalisedPart {
  readonly rows: StoreColumns;
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
 * `createNormaliser(resolver, options)` keeps only columns of numbers per row (no raw rows, no
 * object per row): each row's names are resolved (once per distinct spelling), checked and its
 * content hashed as it arrives; ids are assigned and records built in `finish`, where exact
 * duplicates are numbered.
 */
export function createNormaliser(resolver: Resolver, options: NormaliseOptions = {}): Normaliser {
  const { idLength } = resolveOptions(options);
  const issues: Issue[] = [];
  const store = new PendingStore();
  const rowConfigs = new RowConfigs(resolver, store);
  const values = new Float64Array(VALUE_COLUMNS);
  return {
    add(row) {
      const explicit = str(row.fields.id);
      const { names, config } = rowConfigs.resolve(row);
      const rejection = 'code' in names ? names : explicit === '' ? undefined : badName('id', explicit);
      if (rejection) {
        issues.push({
          source: row.source,
          line: row.line,
          severity: 'reject',
          code: rejection.code,
          message: rejection.message,
        });
        return;
      }
      const kept = names as Names;
      for (const w of kept.warnings) {
        issues.push({
          source: row.source,
          line: row.line,
          severity: 'warn',
          code: w.code,
          message: w.message,
        });
      }
      rowValues(row, values);
      store.push(config, row.line, values, explicit === '' ? null : explicit);
    },
    mark: () => ({ rows: store.n, issues: issues.length }),
    rollback(mark) {
      const at = mark as { rows: number; issues: number };
      store.truncate(at.rows);
      issues.length = at.issues;
    },
    detach: () => ({ rows: store.detach(), issues: issues.splice(0) }),
    absorb(part, mark) {
      const at = mark as { rows: number; issues: number };
      store.absorb(part.rows);
      const after = issues.splice(at.issues);
      appendAll(issues, part.issues);
      appendAll(issues, after);
    },
    finish() {
      const records = assignIds(store, idLength, issues);
      store.truncate(0);
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

/** A warning every row with the same names raises (with its own source and line). */
interface NameWarning {
  readonly code: IssueCode;
  readonly message: string;
}

/** The canonical names of one spelling of (model, quant, tag, backend, gpu). */
interface Names extends RecordNames {
  readonly warnings: readonly NameWarning[];
}

/**
 * Resolves a row's names through the registry, or says why they are rejected. Unknown names keep
 * the row with a warning naming the nearest known ids.
 */
function resolveNames(
  resolver: Resolver,
  rawModel: string,
  rawQuant: string,
  tag: string,
  rawBackend: string,
  rawGpu: string,
): Names | Rejection {
  const warnings: NameWarning[] = [];
  const warn = (code: IssueCode, message: string) => warnings.push({ code, message });

  // Model (and the quant its name or tag carries).
  const modelBad = badName('model', rawModel);
  if (modelBad) return modelBad;
  const model = resolver.resolveModel(rawModel);
  if (isReservedKey(model.id)) return reserved('model', rawModel, model.id);
  if (model.id === '')
    return { code: 'bad_name', message: `model name '${rawModel}' is empty after cleaning` };
  if (!model.known) {
    warn(
      'unknown_model',
      `model '${rawModel}' is not in the registry${suggestion(resolver, 'model', rawModel)}`,
    );
  }

  // Quant: column, else name, else tag, else unknown.
  let quant: string;
  if (rawQuant !== '') {
    const badQuant = badName('quant', rawQuant);
    if (badQuant) return badQuant;
    const q = resolver.resolveQuant(rawQuant);
    if (isReservedKey(q.id)) return reserved('quant', rawQuant, q.id);
    quant = q.id;
    if (!q.known)
      warn(
        'unknown_quant',
        `quant '${rawQuant}' is not in the registry${suggestion(resolver, 'quant', rawQuant)}`,
      );
  } else if (model.quant !== undefined) {
    quant = model.quant;
  } else {
    const fromTag =
      tag === '' ? undefined : (resolver.resolveTag(tag)?.quant ?? resolver.resolveModel(tag).quant);
    if (fromTag !== undefined) quant = fromTag;
    else {
      quant = UNKNOWN_QUANT;
      warn(
        'unknown_quant',
        tag === '' ? 'quant not stated' : `quant not stated and tag '${clip(tag)}' is not in the tag table`,
      );
    }
  }

  // Backend.
  const backendBad = badName('backend', rawBackend);
  if (backendBad) return backendBad;
  const backend = resolver.resolveBackend(rawBackend);
  if (isReservedKey(backend.id)) return reserved('backend', rawBackend, backend.id);
  if (!backend.known) {
    warn(
      'unknown_backend',
      `backend '${rawBackend}' is not in the registry${suggestion(resolver, 'backend', rawBackend)}`,
    );
  }

  // GPU.
  let gpu = { id: UNKNOWN_GPU, known: false };
  if (rawGpu === '') warn('unknown_gpu', 'gpu not stated');
  else {
    const gpuBad = badName('gpu', rawGpu);
    if (gpuBad) return gpuBad;
    gpu = resolver.resolveGpu(rawGpu);
    if (isReservedKey(gpu.id)) return reserved('gpu', rawGpu, gpu.id);
    if (!gpu.known)
      warn('unknown_gpu', `gpu '${rawGpu}' is not in the registry${suggestion(resolver, 'gpu', rawGpu)}`);
  }
  return {
    model: model.id,
    modelKnown: model.known,
    quant,
    backend: backend.id,
    gpu: gpu.id,
    gpuKnown: gpu.known,
    warnings,
  };
}

/** Entries each cache of `RowConfigs` holds before it starts again (~100 B each). */
const CACHE_LIMIT = 100_000;

/**
 * The key of a list of small codes: while every code is below 256 (the usual case) they pack into
 * one exact number (six codes are 48 bits), so a lookup costs one number hash; else their text.
 */
type CodeKey = number | string;

function codeKey(codes: readonly number[]): CodeKey {
  let key = 0;
  for (let i = codes.length - 1; i >= 0; i--) {
    if (codes[i]! >= 256) return codes.join(',');
    key = key * 256 + codes[i]!;
  }
  return key;
}

/** A row's resolved names and, when they are accepted, its configuration's index in the store. */
interface Resolved {
  readonly names: Names | Rejection;
  readonly config: number;
}

/**
 * Names resolved once per distinct spelling, and row configurations (names + category, source and
 * metric) numbered once each in the store. A corpus repeats a few hundred spellings over millions
 * of rows. Lookups go through nested maps on the row's own field texts (no key is joined per row);
 * both caches are bounded, so a hostile file of distinct names costs memory per row as before (a
 * configuration seen again after a reset is stored again, with the same content).
 */
class RowConfigs {
  #names = new Map<CodeKey, Names | Rejection>();
  /** Resolved rows by source, category and the key of their six codes. */
  #rows = new Map<string, Map<string, Map<CodeKey, Resolved>>>();
  #columns = RowConfigs.#newColumns();

  readonly resolver: Resolver;
  readonly store: PendingStore;

  constructor(resolver: Resolver, store: PendingStore) {
    this.resolver = resolver;
    this.store = store;
  }

  static #newColumns() {
    return {
      model: new TextCodes(),
      quant: new TextCodes(),
      tag: new TextCodes(),
      backend: new TextCodes(),
      gpu: new TextCodes(),
      metric: new TextCodes(),
    };
  }

  resolve(row: IngestedRow): Resolved {
    const f = row.fields;
    const model = str(f.model);
    const quant = str(f.quant);
    // The tag only matters when the quant column is empty.
    const tag = quant === '' ? str(f.model_tag) : '';
    const backend = str(f.backend);
    const gpu = str(f.gpu);
    const metric = str(f.metric);
    const c = this.#columns;
    // Texts are looked up by small codes: a fresh text from the file is compared with the few known
    // ones instead of being hashed (hashing the row's texts was the largest cost of a row).
    const spelling = [
      c.model.code(model),
      c.quant.code(quant),
      c.tag.code(tag),
      c.backend.code(backend),
      c.gpu.code(gpu),
    ];
    const key = codeKey([...spelling, c.metric.code(metric)]);
    const byKey = getOrInsert(
      getOrInsert(this.#rows, row.source, () => new Map<string, Map<CodeKey, Resolved>>()),
      row.category,
      () => new Map<CodeKey, Resolved>(),
    );
    const hit = byKey.get(key);
    if (hit !== undefined) return hit;
    const names = getOrInsert(this.#names, codeKey(spelling), () =>
      resolveNames(this.resolver, model, quant, tag, backend, gpu),
    );
    const resolved: Resolved = { names, config: 'code' in names ? -1 : this.#add(names, row, metric) };
    // A new text always misses: past the limit, new codes and new caches (codes key them all).
    if (Object.values(c).some((codes) => codes.size > CACHE_LIMIT) || this.#names.size >= CACHE_LIMIT) {
      this.#columns = RowConfigs.#newColumns();
      this.#names = new Map();
      this.#rows = new Map();
    } else if (byKey.size < CACHE_LIMIT) byKey.set(key, resolved);
    return resolved;
  }

  #add(names: Names, row: IngestedRow, metric: string): number {
    const base = {
      category: row.category,
      source: row.source,
      model: names.model,
      modelKnown: names.modelKnown,
      quant: names.quant,
      backend: names.backend,
      gpu: names.gpu,
      gpuKnown: names.gpuKnown,
      metric: metric || DEFAULT_METRIC[row.category],
    };
    this.store.configs.push({ ...base, words: configWords(configText(base)) });
    return this.store.configs.length - 1;
  }
}

const NULL = Number.NaN;
const val = (v: FieldValue | undefined): number => (typeof v === 'number' ? v : NULL);
const valOr = (v: FieldValue | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** The row's numbers into `out`, in its category's value-column order (`VALUE_FIELDS`). */
function rowValues(row: IngestedRow, out: Float64Array): void {
  const f = row.fields;
  out[0] = valOr(f.n, 1);
  out[4] = NULL;
  switch (row.category) {
    case 'throughput':
      out[1] = val(f.tok_per_s);
      out[2] = valOr(f.n_agents, 1);
      out[3] = val(f.context_length);
      return;
    case 'vram':
      out[1] = val(f.vram_gb);
      out[2] = val(f.context_length);
      out[3] = valOr(f.batch, 1);
      return;
    case 'quality':
      out[1] = val(f.score);
      out[2] = NULL;
      out[3] = NULL;
      return;
    case 'latency':
      out[1] = val(f.ms);
      out[2] = valOr(f.concurrency, 1);
      out[3] = val(f.arrival_rate);
      return;
    case 'cost':
      out[1] = val(f.usd_per_1m);
      out[2] = val(f.tok_per_s);
      out[3] = val(f.hourly_rate);
      return;
    case 'scaling':
      out[1] = val(f.n_agents);
      out[2] = val(f.eta);
      out[3] = val(f.per_agent_tps);
      out[4] = val(f.total_tps);
      return;
  }
}
