/**
 * Fuzzing the data layer and the fits (fast-check, seed pinned in test/setup.ts):
 * - arbitrary text as a CSV, JSON or JSON Lines source never throws out of ingest + normalise, and per source `read === accepted + rejected`, with one row-level rejection issue
 *   per rejected row;
 * - arbitrary records (names + numbers up to the edges of each field's ingest domain) through
 *   normalise → split → fitAll never yield a non-finite number (`stableStringify` throws on one);
 * - composite keys round-trip and never collide.
 * Runs per property are stated next to each (`NUM_RUNS`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { parseConfig } from '../../pipeline/config.ts';
import { coefficientsOf, fitAll } from '../../pipeline/fit/index.ts';
import { CATEGORY_FIELDS, type FieldDef } from '../../pipeline/ingest/fields.ts';
import { applyRejections, ingestSources } from '../../pipeline/ingest/index.ts';
import { normalise } from '../../pipeline/normalise/index.ts';
import {
  CATEGORIES,
  type Category,
  type FieldValue,
  type IngestedRow,
  type Issue,
  type RecordSet,
  type SourceCount,
  type SplitSet,
} from '../../pipeline/records.ts';
import { refit } from '../../pipeline/refit.ts';
import { createResolver, parseRegistry } from '../../pipeline/registry.ts';
import { splitAll } from '../../pipeline/split/index.ts';
import { compositeKey, splitKey } from '../../pipeline/util/keys.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';
import {
  CONFIG_TAIL,
  createWorkspace,
  FIXTURE_REGISTRY,
  oneSourceConfig,
  type Workspace,
} from './harness.ts';

/** Runs per property. */
const NUM_RUNS = {
  csvText: 600,
  csvRows: 300,
  jsonText: 400,
  jsonDocs: 300,
  jsonLines: 300,
  fits: 300,
  refits: 8,
  compositeKeys: 1000,
} as const;

let ws: Workspace;
let counter = 0;
beforeAll(() => {
  ws = createWorkspace('capfit-fuzz-');
});
afterAll(() => ws.dispose());

/** What `loadCorpus` returns that the accounting checks need. */
interface Loaded {
  readonly records: RecordSet;
  readonly issues: readonly Issue[];
  readonly count: SourceCount;
}

/**
 * Writes `content` as a one-source corpus and runs the data layer on it the way `loadCorpus` does
 * (ingestSources → normalise → applyRejections), with the registry parsed once.
 */
async function loadOne(ext: 'csv' | 'json' | 'jsonl', content: string | Uint8Array): Promise<Loaded> {
  counter += 1;
  const file = `f${counter}.${ext}`;
  ws.write(file, content);
  const config = parseConfig(
    oneSourceConfig(`  - path: ${file}\n    category: throughput\n    fields: { tok_per_s: tok_s }`),
  );
  const ingest = await ingestSources(config, ws.dir);
  const normalised = normalise(ingest.rows, RESOLVER);
  const counts = applyRejections(ingest.counts, normalised.issues);
  expect(counts).toHaveLength(1);
  return { records: normalised.records, issues: [...ingest.issues, ...normalised.issues], count: counts[0]! };
}

/** The accounting every source must satisfy. */
function expectAccounted({ records, issues, count }: Loaded): void {
  expect(count.read).toBe(count.accepted + count.rejected);
  expect(count.accepted).toBeGreaterThanOrEqual(0);
  expect(count.rejected).toBeGreaterThanOrEqual(0);
  const kept = CATEGORIES.reduce((n, c) => n + records[c].length, 0);
  expect(kept).toBe(count.accepted);
  const rowRejections = issues.filter((i) => i.severity === 'reject' && i.line > 0).length;
  expect(rowRejections).toBe(count.rejected);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

const registryText = (file: string) => readFileSync(join(FIXTURE_REGISTRY, file), 'utf8');
const REGISTRY = parseRegistry({
  models: registryText('models.csv'),
  quants: registryText('quants.csv'),
  gpus: registryText('gpus.csv'),
  backends: registryText('backends.csv'),
  tags: registryText('tags.csv'),
});
const RESOLVER = createResolver(REGISTRY);

// ---------------------------------------------------------------------------------------------
// Text generators
// ---------------------------------------------------------------------------------------------

/** Pieces that matter to a CSV or JSON reader, mixed with ordinary and exotic characters. */
const TOKENS = [
  ',',
  '"',
  '""',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '\t',
  'a',
  'Z',
  '1',
  '0',
  '.',
  'e',
  '-',
  '+',
  '|',
  '`',
  '<script>',
  '__proto__',
  'constructor',
  'é',
  '\u0000',
  '\uFEFF',
  '\uFFFD',
  '😀',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ':',
  'NaN',
  '1e999',
  'llama3.2-1b',
  'FP16',
  'ollama',
];
const tokenText = fc.string({ unit: fc.constantFrom(...TOKENS), maxLength: 120 });
const anyText = fc.oneof(
  tokenText,
  fc.string({ unit: 'grapheme', maxLength: 120 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
);

/** A value a CSV cell might hold: plausible numbers, extremes, names and noise. */
const cell = fc.oneof(
  fc.constantFrom('', '100', '-0', '0', '1e999', 'NaN', '1,5', '12 GB', '-7', '1e-320', '__proto__', 'a|b'),
  fc.double().map(String),
  tokenText,
);

/** A CSV with the expected header and rows of arbitrary cells (quoted when needed, or raw). */
const csvRows = fc.array(fc.array(cell, { minLength: 0, maxLength: 7 }), { maxLength: 25 }).chain((rows) =>
  fc.boolean().map((quote) => {
    const q = (v: string) => (quote ? `"${v.replace(/"/g, '""')}"` : v);
    return `model,quant,backend,gpu,tok_s\n${rows.map((r) => r.map(q).join(',')).join('\n')}\n`;
  }),
);

/** A JSON document: an array of loosely throughput-shaped objects, or any JSON value. */
const jsonRecord = fc.record(
  {
    model: fc.oneof(fc.constantFrom('llama3.2-1b', '__proto__', 'a|b'), fc.jsonValue({ maxDepth: 2 })),
    quant: fc.oneof(fc.constantFrom('FP16', 'Q4_K_M'), fc.jsonValue({ maxDepth: 1 })),
    backend: fc.oneof(fc.constantFrom('ollama', 'vllm'), fc.string()),
    gpu: fc.constantFrom('RTX 4090', '', 'H100 80GB'),
    tok_s: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('1e999', '12 GB')),
  },
  { requiredKeys: [] },
);
const jsonDoc = fc.oneof(
  fc
    .array(fc.oneof(jsonRecord, fc.jsonValue({ maxDepth: 3 })), { maxLength: 20 })
    .map((a) => JSON.stringify(a, null, 1)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

// ---------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------

describe('ingest under arbitrary input', () => {
  test.prop([anyText], { numRuns: NUM_RUNS.csvText })(
    'ingest+normalise(arbitrary text as CSV) never throws and read = accepted + rejected',
    async (text) => {
      const loaded = await loadOne('csv', text);
      expectAccounted(loaded);
    },
  );

  test.prop([csvRows], { numRuns: NUM_RUNS.csvRows })(
    'ingest+normalise(CSV rows of arbitrary cells) never throws and read = accepted + rejected',
    async (text) => {
      const loaded = await loadOne('csv', text);
      expectAccounted(loaded);
    },
  );

  test.prop([anyText], { numRuns: NUM_RUNS.jsonText })(
    'ingest+normalise(arbitrary text as JSON) never throws and read = accepted + rejected',
    async (text) => {
      const loaded = await loadOne('json', text);
      expectAccounted(loaded);
    },
  );

  test.prop([jsonDoc], { numRuns: NUM_RUNS.jsonDocs })(
    'ingest+normalise(arbitrary JSON document) never throws and read = accepted + rejected',
    async (text) => {
      const loaded = await loadOne('json', text);
      expectAccounted(loaded);
    },
  );

  test.prop([fc.array(fc.oneof(jsonDoc, anyText), { maxLength: 12 })], { numRuns: NUM_RUNS.jsonLines })(
    'ingest+normalise(arbitrary JSON Lines) never throws and read = accepted + rejected',
    async (lines) => {
      const loaded = await loadOne('jsonl', lines.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n'));
      expectAccounted(loaded);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Fits
// ---------------------------------------------------------------------------------------------

const CONFIG = parseConfig(`sources:\n  - { path: x.csv, category: throughput }\n${CONFIG_TAIL}\n`);

const name = (known: readonly string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  );
const NAMES: Readonly<Record<string, fc.Arbitrary<FieldValue>>> = {
  model: name(['llama3.2-1b', 'llama3.2-3b', 'llama3.1-8b', 'qwen2.5-7b', 'phi-2', 'a|b']),
  quant: name(['FP16', 'Q4_K_M', 'Q8_0', 'Q2_K', '']),
  backend: name(['ollama', 'vllm', 'tgi', 'llama.cpp']),
  gpu: name(['RTX 4080 12GB', 'RTX 4090', 'A100-SXM4-80GB', '']),
  id: fc.option(fc.constantFrom('r1', 'r2'), { nil: null, freq: 4 }),
};

/**
 * A value in the field's ingest domain, often at its edges: the smallest allowed (`smallest` when
 * the minimum is an exclusive 0) and the largest.
 */
function inDomain(def: FieldDef): fc.Arbitrary<FieldValue> {
  const lo = def.smallest ?? def.min ?? 0;
  const hi = def.max ?? Number.MAX_VALUE;
  if (def.type === 'integer') {
    const top = Math.min(hi, 2 ** 31 - 1);
    return fc.oneof(
      fc.constantFrom(lo, top, Math.min(8, top)),
      fc.integer({ min: Math.ceil(lo), max: Math.min(top, 64) }),
    );
  }
  const clamp = (x: number) => Math.max(lo, Math.min(x, hi));
  return fc.oneof(
    fc.constantFrom(lo, hi, clamp(1), clamp(1e-3), clamp(1e3)),
    fc.double({ min: lo, max: Math.min(hi, 1e12), noNaN: true }),
  );
}

/** Fields of one category's row: names from NAMES, numbers in their domain, optional ones often null. */
function fieldsOf(category: Category): fc.Arbitrary<Record<string, FieldValue>> {
  const shape: Record<string, fc.Arbitrary<FieldValue>> = {};
  for (const def of CATEGORY_FIELDS[category]) {
    const value = def.type === 'string' ? (NAMES[def.name] ?? fc.constant(null)) : inDomain(def);
    shape[def.name] = def.required || def.type === 'string' ? value : fc.option(value, { nil: null });
  }
  return fc.record(shape);
}

const rowsArb: fc.Arbitrary<IngestedRow[]> = fc
  .tuple(...CATEGORIES.map((c) => fc.array(fieldsOf(c), { maxLength: 12 })))
  .map((perCategory) =>
    perCategory.flatMap((rows, k) =>
      rows.map((fields, i) => ({
        category: CATEGORIES[k]!,
        source: `fuzz/${CATEGORIES[k]}.csv`,
        line: i + 2,
        fields,
      })),
    ),
  );

function trainOf(split: SplitSet): RecordSet {
  const out = {} as Record<Category, unknown>;
  for (const c of CATEGORIES) out[c] = split[c].train;
  return out as unknown as RecordSet;
}

describe('fits under arbitrary records', () => {
  test.prop(
    [
      rowsArb,
      fc.constantFrom('record' as const, 'config' as const),
      fc.string({ minLength: 1, maxLength: 6 }),
    ],
    {
      numRuns: NUM_RUNS.fits,
    },
  )(
    'normalise → splitAll → fitAll never yields NaN or Infinity in coefficients or diagnostics',
    (rows, unit, seed) => {
      const { records } = normalise(rows, RESOLVER);
      const split = splitAll(records, { unit, seed, testFraction: 0.2, stratify: ['model', 'backend'] });
      const fitted = fitAll(trainOf(split), {
        config: CONFIG,
        specs: RESOLVER,
        quantIds: REGISTRY.quants.map((q) => q.id),
      });
      // stableStringify throws on any non-finite number, naming its path.
      expect(() => stableStringify(coefficientsOf(fitted))).not.toThrow();
      const diagnostics = Object.fromEntries(CATEGORIES.map((c) => [c, fitted[c].diagnostics]));
      expect(() => stableStringify(diagnostics)).not.toThrow();
    },
  );
});

/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
function csvField(v: FieldValue): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

describe('refit under arbitrary records', () => {
  test.prop([rowsArb], { numRuns: NUM_RUNS.refits })(
    'refit(--check) over a corpus of in-domain extremes in all six categories never throws',
    async (rows) => {
      counter += 1;
      const dir = `refit${counter}`;
      const sources: string[] = [];
      for (const category of CATEGORIES) {
        const names = CATEGORY_FIELDS[category].map((f) => f.name);
        const lines = rows
          .filter((r) => r.category === category)
          .map((r) => names.map((n) => csvField(r.fields[n] ?? null)).join(','));
        ws.write(`${dir}/${category}.csv`, `${names.join(',')}\n${lines.join('\n')}\n`);
        sources.push(`  - { path: ${dir}/${category}.csv, category: ${category} }`);
      }
      const config = ws.write(`${dir}.yaml`, `seed: "f"\nsources:\n${sources.join('\n')}\n${CONFIG_TAIL}\n`);
      const outcome = await refit({ configPath: config, check: true });
      expect([0, 1]).toContain(outcome.exitCode);
      expect(outcome.written).toBe('none');
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Composite keys
// ---------------------------------------------------------------------------------------------

const parts = fc.array(
  fc.string({ unit: fc.constantFrom('a', '|', '%', '7', 'C', 'c', '2', '5', 'é'), maxLength: 6 }),
  {
    minLength: 1,
    maxLength: 4,
  },
);

describe('compositeKey under arbitrary names', () => {
  test.prop([parts, parts], { numRuns: NUM_RUNS.compositeKeys })(
    'compositeKey(...a) === compositeKey(...b) only when a equals b, and splitKey reverses it',
    (a, b) => {
      expect(splitKey(compositeKey(...a))).toEqual(a);
      expect(compositeKey(...a) === compositeKey(...b)).toBe(JSON.stringify(a) === JSON.stringify(b));
    },
  );
});
