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
import type {
  AnyRecord,
  Category,
  CostRecord,
  FieldValue,
  IngestedRow,
  Issue,
  IssueCode,
  LatencyRecord,
  QualityRecord,
  RecordSet,
  ScalingRecord,
  ThroughputRecord,
  VramRecord,
} from '../records.ts';
import { hasControlChars, type NameKind, type Resolver } from '../registry.ts';
import { isReservedKey } from '../util/keys.ts';
import { stableStringify } from '../util/stable-json.ts';
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

/** Omit over each member of a union (plain `Omit` would keep only the shared keys). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

type Draft = OmitEach<AnyRecord, 'id'> & { readonly explicitId: string | null };

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
  const { idLength } = resolveOptions(options);
  const issues: Issue[] = [];
  const drafts: Draft[] = [];
  for (const row of rows) {
    const rowIssues: Issue[] = [];
    const draft = toDraft(row, resolver, rowIssues);
    if ('code' in draft) {
      issues.push({
        source: row.source,
        line: row.line,
        severity: 'reject',
        code: draft.code,
        message: draft.message,
      });
      continue;
    }
    appendAll(issues, rowIssues);
    drafts.push(draft);
  }

  const withIds = assignIds(drafts, idLength, issues);
  const byCategory = (c: Category) =>
    withIds.filter((r) => r.category === c).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    records: {
      throughput: byCategory('throughput') as ThroughputRecord[],
      vram: byCategory('vram') as VramRecord[],
      quality: byCategory('quality') as QualityRecord[],
      latency: byCategory('latency') as LatencyRecord[],
      cost: byCategory('cost') as CostRecord[],
      scaling: byCategory('scaling') as ScalingRecord[],
    },
    issues,
  };
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

function toDraft(row: IngestedRow, resolver: Resolver, warnings: Issue[]): Draft | Rejection {
  const f = row.fields;
  const warn = (code: IssueCode, message: string) =>
    warnings.push({ source: row.source, line: row.line, severity: 'warn', code, message });

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
      'unknown_backend',
      `backend '${rawBackend}' is not in the registry${suggestion(resolver, 'backend', rawBackend)}`,
    );
  }

  // GPU.
  const rawGpu = str(f.gpu);
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

  const explicit = str(f.id);
  if (explicit !== '') {
    const idBad = badName('id', explicit);
    if (idBad) return idBad;
  }
  const base = {
    category: row.category,
    source: row.source,
    line: row.line,
    model: model.id,
    modelKnown: model.known,
    quant,
    backend: backend.id,
    gpu: gpu.id,
    gpuKnown: gpu.known,
    weight: num(f.n) ?? 1,
    explicitId: explicit === '' ? null : explicit,
  };
  const metric = (fallback: string) => str(f.metric) || fallback;
  switch (row.category) {
    case 'throughput':
      return {
        ...base,
        category: 'throughput',
        tokPerS: num(f.tok_per_s)!,
        nAgents: num(f.n_agents) ?? 1,
        contextLength: num(f.context_length),
        metric: metric('tok_per_s'),
      };
    case 'vram':
      return {
        ...base,
        category: 'vram',
        vramGb: num(f.vram_gb)!,
        contextLength: num(f.context_length)!,
        batch: num(f.batch) ?? 1,
      };
    case 'quality':
      return { ...base, category: 'quality', score: num(f.score)!, metric: metric('score') };
    case 'latency':
      return {
        ...base,
        category: 'latency',
        ms: num(f.ms)!,
        metric: metric('ms'),
        concurrency: num(f.concurrency) ?? 1,
        arrivalRate: num(f.arrival_rate),
      };
    case 'cost':
      return {
        ...base,
        category: 'cost',
        usdPer1M: num(f.usd_per_1m)!,
        tokPerS: num(f.tok_per_s),
        hourlyRate: num(f.hourly_rate),
        metric: metric('usd_per_1m'),
      };
    case 'scaling':
      return {
        ...base,
        category: 'scaling',
        nAgents: num(f.n_agents)!,
        eta: num(f.eta)!,
        perAgentTps: num(f.per_agent_tps),
        totalTps: num(f.total_tps),
      };
  }
}

/** The values a content id is derived from: everything but provenance (source, line). */
function contentOf(d: Draft): string {
  const { source: _s, line: _l, explicitId: _e, ...content } = d;
  return stableStringify(content);
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

const byProvenance = (a: Draft, b: Draft) =>
  a.source < b.source ? -1 : a.source > b.source ? 1 : a.line - b.line;

/**
 * Gives each draft its id. Content ids: the hash of the canonical values; exact duplicates (same
 * hash) are ordered by source and line and get `#2`, `#3`. Explicit ids: the first in hash order
 * keeps it; every other row with that id (in the same category) is rejected as `duplicate_id`.
 */
function assignIds(drafts: readonly Draft[], idLength: number, issues: Issue[]): AnyRecord[] {
  const out: AnyRecord[] = [];
  const finish = (d: Draft, id: string): AnyRecord => {
    const { explicitId: _e, ...rest } = d;
    return { ...rest, id } as AnyRecord;
  };
  const hashed = drafts.map((d) => ({ d, hash: sha1(contentOf(d)) }));

  const groups = new Map<string, { d: Draft; hash: string }[]>();
  const explicit = new Map<string, { d: Draft; hash: string }[]>();
  for (const h of hashed) {
    if (h.d.explicitId !== null) {
      const key = `${h.d.category}\u0000${h.d.explicitId}`;
      explicit.set(key, [...(explicit.get(key) ?? []), h]);
    } else {
      groups.set(h.hash, [...(groups.get(h.hash) ?? []), h]);
    }
  }
  for (const [hash, members] of groups) {
    const base = hash.slice(0, idLength);
    members
      .map((m) => m.d)
      .sort(byProvenance)
      .forEach((d, k) => {
        out.push(finish(d, k === 0 ? base : `${base}#${k + 1}`));
      });
  }
  for (const members of explicit.values()) {
    const sorted = [...members].sort((a, b) =>
      a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : byProvenance(a.d, b.d),
    );
    const [keep, ...rest] = sorted;
    out.push(finish(keep!.d, keep!.d.explicitId!));
    for (const r of rest) {
      issues.push({
        source: r.d.source,
        line: r.d.line,
        severity: 'reject',
        code: 'duplicate_id',
        message: `id ${r.d.explicitId} already used by ${keep!.d.source}:${keep!.d.line}`,
      });
    }
  }
  return out;
}
