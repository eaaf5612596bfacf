/**
 * Prototype safety and key collisions, end to end: the fixture corpus test/fixtures/hostile/names/
 * has models, quants and backends named `__proto__`, `constructor`, `hasOwnProperty`, and names
 * containing `|`. A refit over it must leave Object.prototype untouched, reject every reserved
 * name as a `bad_name` issue at its line (never drop it silently), publish an artifact in which no
 * key is reserved and no key is lost when a consumer parses it, and keep `a|b`/`c` apart from
 * `a`/`b|c` in the throughput lookup.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArtifact } from '../../pipeline/emit/artifact.ts';
import { predictThroughput } from '../../pipeline/fit/throughput.ts';
import { type LoadedCorpus, loadCorpus } from '../../pipeline/ingest/load.ts';
import { type RefitOutcome, refit } from '../../pipeline/refit.ts';
import { compositeKey, isReservedKey, splitKey } from '../../pipeline/util/keys.ts';
import { HOSTILE_FIXTURES } from './harness.ts';

const CONFIG = join(HOSTILE_FIXTURES, 'names.config.yaml');
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();
const ORIGINAL_TO_STRING = Object.prototype.toString;

let out: string;
let corpus: LoadedCorpus;
let outcome: RefitOutcome;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'capfit-proto-'));
  corpus = await loadCorpus(CONFIG);
  outcome = await refit({ configPath: CONFIG, outDir: out });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const readOut = (name: string) => readFileSync(join(out, name), 'utf8');

/** Every object key at any depth of a parsed JSON value (JSON.parse makes `__proto__` an own key). */
function allKeys(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allKeys(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      allKeys(v, into);
    }
  }
  return into;
}

describe('reserved names through ingest → normalise → fit → artifact', () => {
  it('loadCorpus(names fixture) rejects every reserved or control-character name as bad_name at its line', () => {
    const rejected = corpus.issues
      .filter((i) => i.code === 'bad_name')
      .map((i) => `${i.source}:${i.line}`)
      .sort();
    expect(rejected).toEqual(
      [
        'names/scaling.csv:12', // model __proto__
        'names/throughput.csv:17', // model "two\nlines" (ends on line 17)
        'names/throughput.csv:18', // model __proto__
        'names/throughput.csv:19', // model constructor
        'names/throughput.csv:20', // quant constructor
        'names/throughput.csv:21', // backend __proto__
        'names/throughput.csv:22', // model hasOwnProperty
      ].sort(),
    );
    const byLine = (line: number) => corpus.issues.find((i) => i.line === line && i.code === 'bad_name')!;
    expect(byLine(18).message).toBe(
      "model name '__proto__' is reserved: an Object.prototype property name cannot key the artifact's tables",
    );
    expect(byLine(20).message).toContain("quant name 'constructor' is reserved");
    expect(byLine(21).message).toContain("backend name '__proto__' is reserved");
  });

  it('loadCorpus(names fixture) counts every rejected row: read = accepted + rejected per source', () => {
    expect(corpus.counts.map((c) => [c.source, c.read, c.accepted, c.rejected])).toEqual([
      ['names/throughput.csv', 20, 14, 6],
      ['names/scaling.csv', 11, 10, 1],
    ]);
  });

  it('refit(names fixture) leaves Object.prototype untouched', () => {
    expect(outcome.written).toBe('published');
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_NAMES);
    expect(Object.prototype.toString).toBe(ORIGINAL_TO_STRING);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('the published artifact has no reserved key (or key part) at any depth', () => {
    const raw = JSON.parse(readOut('artifacts/fitted_models.json'));
    const keys = allKeys(raw);
    expect(keys.length).toBeGreaterThan(100);
    for (const key of keys) {
      expect(isReservedKey(key), key).toBe(false);
      for (const part of splitKey(key)) expect(isReservedKey(part), key).toBe(false);
    }
  });

  it('parseArtifact(published) keeps every key: nothing is dropped on the way to a consumer', () => {
    const text = readOut('artifacts/fitted_models.json');
    expect(allKeys(parseArtifact(text)).sort()).toEqual(allKeys(JSON.parse(text)).sort());
  });

  it('the manifest and the report count the bad_name rejections (nothing vanishes silently)', () => {
    const manifest = JSON.parse(readOut('artifacts/manifest.json'));
    expect(manifest.rejected_by_code.bad_name).toBe(7);
    expect(manifest.record_counts.throughput).toMatchObject({ read: 20, accepted: 14, rejected: 6 });
    expect(readOut('reports/refit.md')).toMatch(/^\| bad_name \| 7 \|/m);
  });
});

describe('composite keys through the throughput lookup', () => {
  it('the artifact keys a|b on backend c and a on backend b|c apart', () => {
    const artifact = parseArtifact(readOut('artifacts/fitted_models.json'));
    const lookup = artifact.throughput.lookup as Record<string, number>;
    expect(lookup[compositeKey('a|b', 'c', 'FP16')]).toBe(100);
    expect(lookup[compositeKey('a', 'b|c', 'FP16')]).toBe(200);
    expect(compositeKey('a|b', 'c', 'FP16')).toBe('a%7Cb|c|FP16');
    expect(compositeKey('a', 'b|c', 'FP16')).toBe('a|b%7Cc|FP16');
    // The unescaped spelling names neither.
    expect(Object.hasOwn(lookup, 'a|b|c|FP16')).toBe(false);
  });

  it('predictThroughput answers each tuple from its own measurement', () => {
    const artifact = parseArtifact(readOut('artifacts/fitted_models.json'));
    const fp16 = artifact.registry.quants.find((q) => q.id === 'FP16')!;
    const ref = artifact.registry.gpus.find((g) => g.id === artifact.throughput.reference_gpu)!;
    const ask = (modelId: string, backend: string) =>
      predictThroughput(artifact.throughput, { modelId, quant: fp16, backend, gpu: ref, referenceGpu: ref });
    expect(ask('a|b', 'c')).toMatchObject({ tokPerS: 100, route: 'lookup', provenance: 'measured' });
    expect(ask('a', 'b|c')).toMatchObject({ tokPerS: 200, route: 'lookup', provenance: 'measured' });
    expect(ask('a', 'b|c').tokPerS).not.toBe(ask('a|b', 'c').tokPerS);
  });
});
