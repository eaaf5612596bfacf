/**
 * The registry (models, quants, GPUs, backends, Ollama tags) and name resolution. `parseRegistry`
 * validates the CSV texts row by row (a bad row is a `PipelineError` naming file and line);
 * `createResolver` indexes every id and alias under a cleaned key and maps raw names from any
 * source — `meta-llama/Llama-3.2-1B-Instruct`, `llama3.2:1b-instruct-q4_K_M`, `H_100 80GB`,
 * `gpu-compile` — to canonical ids. The cleaning rules are general (case, separators, org and
 * vendor prefixes, `-instruct`/`-chat`/`-it`/`-GGUF` tokens, a trailing quant); which spellings
 * mean which id is data: the `aliases` columns.
 */

import type { Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type { SpecLookup } from './fit/types.ts';
import { CSV_OPTIONS, type ParsedRecord } from './ingest/csv.ts';
import type { BackendSpec, GpuSpec, ModelSpec, QuantSpec, Registry } from './records.ts';
import { PipelineError } from './util/errors.ts';
import { isReservedKey } from './util/keys.ts';
import { BoundedCache } from './util/memo.ts';

/** An Ollama library tag and what it actually ships. */
export interface TagSpec {
  /** The tag as typed, e.g. `llama3.2:1b`. */
  readonly tag: string;
  /** Canonical model id. */
  readonly model: string;
  /** Canonical quant id the tag ships (e.g. `Q8_0`). */
  readonly quant: string;
}

/** The registry plus the Ollama tag table. */
export interface LoadedRegistry extends Registry {
  readonly tags: readonly TagSpec[];
}

/** Raw CSV texts of the registry files (`tags` may be absent: no tag table). */
export interface RegistryTexts {
  readonly models: string;
  readonly quants: string;
  readonly gpus: string;
  readonly backends: string;
  readonly tags?: string;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

interface Row {
  readonly line: number;
  readonly get: (column: string) => string;
}

function readRows(text: string, file: string, columns: readonly string[]): Row[] {
  let records: ParsedRecord[];
  try {
    records = parse(text, CSV_OPTIONS as unknown as Options) as unknown as ParsedRecord[];
  } catch (err) {
    throw new PipelineError('registry', `${file}: not valid CSV: ${(err as Error).message}`);
  }
  const [head, ...data] = records;
  if (!head)
    throw new PipelineError('registry', `${file}: empty file (expected columns ${columns.join(', ')})`);
  const header = head.fields.map((h) => h.trim());
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new PipelineError('registry', `${file}: missing column(s) ${missing.join(', ')} in the header`);
  }
  return data.map((rec) => {
    if (rec.fields.length !== header.length) {
      throw new PipelineError(
        'registry',
        `${file} line ${rec.line}: ${rec.fields.length} fields, the header has ${header.length}`,
      );
    }
    const values = new Map(header.map((h, i) => [h, (rec.fields[i] ?? '').trim()] as const));
    return { line: rec.line, get: (c: string) => values.get(c) ?? '' };
  });
}

function text(row: Row, file: string, column: string): string {
  const v = row.get(column);
  if (v === '') throw new PipelineError('registry', `${file} line ${row.line}: ${column} is empty`);
  if (/[\u0000-\u001f\u007f]/.test(v)) {
    throw new PipelineError('registry', `${file} line ${row.line}: ${column} contains control characters`);
  }
  if (column === 'id' && isReservedKey(v)) {
    throw new PipelineError(
      'registry',
      `${file} line ${row.line}: id '${v}' is reserved (an Object.prototype property name cannot be an id)`,
    );
  }
  return v;
}

function positive(
  row: Row,
  file: string,
  column: string,
  opts: { integer?: boolean; zero?: boolean } = {},
): number {
  const raw = row.get(column);
  const v = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  const ok = Number.isFinite(v) && (opts.zero ? v >= 0 : v > 0) && (!opts.integer || Number.isInteger(v));
  if (!ok) {
    const what = `${opts.integer ? 'a whole' : 'a'} number ${opts.zero ? '≥ 0' : '> 0'}`;
    throw new PipelineError('registry', `${file} line ${row.line}: ${column} '${raw}' is not ${what}`);
  }
  return v;
}

function aliases(row: Row): string[] {
  return row
    .get('aliases')
    .split(';')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** Checks ids are unique (case-insensitively) and drops the line numbers kept for messages. */
function unique<T extends { readonly id: string }>(
  items: readonly (T & { line: number })[],
  file: string,
): T[] {
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = item.id.toLowerCase();
    const before = seen.get(key);
    if (before !== undefined) {
      throw new PipelineError('registry', `${file} line ${item.line}: id ${item.id} repeats line ${before}`);
    }
    seen.set(key, item.line);
  }
  return items.map(({ line: _line, ...rest }) => rest as unknown as T);
}

/**
 * `parseRegistry(texts)` parses and validates the registry CSVs: required columns, non-empty ids,
 * unique ids, positive numbers, `batching` ∈ {continuous, serial}, tags naming known models and
 * quants. Every problem is a `PipelineError` naming the file and line.
 * @example parseRegistry({ models, quants, gpus, backends, tags }).models[0].id // 'gpt2'
 */
export function parseRegistry(texts: RegistryTexts): LoadedRegistry {
  const mf = 'models.csv';
  const models = unique<ModelSpec>(
    readRows(texts.models, mf, [
      'id',
      'family',
      'params_b',
      'active_params_b',
      'layers',
      'kv_heads',
      'head_dim',
      'attention',
      'aliases',
    ]).map((r) => {
      const paramsB = positive(r, mf, 'params_b');
      const active = r.get('active_params_b') === '' ? paramsB : positive(r, mf, 'active_params_b');
      return {
        line: r.line,
        id: text(r, mf, 'id'),
        family: r.get('family'),
        paramsB,
        activeParamsB: active,
        layers: positive(r, mf, 'layers', { integer: true }),
        kvHeads: positive(r, mf, 'kv_heads', { integer: true }),
        headDim: positive(r, mf, 'head_dim', { integer: true }),
        attention: r.get('attention'),
        aliases: aliases(r),
      };
    }),
    mf,
  );
  const qf = 'quants.csv';
  const quants = unique<QuantSpec>(
    readRows(texts.quants, qf, ['id', 'family', 'bits_per_weight', 'default_tps_multiplier', 'aliases']).map(
      (r) => ({
        line: r.line,
        id: text(r, qf, 'id'),
        family: r.get('family'),
        bitsPerWeight: positive(r, qf, 'bits_per_weight'),
        defaultTpsMultiplier: positive(r, qf, 'default_tps_multiplier'),
        aliases: aliases(r),
      }),
    ),
    qf,
  );
  const gf = 'gpus.csv';
  const gpus = unique<GpuSpec>(
    readRows(texts.gpus, gf, [
      'id',
      'name',
      'vendor',
      'segment',
      'vram_gb',
      'bandwidth_gbs',
      'cost_per_hour',
      'aliases',
    ]).map((r) => ({
      line: r.line,
      id: text(r, gf, 'id'),
      name: text(r, gf, 'name'),
      vendor: r.get('vendor'),
      segment: r.get('segment'),
      vramGb: positive(r, gf, 'vram_gb'),
      bandwidthGbs: positive(r, gf, 'bandwidth_gbs'),
      costPerHour: positive(r, gf, 'cost_per_hour', { zero: true }),
      aliases: aliases(r),
    })),
    gf,
  );
  const bf = 'backends.csv';
  const backends = unique<BackendSpec>(
    readRows(texts.backends, bf, ['id', 'batching', 'aliases']).map((r) => {
      const batching = r.get('batching');
      if (batching !== 'continuous' && batching !== 'serial') {
        throw new PipelineError(
          'registry',
          `${bf} line ${r.line}: batching '${batching}' is not continuous or serial`,
        );
      }
      return { line: r.line, id: text(r, bf, 'id'), batching, aliases: aliases(r) };
    }),
    bf,
  );
  const tf = 'tags.csv';
  const modelIds = new Set(models.map((m) => m.id));
  const quantIds = new Set(quants.map((q) => q.id));
  const tagRows = texts.tags === undefined ? [] : readRows(texts.tags, tf, ['tag', 'model', 'quant']);
  const seenTags = new Map<string, number>();
  const tags = tagRows.map((r): TagSpec => {
    const tag = text(r, tf, 'tag');
    const model = text(r, tf, 'model');
    const quant = text(r, tf, 'quant');
    if (!modelIds.has(model))
      throw new PipelineError('registry', `${tf} line ${r.line}: unknown model id ${model}`);
    if (!quantIds.has(quant))
      throw new PipelineError('registry', `${tf} line ${r.line}: unknown quant id ${quant}`);
    const key = tag.toLowerCase();
    const before = seenTags.get(key);
    if (before !== undefined)
      throw new PipelineError('registry', `${tf} line ${r.line}: tag ${tag} repeats line ${before}`);
    seenTags.set(key, r.line);
    return { tag, model, quant };
  });
  return { models, quants, gpus, backends, tags };
}

// ---------------------------------------------------------------------------------------------
// Cleaning rules
// ---------------------------------------------------------------------------------------------

/** Tokens that describe packaging or tuning, not the model: dropped wherever they stand. */
const MODEL_NOISE = new Set(['instruct', 'chat', 'it', 'gguf', 'ggml', 'hf', 'latest']);
/** Leading vendor tokens (`Meta-Llama-3.1-8B`), dropped when something follows. */
const MODEL_VENDORS = new Set(['meta', 'microsoft', 'google', 'mistralai', 'nvidia', 'ibm', 'alibaba']);
/** File extensions of model files. */
const MODEL_EXT = /\.(?:gguf|ggml|bin|safetensors)$/;
/** Version tokens (`v2`, `v0.3`), tried with and without. */
const VERSION = /^v\d+(?:\.\d+)*$/;

/**
 * Hardware words that carry no identity: vendor and product-line names and `GPU`. Form factors
 * (`SXM4`, `PCIe`, `NVL`) stay: they tell apart parts with different bandwidth.
 */
const GPU_NOISE = new Set([
  'nvidia',
  'geforce',
  'gpu',
  'graphics',
  'tesla',
  'amd',
  'radeon',
  'apple',
  'intel',
  'corporation',
  'r',
  'tm',
]);

/** `hasControlChars(raw)` is true when `raw` holds an ASCII control character (cannot be an id). */
export function hasControlChars(raw: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(raw);
}

/** A cleaned model name: its match keys, a display form, and the quant text it carried. */
export interface CleanModelName {
  /** Lower-case tokens joined without separators: `llama3.21b` for every spelling of llama3.2-1b. */
  readonly key: string;
  /** Same without version tokens (`mistral7b` for `mistral-7b-v0.3`). */
  readonly versionless: string;
  /** Tokens joined with `-`, for unknown names. */
  readonly display: string;
  /** Quant text found at the end of the name (`q4_k_m`), if any. */
  readonly quant?: string;
}

/**
 * `cleanModelName(raw, isQuant)` applies the general rules: drop an org prefix (`meta-llama/`), a
 * model-file extension, a trailing quant (a separator-bounded suffix `isQuant` accepts),
 * packaging tokens (`instruct`, `chat`, `it`, `GGUF`) and a leading vendor token (`Meta-`); then
 * split on `- _ : /` and spaces and join the tokens.
 * @example cleanModelName('llama3.2:1b-instruct-q4_K_M', isQuant) // { key: 'llama3.21b', display: 'llama3.2-1b', quant: 'q4_k_m', ... }
 */
export function cleanModelName(raw: string, isQuant: (s: string) => boolean): CleanModelName {
  let s = raw.trim().toLowerCase();
  s = s.slice(s.lastIndexOf('/') + 1).replace(MODEL_EXT, '');
  let quant: string | undefined;
  for (let changed = true; changed; ) {
    changed = false;
    const stripped = s.replace(/[-_:.\s]+(?:gguf|ggml|instruct|chat|it|hf|latest)$/, '');
    if (stripped !== s) {
      s = stripped;
      changed = true;
      continue;
    }
    if (quant === undefined) {
      const found = trailingQuant(s, isQuant);
      if (found) {
        quant = found.quant;
        s = found.rest;
        changed = true;
      }
    }
  }
  let tokens = s.split(/[-_:\s/]+/).filter((t) => t !== '' && !MODEL_NOISE.has(t));
  if (tokens.length > 1 && MODEL_VENDORS.has(tokens[0]!)) tokens = tokens.slice(1);
  const versionless = tokens.filter((t) => !VERSION.test(t));
  return {
    key: tokens.join(''),
    versionless: versionless.join(''),
    display: tokens.join('-'),
    ...(quant !== undefined ? { quant } : {}),
  };
}

/** The longest separator-bounded suffix of `s` that is a quant, and what precedes it. */
function trailingQuant(
  s: string,
  isQuant: (q: string) => boolean,
): { quant: string; rest: string } | undefined {
  let best: { quant: string; rest: string } | undefined;
  for (let i = s.length - 1; i > 0; i--) {
    if (!/[-_:.\s]/.test(s[i]!)) continue;
    const suffix = s.slice(i + 1);
    const rest = s.slice(0, i).replace(/[-_:.\s]+$/, '');
    if (suffix !== '' && rest !== '' && isQuant(suffix)) best = { quant: suffix, rest };
  }
  return best;
}

/**
 * `quantKey(raw)` = lower case without separators or spaces: `Q4_K_M`, `q4-k-m` and `q4km` share
 * `q4km`.
 */
export function quantKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s\-_.]+/g, '');
}

/** `backendKey(raw)` = lower-case letters and digits only: `llama.cpp` and `LlamaCpp` share `llamacpp`. */
export function backendKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

/** A cleaned GPU name: full key, key without a memory size, and the memory size if given. */
export interface CleanGpuName {
  readonly key: string;
  readonly base: string;
  readonly memoryGb?: number;
  readonly display: string;
}

/**
 * `cleanGpuName(raw)` drops vendor and product-line words (`NVIDIA`, `GeForce`, `GPU`, `(R)`),
 * treats `_`, `-` and other punctuation as spaces, glues `80 GB` into `80gb`, and joins the tokens:
 * `NVIDIA GeForce RTX 4080 Laptop GPU` → `rtx4080laptop`, `H_100 80GB` → `h10080gb`.
 * @example cleanGpuName('A100-SXM4-80GB') // { key: 'a100sxm480gb', base: 'a100sxm4', memoryGb: 80, ... }
 */
export function cleanGpuName(raw: string): CleanGpuName {
  const s = raw
    .trim()
    .toLowerCase()
    .replace(/(\d+)\s*gb\b/g, '$1gb');
  const tokens = s.split(/[^a-z0-9.]+/).filter((t) => t !== '' && !GPU_NOISE.has(t));
  const memory = tokens.find((t) => /^\d+gb$/.test(t));
  const base = tokens.filter((t) => !/^\d+gb$/.test(t));
  return {
    key: tokens.join(''),
    base: base.join(''),
    display: tokens.join('-'),
    ...(memory !== undefined ? { memoryGb: Number(memory.slice(0, -2)) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Resolver
// ---------------------------------------------------------------------------------------------

/** A resolved name: the canonical id (or the cleaned raw name) and whether the registry knows it. */
export interface Resolution {
  readonly id: string;
  readonly known: boolean;
}

/** A resolved model name; `quant` is the canonical quant the name carried (or its Ollama tag ships). */
export interface ModelResolution extends Resolution {
  readonly quant?: string;
}

export type NameKind = 'model' | 'quant' | 'backend' | 'gpu';

/** Spec lookups by canonical id plus raw-name resolution. */
export interface Resolver extends SpecLookup {
  resolveModel(raw: string): ModelResolution;
  resolveQuant(raw: string): Resolution;
  resolveBackend(raw: string): Resolution;
  resolveGpu(raw: string): Resolution;
  /** What an Ollama tag ships, when the tag table lists it. */
  resolveTag(raw: string): TagSpec | undefined;
  /** Nearest known ids for an unknown name (best first), for error messages. */
  suggest(kind: NameKind, raw: string, limit?: number): string[];
}

/** Adds `key → id` to an index; a key claimed by two ids is a registry error. */
function claim(index: Map<string, string>, key: string, id: string, what: string, spelling: string): void {
  if (key === '')
    throw new PipelineError('registry', `${what} ${id}: alias '${spelling}' is empty after cleaning`);
  const owner = index.get(key);
  if (owner !== undefined && owner !== id) {
    throw new PipelineError('registry', `${what} alias '${spelling}' of ${id} also names ${owner}`);
  }
  index.set(key, id);
}

/** Keys shared by several ids are ambiguous and dropped from a fallback index. */
function unambiguous(pairs: readonly (readonly [string, string])[]): Map<string, string> {
  const owners = new Map<string, Set<string>>();
  for (const [key, id] of pairs) {
    if (key === '') continue;
    const set = owners.get(key) ?? new Set<string>();
    set.add(id);
    owners.set(key, set);
  }
  const out = new Map<string, string>();
  for (const [key, ids] of owners) if (ids.size === 1) out.set(key, [...ids][0]!);
  return out;
}

/**
 * `createResolver(registry)` indexes ids and aliases under cleaned keys and returns lookups by
 * canonical id (`SpecLookup`) plus resolution of raw names. Two ids claiming one key is a
 * `PipelineError`. Unknown names resolve to their cleaned form with `known: false`.
 * @example createResolver(reg).resolveModel('meta-llama/Llama-3.2-1B-Instruct') // { id: 'llama3.2-1b', known: true }
 */
export function createResolver(registry: LoadedRegistry): Resolver {
  const modelsById = new Map(registry.models.map((m) => [m.id, m] as const));
  const quantsById = new Map(registry.quants.map((q) => [q.id, q] as const));
  const gpusById = new Map(registry.gpus.map((g) => [g.id, g] as const));
  const backendsById = new Map(registry.backends.map((b) => [b.id, b] as const));

  const quantIndex = new Map<string, string>();
  for (const q of registry.quants) {
    for (const spelling of [q.id, ...q.aliases])
      claim(quantIndex, quantKey(spelling), q.id, 'quant', spelling);
  }
  const isQuant = (s: string) => quantIndex.has(quantKey(s));

  const modelIndex = new Map<string, string>();
  const modelVersionless: [string, string][] = [];
  for (const m of registry.models) {
    for (const spelling of [m.id, ...m.aliases]) {
      const clean = cleanModelName(spelling, isQuant);
      claim(modelIndex, clean.key, m.id, 'model', spelling);
      modelVersionless.push([clean.versionless, m.id]);
    }
  }
  const modelFallback = unambiguous(modelVersionless);

  const backendIndex = new Map<string, string>();
  for (const b of registry.backends) {
    for (const spelling of [b.id, ...b.aliases])
      claim(backendIndex, backendKey(spelling), b.id, 'backend', spelling);
  }

  const gpuIndex = new Map<string, string>();
  const gpuBase: [string, string][] = [];
  for (const g of registry.gpus) {
    for (const spelling of [g.id, g.name, ...g.aliases]) {
      const clean = cleanGpuName(spelling);
      claim(gpuIndex, clean.key, g.id, 'gpu', spelling);
      gpuBase.push([clean.base, g.id]);
    }
  }
  const gpuFallback = unambiguous(gpuBase);

  const tagIndex = new Map(registry.tags.map((t) => [t.tag.trim().toLowerCase(), t] as const));

  const resolveQuant = (raw: string): Resolution => {
    const id = quantIndex.get(quantKey(raw));
    return id !== undefined ? { id, known: true } : { id: raw.trim(), known: false };
  };

  const resolveModel = (raw: string): ModelResolution => {
    const tag = tagIndex.get(raw.trim().toLowerCase());
    if (tag) return { id: tag.model, known: true, quant: tag.quant };
    const clean = cleanModelName(raw, isQuant);
    const quant = clean.quant === undefined ? undefined : quantIndex.get(quantKey(clean.quant));
    const withQuant = quant !== undefined ? { quant } : {};
    const id = modelIndex.get(clean.key) ?? modelFallback.get(clean.versionless);
    if (id !== undefined) return { id, known: true, ...withQuant };
    return { id: clean.display, known: false, ...withQuant };
  };

  const resolveBackend = (raw: string): Resolution => {
    const id = backendIndex.get(backendKey(raw));
    return id !== undefined
      ? { id, known: true }
      : { id: backendKey(raw) === '' ? '' : displayOf(raw), known: false };
  };

  const resolveGpu = (raw: string): Resolution => {
    const clean = cleanGpuName(raw);
    const exact = gpuIndex.get(clean.key);
    if (exact !== undefined) return { id: exact, known: true };
    const byBase = gpuFallback.get(clean.base);
    if (byBase !== undefined) {
      const spec = gpusById.get(byBase)!;
      if (clean.memoryGb === undefined || Math.abs(spec.vramGb - clean.memoryGb) < 0.5)
        return { id: byBase, known: true };
    }
    return { id: clean.display, known: false };
  };

  const keysOf = (kind: NameKind): [string, string][] => {
    switch (kind) {
      case 'model':
        return [...modelIndex];
      case 'quant':
        return [...quantIndex];
      case 'backend':
        return [...backendIndex];
      default:
        return [...gpuIndex];
    }
  };
  const keyOf = (kind: NameKind, raw: string): string => {
    switch (kind) {
      case 'model':
        return cleanModelName(raw, isQuant).key;
      case 'quant':
        return quantKey(raw);
      case 'backend':
        return backendKey(raw);
      default:
        return cleanGpuName(raw).key;
    }
  };

  const suggestions = new BoundedCache<readonly string[]>();
  const suggest = (kind: NameKind, raw: string, limit = 3): string[] => {
    const key = keyOf(kind, raw);
    if (key === '') return [];
    const best = new Map<string, number>();
    for (const [candidate, id] of keysOf(kind)) {
      let d = editDistance(key, candidate);
      if (candidate.includes(key) || key.includes(candidate))
        d = Math.min(d, Math.abs(candidate.length - key.length) / 4);
      if (d < (best.get(id) ?? Number.POSITIVE_INFINITY)) best.set(id, d);
    }
    const threshold = Math.max(2, Math.ceil(key.length * 0.4));
    return [...best]
      .filter(([, d]) => d <= threshold)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit)
      .map(([id]) => id);
  };

  // A corpus repeats a few hundred spellings over millions of rows: each raw name is cleaned and
  // looked up once (results are immutable).
  return {
    model: (id) => modelsById.get(id),
    quant: (id) => quantsById.get(id),
    gpu: (id) => gpusById.get(id),
    backend: (id) => backendsById.get(id),
    resolveModel: memoise(resolveModel),
    resolveQuant: memoise(resolveQuant),
    resolveBackend: memoise(resolveBackend),
    resolveGpu: memoise(resolveGpu),
    resolveTag: (raw) => tagIndex.get(raw.trim().toLowerCase()),
    suggest: (kind, raw, limit = 3) => [
      ...suggestions.get(`${kind}\u0000${limit}\u0000${raw}`, () => suggest(kind, raw, limit)),
    ],
  };
}

function memoise<R>(fn: (raw: string) => R): (raw: string) => R {
  const cache = new BoundedCache<R>();
  return (raw) => cache.get(raw, () => fn(raw));
}

function displayOf(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, '-');
}

/**
 * `editDistance(a, b)` is the Levenshtein distance (insertions, deletions, substitutions each 1).
 * @example editDistance('rtx4090', 'rtx4080') // 1
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
