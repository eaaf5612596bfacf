import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { allocateRecords } from '../../pipeline/generate/allocate.ts';
import {
  DEFAULT_BAD_SHARE,
  type GeneratedCorpus,
  type GeneratedFile,
  generateCorpus,
  REJECTED_KINDS,
  truthDocument,
} from '../../pipeline/generate/index.ts';
import { rowLayouts } from '../../pipeline/generate/rows.ts';
import { parseNumber } from '../../pipeline/ingest/fields.ts';
import { CATEGORIES } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

const fileText = (file: GeneratedFile): string => `${[...file.lines()].join('\n')}\n`;

function corpusHash(corpus: GeneratedCorpus): string {
  const hash = createHash('sha256');
  for (const file of corpus.files) hash.update(`${file.name}\n${fileText(file)}`);
  return hash.digest('hex');
}

const corpusHeader = (category: string): string[] =>
  readFileSync(new URL(`../../datasets/corpus/${category}.csv`, import.meta.url), 'utf8')
    .split('\n')[0]!
    .trim()
    .split(',');

describe('generateCorpus', () => {
  const corpus = generateCorpus({ records: 20_000, seed: '42', badShare: 0.05 });

  it('generateCorpus({ seed }) gives identical bytes for the same seed, on every replay', () => {
    const again = generateCorpus({ records: 20_000, seed: '42', badShare: 0.05 });
    expect(corpusHash(again)).toBe(corpusHash(corpus));
    // A file's lines replay from the seed each time they are iterated.
    expect(fileText(corpus.files[0]!)).toBe(fileText(corpus.files[0]!));
  });

  it('generateCorpus({ seed }) gives different bytes for a different seed', () => {
    const other = generateCorpus({ records: 20_000, seed: '43', badShare: 0.05 });
    expect(corpusHash(other)).not.toBe(corpusHash(corpus));
    for (const [i, file] of other.files.entries())
      expect(fileText(file)).not.toBe(fileText(corpus.files[i]!));
  });

  it('generateCorpus({ records }) writes exactly the requested data rows, split as allocateRecords says', () => {
    const counts = allocateRecords(20_000);
    expect(corpus.files.map((f) => f.category)).toEqual(CATEGORIES);
    for (const file of corpus.files) {
      expect(file.rows).toBe(counts[file.category]);
      expect([...file.lines()]).toHaveLength(file.rows + 1);
    }
    expect(corpus.files.reduce((s, f) => s + f.rows, 0)).toBe(20_000);
  });

  it('generateCorpus(...) files carry the corpus headers and parse with csv-parse', () => {
    for (const file of corpus.files) {
      expect(file.header).toEqual(corpusHeader(file.category));
      const records = parse(fileText(file), { relax_column_count: true }) as string[][];
      expect(records[0]).toEqual(corpusHeader(file.category));
      expect(records).toHaveLength(file.rows + 1);
    }
  });

  it('generateCorpus({ badShare }) damages round(rows · share) rows per file, close to the share overall', () => {
    let bad = 0;
    for (const file of corpus.files) {
      const damaged = [...file.rowsWithKinds()].filter((r) => r.bad !== null).length;
      expect(damaged).toBe(file.badRows);
      expect(file.badRows).toBe(Math.round(file.rows * 0.05));
      bad += damaged;
    }
    expect(bad).toBe(corpus.badRows);
    expect(Math.abs(bad / 20_000 - 0.05)).toBeLessThan(0.001);
  });

  it('generateCorpus(...) good rows are complete, finite and positive; rejected-kind rows are not', () => {
    const layouts = new Map(rowLayouts().map((l) => [l.category, l]));
    for (const file of corpus.files) {
      const layout = layouts.get(file.category)!;
      const valueIndexes = layout.valueColumns.map((c) => file.header.indexOf(c));
      const modelIndex = file.header.indexOf('model');
      for (const row of file.rowsWithKinds()) {
        const fields = (parse(row.text, { relax_column_count: true }) as string[][])[0]!;
        const values = valueIndexes.map((i) => fields[i] ?? '').filter((v) => v !== '');
        const valid =
          fields.length === file.header.length &&
          fields[modelIndex] !== '' &&
          values.length > 0 &&
          values.every((v) => {
            const p = parseNumber(v);
            return p.ok && p.value > 0;
          });
        if (row.bad === null || row.bad === 'unknown_model')
          expect(valid, `${file.name}:${row.line}`).toBe(true);
        else expect(valid, `${file.name}:${row.line} (${row.bad})`).toBe(false);
      }
    }
  });

  it('generateCorpus(...) uses every damage kind across a large enough corpus', () => {
    const kinds = new Set(corpus.files.flatMap((f) => [...f.rowsWithKinds()].map((r) => r.bad)));
    for (const kind of [...REJECTED_KINDS, 'unknown_model'])
      expect(kinds.has(kind as never), kind).toBe(true);
  });

  it('generateCorpus({ badShare: 0 }) has no damaged row and the same good rows as any other share', () => {
    const clean = generateCorpus({ records: 2_000, seed: '42', badShare: 0 });
    const dirty = generateCorpus({ records: 2_000, seed: '42', badShare: 0.3 });
    for (const [i, file] of clean.files.entries()) {
      const cleanRows = [...file.rowsWithKinds()];
      expect(cleanRows.every((r) => r.bad === null)).toBe(true);
      for (const row of dirty.files[i]!.rowsWithKinds()) {
        if (row.bad === null) expect(row.text).toBe(cleanRows[row.line - 2]!.text);
      }
    }
  });

  it('generateCorpus(...) defaults the bad share to DEFAULT_BAD_SHARE', () => {
    expect(generateCorpus({ records: 1000, seed: 'x' }).badShare).toBe(DEFAULT_BAD_SHARE);
  });

  it('generateCorpus(...) refuses bad options with a PipelineError naming them', () => {
    expect(() => generateCorpus({ records: 0, seed: '1' })).toThrow(/records/);
    expect(() => generateCorpus({ records: 1.5, seed: '1' })).toThrow(PipelineError);
    expect(() => generateCorpus({ records: 10, seed: '' })).toThrow(/seed/);
    expect(() => generateCorpus({ records: 10, seed: '1', badShare: 1.5 })).toThrow(/bad share/);
    expect(() => generateCorpus({ records: 10, seed: '1', badShare: Number.NaN })).toThrow(/bad share/);
  });

  it('generateCorpus(...) is lazy: describing 50M records builds no rows', () => {
    const huge = generateCorpus({ records: 50_000_000, seed: 'lazy' });
    expect(huge.files.reduce((s, f) => s + f.rows, 0)).toBe(50_000_000);
    expect(huge.files[0]!.lines().next().value).toBe(huge.files[0]!.header.join(','));
  });
});

describe('truthDocument', () => {
  it('truthDocument(corpus) records the request, the per-file counts and the coefficients', () => {
    const corpus = generateCorpus({ records: 5000, seed: 's', badShare: 0.1 });
    const doc = truthDocument(corpus) as {
      generator: Record<string, unknown>;
      files: { rows: number; bad_rows: number }[];
      coefficients: unknown;
      derived: { service_ms: Record<string, number> };
    };
    expect(doc.generator).toEqual({ seed: 's', records: 5000, bad_share: 0.1, bad_rows: corpus.badRows });
    expect(doc.files.reduce((s, f) => s + f.rows, 0)).toBe(5000);
    expect(doc.coefficients).toBe(corpus.truth);
    expect(doc.derived.service_ms['llama3.2-1b|ollama']).toBeGreaterThan(0);
  });
});
