/**
 * Order independence: the repository corpus, registry and config are copied three times; in the
 * second copy every corpus file has its rows shuffled (seeded; CSV headers stay first, quoted
 * newlines stay inside their row) and the config lists its sources in reverse; the third copy also
 * shuffles every registry file. Refits must publish byte-identical splits.json and validation.json,
 * and a fitted_models.json identical except for the input and config hashes in `provenance` (the
 * shuffled files' bytes differ, so must their hashes). The artifact embeds the registry in its file
 * order (the order `capfit models` lists), so with the registry shuffled that one list is compared
 * as a set.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, type YAMLSeq } from 'yaml';
import { createRng, type Rng, shuffled } from '../../pipeline/math/rng.ts';
import { copyRepoInputs, scratch, startCli } from '../crash/refit-env.ts';

const SEEDS = 1;
const env = scratch('capfit-order-');
afterAll(() => env.dispose());

/** The CSV with its data records (raw text, quoted newlines included) in shuffled order. */
function shuffleCsv(text: string, rng: Rng): string {
  const records = parse(text, {
    raw: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
  }) as unknown as { raw: string }[];
  const [header, ...rows] = records.map((r) => r.raw.replace(/(\r\n|\n|\r)$/, ''));
  return `${[header, ...shuffled(rows, rng)].join('\n')}\n`;
}

/** The JSON array with its elements in shuffled order. */
function shuffleJsonArray(text: string, rng: Rng): string {
  const doc = JSON.parse(text) as unknown[];
  expect(Array.isArray(doc)).toBe(true);
  return `${JSON.stringify(shuffled(doc, rng), null, 1)}\n`;
}

/** The config with its `sources` in reverse order (comments kept). */
function reverseSources(text: string): string {
  const doc = parseDocument(text);
  const sources = doc.get('sources') as YAMLSeq;
  sources.items.reverse();
  return doc.toString();
}

/** What each copy has shuffled. */
const VARIANTS = {
  /** The repository inputs as they are. */
  a: { corpus: false, registry: false },
  /** Corpus rows shuffled and sources reversed; registry as it is. */
  b: { corpus: true, registry: false },
  /** Corpus and registry rows shuffled and sources reversed. */
  c: { corpus: true, registry: true },
} as const;
type Variant = keyof typeof VARIANTS;

const outs = {} as Record<Variant, string>;
const shuffledFiles: Record<Variant, string[]> = { a: [], b: [], c: [] };
beforeAll(async () => {
  const runs = (Object.keys(VARIANTS) as Variant[]).map((v) => {
    const repo = copyRepoInputs(join(env.dir, v), SEEDS);
    const rng = createRng(`order-independence/${v}`);
    const folders = [
      ...(VARIANTS[v].corpus ? ['datasets/corpus'] : []),
      ...(VARIANTS[v].registry ? ['datasets/registry'] : []),
    ];
    for (const folder of folders) {
      for (const name of readdirSync(join(repo, folder)).sort()) {
        const path = join(repo, folder, name);
        const text = readFileSync(path, 'utf8');
        if (name.endsWith('.csv')) writeFileSync(path, shuffleCsv(text, rng));
        else if (name.endsWith('.json') && text.trimStart().startsWith('['))
          writeFileSync(path, shuffleJsonArray(text, rng));
        else continue;
        shuffledFiles[v].push(`${folder}/${name}`);
      }
    }
    const config = join(repo, 'refit.config.yaml');
    if (VARIANTS[v].corpus) writeFileSync(config, reverseSources(readFileSync(config, 'utf8')));
    outs[v] = join(env.dir, `out-${v}`);
    return startCli(['refit', '--config', config, '--out', outs[v]]).done;
  });
  const [ra, rb, rc] = await Promise.all(runs);
  expect([0, 1], ra!.stderr).toContain(ra!.code);
  expect(rb!.code, rb!.stderr).toBe(ra!.code);
  expect(rc!.code, rc!.stderr).toBe(ra!.code);
});

const read = (v: Variant, name: string) => readFileSync(join(outs[v], 'artifacts', name), 'utf8');

interface ArtifactJson {
  provenance: { inputs: { sha256: string }[]; config_sha256: string };
  registry: Record<string, { id?: string; tag?: string }[]>;
}
const hashes = (x: ArtifactJson) => [x.provenance.config_sha256, ...x.provenance.inputs.map((i) => i.sha256)];

/** `v`'s fitted_models.json text with its input and config hashes replaced by `a`'s. */
function withHashesOfA(v: Variant): string {
  const mine = hashes(JSON.parse(read(v, 'fitted_models.json')));
  const theirs = hashes(JSON.parse(read('a', 'fitted_models.json')));
  expect(mine).toHaveLength(theirs.length);
  let text = read(v, 'fitted_models.json');
  mine.forEach((h, i) => {
    text = text.replace(h, theirs[i]!);
  });
  return text;
}

describe('refit with shuffled rows and reordered sources', () => {
  it('every corpus file (and, in the third copy, every registry file) was shuffled', () => {
    expect(shuffledFiles.b).toContain('datasets/corpus/throughput.csv');
    expect(shuffledFiles.b).toContain('datasets/corpus/throughput_runs.json');
    expect(shuffledFiles.b.length).toBeGreaterThanOrEqual(8);
    expect(shuffledFiles.c).toEqual([
      ...shuffledFiles.b,
      ...shuffledFiles.c.filter((f) => f.includes('registry')),
    ]);
    expect(shuffledFiles.c).toContain('datasets/registry/models.csv');
  });

  for (const v of ['b', 'c'] as const) {
    it(`splits.json and validation.json are byte-identical (${v === 'b' ? 'corpus' : 'corpus + registry'} shuffled)`, () => {
      expect(read(v, 'splits.json')).toBe(read('a', 'splits.json'));
      expect(read(v, 'validation.json')).toBe(read('a', 'validation.json'));
    });
  }

  it('fitted_models.json is byte-identical but for the input and config hashes (corpus shuffled)', () => {
    expect(hashes(JSON.parse(read('b', 'fitted_models.json')))).not.toEqual(
      hashes(JSON.parse(read('a', 'fitted_models.json'))),
    );
    expect(withHashesOfA('b')).toBe(read('a', 'fitted_models.json'));
  });

  it('fitted_models.json with the registry shuffled too: identical coefficients; the embedded registry lists the same entries in its file order', () => {
    const a = JSON.parse(read('a', 'fitted_models.json')) as ArtifactJson;
    const c = JSON.parse(withHashesOfA('c')) as ArtifactJson;
    const key = (e: { id?: string; tag?: string }) => e.id ?? e.tag ?? '';
    const sorted = (x: ArtifactJson) =>
      Object.fromEntries(
        Object.entries(x.registry).map(([k, list]) => [
          k,
          [...list].sort((p, q) => (key(p) < key(q) ? -1 : 1)),
        ]),
      );
    expect(sorted(c)).toEqual(sorted(a));
    expect(JSON.stringify({ ...c, registry: null }, null, 2)).toBe(
      JSON.stringify({ ...a, registry: null }, null, 2),
    );
  });
});
