import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGenerateArgs, runGenerate, writeGeneratedCorpus } from '../../pipeline/commands/generate.ts';
import { parseConfig } from '../../pipeline/config.ts';
import { generateCorpus, REJECTED_KINDS } from '../../pipeline/generate/index.ts';
import { ingestSources } from '../../pipeline/ingest/index.ts';
import { createResolver, parseRegistry } from '../../pipeline/registry.ts';

const readRegistry = (name: string): string =>
  readFileSync(new URL(`../../datasets/registry/${name}.csv`, import.meta.url), 'utf8');
const resolver = createResolver(
  parseRegistry({
    models: readRegistry('models'),
    quants: readRegistry('quants'),
    gpus: readRegistry('gpus'),
    backends: readRegistry('backends'),
    tags: readRegistry('tags'),
  }),
);

const scratch = mkdtempSync(join(tmpdir(), 'capfit-generate-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('parseGenerateArgs', () => {
  it('parseGenerateArgs(values) reads records with _ separators and an optional bad share', () => {
    expect(parseGenerateArgs({ records: '20_000', seed: '7', out: 'x' })).toEqual({
      records: 20000,
      seed: '7',
      out: 'x',
    });
    expect(parseGenerateArgs({ records: '5', seed: 's', out: 'x', 'bad-share': '0.25' })).toMatchObject({
      badShare: 0.25,
    });
  });

  it('parseGenerateArgs(values) names the offending option', () => {
    expect(() => parseGenerateArgs({ seed: '1', out: 'x' })).toThrow(/--records is required/);
    expect(() => parseGenerateArgs({ records: '1e6', seed: '1', out: 'x' })).toThrow(/--records/);
    expect(() => parseGenerateArgs({ records: '0', seed: '1', out: 'x' })).toThrow(/--records/);
    expect(() => parseGenerateArgs({ records: '10', out: 'x' })).toThrow(/--seed/);
    expect(() => parseGenerateArgs({ records: '10', seed: '1' })).toThrow(/--out/);
    expect(() => parseGenerateArgs({ records: '10', seed: '1', out: 'x', 'bad-share': '2' })).toThrow(
      /--bad-share/,
    );
    expect(() => parseGenerateArgs({ records: '10', seed: '1', out: 'x', 'bad-share': 'lots' })).toThrow(
      /--bad-share/,
    );
  });
});

describe('runGenerate', () => {
  it('runGenerate(values) writes six CSVs, the config and truth.json, and prints one summary line', async () => {
    const out = join(scratch, 'cli');
    const result = await runGenerate({ records: '3000', seed: 'cli', out, 'bad-share': '0.1' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const corpus = generateCorpus({ records: 3000, seed: 'cli', badShare: 0.1 });
    expect(result.stdout).toContain(`3000 rows, ${corpus.badRows} bad (10.0%: `);
    expect(readdirSync(out).sort()).toEqual([
      'cost.csv',
      'latency.csv',
      'quality.csv',
      'refit.config.yaml',
      'scaling.csv',
      'throughput.csv',
      'truth.json',
      'vram.csv',
    ]);
    for (const file of corpus.files) {
      expect(readFileSync(join(out, file.name), 'utf8')).toBe(`${[...file.lines()].join('\n')}\n`);
    }
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as {
      generator: { seed: string };
    };
    expect(truth.generator.seed).toBe('cli');
  });
});

describe('writeGeneratedCorpus + ingest', async () => {
  const out = join(scratch, 'ingest');
  const { configPath } = await writeGeneratedCorpus({ records: 6000, seed: 'ingest', out, badShare: 0.1 });
  const config = parseConfig(readFileSync(configPath, 'utf8'));
  const result = await ingestSources(config, out);
  const corpus = generateCorpus({ records: 6000, seed: 'ingest', badShare: 0.1 });

  it('the generated config validates and maps every category file', () => {
    expect(config.sources.map((s) => s.path)).toEqual(corpus.files.map((f) => f.name));
  });

  it('ingest rejects exactly the damaged rows of rejected kinds, each with the code of its damage', () => {
    const rejected = new Set<string>(REJECTED_KINDS);
    for (const file of corpus.files) {
      const expected = [...file.rowsWithKinds()]
        .filter((r) => r.bad !== null && rejected.has(r.bad))
        .map((r) => `${r.line} ${r.bad}`);
      const actual = result.issues
        .filter((i) => i.source === file.name && i.severity === 'reject')
        .map((i) => `${i.line} ${i.code}`);
      expect(actual, file.name).toEqual(expected);
      const count = result.counts.find((c) => c.source === file.name)!;
      expect(count).toMatchObject({
        read: file.rows,
        rejected: expected.length,
        accepted: file.rows - expected.length,
      });
    }
  });

  it('ingest keeps unknown-model rows, and the registry does not know their model', () => {
    let unknown = 0;
    for (const file of corpus.files) {
      const lines = new Set(
        [...file.rowsWithKinds()].filter((r) => r.bad === 'unknown_model').map((r) => r.line),
      );
      for (const row of result.rows.filter((r) => r.source === file.name && lines.has(r.line))) {
        expect(resolver.resolveModel(String(row.fields.model)).known).toBe(false);
        unknown++;
      }
      expect(result.rows.filter((r) => r.source === file.name && lines.has(r.line))).toHaveLength(lines.size);
    }
    expect(unknown).toBeGreaterThan(0);
  });

  it('every accepted good row names a model, quant, backend and GPU the registry knows', () => {
    const unknownLines = new Set(
      corpus.files.flatMap((f) =>
        [...f.rowsWithKinds()].filter((r) => r.bad === 'unknown_model').map((r) => `${f.name}:${r.line}`),
      ),
    );
    for (const row of result.rows) {
      if (unknownLines.has(`${row.source}:${row.line}`)) continue;
      const f = row.fields;
      expect(resolver.resolveModel(String(f.model)).known, String(f.model)).toBe(true);
      expect(resolver.resolveQuant(String(f.quant)).known, String(f.quant)).toBe(true);
      expect(resolver.resolveBackend(String(f.backend)).known, String(f.backend)).toBe(true);
      if (f.gpu !== null) expect(resolver.resolveGpu(String(f.gpu)).known, String(f.gpu)).toBe(true);
    }
  });
});
