import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type RefitConfig } from '../../pipeline/config.ts';
import { applyRejections, ingestSources } from '../../pipeline/ingest/index.ts';
import type { IngestedRow, Issue } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'data');
const miniConfig = () => parseConfig(readFileSync(join(FIXTURES, 'mini.config.yaml'), 'utf8'));

/** A config with the given `sources:` block (YAML, indented two spaces). */
function configWith(sources: string): RefitConfig {
  return parseConfig(
    `sources:\n${sources}\ntargets: { record: {}, config: {} }\ndefaults: { reference_gpu: rtx-4080-laptop, hw_cost_per_hour: 0.035 }\n`,
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capfit-ingest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const issueAt = (issues: readonly Issue[], source: string, line: number) =>
  issues.filter((i) => i.source === source && i.line === line);
const rowAt = (rows: readonly IngestedRow[], source: string, line: number) =>
  rows.find((r) => r.source === source && r.line === line);

describe('ingestSources', () => {
  it('ingestSources(mini corpus) keeps read = accepted + rejected for every source', async () => {
    const { counts } = await ingestSources(miniConfig(), FIXTURES);
    expect(counts).toEqual([
      { source: 'mini/throughput.csv', category: 'throughput', read: 17, accepted: 6, rejected: 11 },
      { source: 'mini/vram.csv', category: 'vram', read: 4, accepted: 2, rejected: 2 },
      { source: 'mini/quality.csv', category: 'quality', read: 5, accepted: 2, rejected: 3 },
      { source: 'mini/scaling.json', category: 'scaling', read: 5, accepted: 4, rejected: 1 },
      { source: 'mini/latency.jsonl', category: 'latency', read: 5, accepted: 2, rejected: 3 },
      { source: 'mini/broken.json', category: 'throughput', read: 0, accepted: 0, rejected: 0 },
    ]);
    for (const c of counts) expect(c.read).toBe(c.accepted + c.rejected);
  });

  it('ingestSources gives each rejected row exactly one issue with the code of its first problem', async () => {
    const { issues } = await ingestSources(miniConfig(), FIXTURES);
    const codes = issues.filter((i) => i.source === 'mini/throughput.csv').map((i) => [i.line, i.code]);
    expect(codes).toEqual([
      [7, 'excluded'],
      [8, 'bad_number'],
      [9, 'bad_number'],
      [10, 'non_finite'],
      [11, 'non_finite'],
      [12, 'missing_field'],
      [13, 'negative'],
      [14, 'out_of_range'],
      [15, 'ragged_row'],
      [18, 'excluded'],
      [19, 'excluded'],
    ]);
    expect(issues.every((i) => i.severity === 'reject')).toBe(true);
  });

  it('ingestSources names the column and value of a row a where filter excludes', async () => {
    const { issues } = await ingestSources(miniConfig(), FIXTURES);
    expect(issueAt(issues, 'mini/throughput.csv', 7)[0]!.message).toBe(
      "metric='effective_tps' not in [decode_tok_s]",
    );
    expect(issueAt(issues, 'mini/vram.csv', 4)[0]!.message).toBe("status='spillover' not in [ok]");
  });

  it('ingestSources maps canonical fields and keeps unmapped same-name columns', async () => {
    const { rows } = await ingestSources(miniConfig(), FIXTURES);
    const row = rowAt(rows, 'mini/throughput.csv', 2)!;
    expect(row.category).toBe('throughput');
    expect(row.fields).toMatchObject({
      model: 'Llama-3.2-1B-Instruct',
      backend: 'ollama',
      quant: 'Q8_0',
      tok_per_s: 150.5,
      n_agents: 1,
      context_length: 2048,
      n: 5,
      metric: 'decode_tok_s',
      id: null,
    });
    // The quoted two-line note ends on line 5: the row is reported there.
    expect(rowAt(rows, 'mini/throughput.csv', 5)!.fields.model).toBe('llama3.2:1b-instruct-q4_K_M');
  });

  it('ingestSources takes the first non-empty entry of a field list and converts its unit', async () => {
    const { rows } = await ingestSources(miniConfig(), FIXTURES);
    expect(rowAt(rows, 'mini/vram.csv', 2)!.fields.vram_gb).toBeCloseTo(6.4487424, 10); // 6150 MiB
    expect(rowAt(rows, 'mini/vram.csv', 3)!.fields.vram_gb).toBe(8.93); // vram_gb column
  });

  it('ingestSources reads a unit per row from unit_column and rejects an unknown one', async () => {
    const { rows, issues } = await ingestSources(miniConfig(), FIXTURES);
    expect(rowAt(rows, 'mini/quality.csv', 3)!.fields.score).toBe(0.4006); // 40.06 percent
    expect(issueAt(issues, 'mini/quality.csv', 4)[0]).toMatchObject({ code: 'unknown_unit' });
    expect(issueAt(issues, 'mini/quality.csv', 4)[0]!.message).toContain("'furlongs'");
  });

  it('ingestSources applies set constants to every row of the source', async () => {
    const { rows } = await ingestSources(miniConfig(), FIXTURES);
    const quality = rows.filter((r) => r.source === 'mini/quality.csv');
    expect(quality.map((r) => r.fields.gpu)).toEqual(['RTX 4080 12GB', 'RTX 4080 12GB']);
  });

  it('ingestSources reads nested JSON through the records template (captures become fields)', async () => {
    const { rows, issues } = await ingestSources(miniConfig(), FIXTURES);
    const scaling = rows.filter((r) => r.source === 'mini/scaling.json');
    expect(scaling.map((r) => [r.fields.backend, r.fields.model, r.fields.n_agents, r.fields.eta])).toEqual([
      ['ollama', 'llama3.2-1b', 1, 1.017],
      ['ollama', 'llama3.2-1b', 2, 0.8],
      ['vllm', 'llama3.2-1b', 1, 0.989],
      ['vllm', 'llama3.2-1b', 8, 0.464],
    ]);
    expect(issues.filter((i) => i.source === 'mini/scaling.json').map((i) => i.code)).toEqual([
      'out_of_range',
    ]);
  });

  it('ingestSources turns a truncated JSON file into one issue and goes on with the other sources', async () => {
    const { issues, rows } = await ingestSources(miniConfig(), FIXTURES);
    const broken = issues.filter((i) => i.source === 'mini/broken.json');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ code: 'unparseable_file', line: 0 });
    expect(rows.length).toBe(16);
  });

  it('ingestSources reads JSON Lines, rejecting only the bad lines', async () => {
    const { rows, issues } = await ingestSources(miniConfig(), FIXTURES);
    const latency = rows.filter((r) => r.source === 'mini/latency.jsonl');
    expect(latency.map((r) => r.fields.ms)).toEqual([857.9, 2100]); // 2.1 s → ms
    expect(issues.filter((i) => i.source === 'mini/latency.jsonl').map((i) => [i.line, i.code])).toEqual([
      [3, 'unparseable_file'],
      [5, 'missing_field'],
      [6, 'out_of_range'],
    ]);
  });

  it('ingestSources uses a field default when every listed column is empty', async () => {
    await writeFile(join(dir, 'd.csv'), 'model,backend,tok,agents\nm,ollama,10,\nm,ollama,11,3\n');
    const cfg = configWith(`  - path: d.csv
    category: throughput
    fields:
      tok_per_s: tok
      n_agents: { column: agents, default: 1 }`);
    const { rows } = await ingestSources(cfg, dir);
    expect(rows.map((r) => r.fields.n_agents)).toEqual([1, 3]);
  });

  it('ingestSources matches where values as numbers when both sides are numeric', async () => {
    await writeFile(join(dir, 'w.csv'), 'model,backend,tok,n_agents\nm,ollama,10,1.0\nm,ollama,11,2\n');
    const cfg = configWith(`  - path: w.csv
    category: throughput
    where: { n_agents: [1] }
    fields: { tok_per_s: tok }`);
    const { rows, counts } = await ingestSources(cfg, dir);
    expect(rows.map((r) => r.fields.tok_per_s)).toEqual([10]);
    expect(counts[0]).toMatchObject({ read: 2, accepted: 1, rejected: 1 });
  });

  it('ingestSources rejects a non-integer where an integer is required', async () => {
    await writeFile(join(dir, 'i.csv'), 'model,backend,tok,n_agents\nm,ollama,10,1.5\n');
    const cfg = configWith(`  - path: i.csv
    category: throughput
    fields: { tok_per_s: tok }`);
    const { issues } = await ingestSources(cfg, dir);
    expect(issues.map((i) => i.code)).toEqual(['bad_number']);
    expect(issues[0]!.message).toContain('whole number');
  });

  it('ingestSources(CSV without a mapped column) is one unparseable_file issue naming the column', async () => {
    await writeFile(join(dir, 'h.csv'), 'model,backend,tok\nm,ollama,1\n');
    const cfg = configWith(`  - path: h.csv
    category: throughput
    fields: { tok_per_s: tok_s }`);
    const { issues, counts } = await ingestSources(cfg, dir);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'unparseable_file', line: 0 });
    expect(issues[0]!.message).toContain("'tok_s' (fields.tok_per_s)");
    expect(counts[0]).toMatchObject({ read: 0, accepted: 0, rejected: 0 });
  });

  it('ingestSources(empty and header-only CSV) reads zero rows', async () => {
    await writeFile(join(dir, 'empty.csv'), '');
    await writeFile(join(dir, 'header.csv'), 'model,backend,tok_per_s\n');
    const cfg = configWith(`  - path: empty.csv
    category: throughput
  - path: header.csv
    category: throughput`);
    const { issues, counts } = await ingestSources(cfg, dir);
    expect(issues.map((i) => [i.source, i.code])).toEqual([['empty.csv', 'unparseable_file']]);
    expect(counts.map((c) => c.read)).toEqual([0, 0]);
  });

  it('ingestSources(glob) reads every match as its own source, sorted', async () => {
    await writeFile(join(dir, 'g-b.csv'), 'model,backend,tok_per_s\nm,ollama,2\n');
    await writeFile(join(dir, 'g-a.csv'), 'model,backend,tok_per_s\nm,ollama,1\n');
    const cfg = configWith(`  - path: g-*.csv
    category: throughput`);
    const { rows, counts } = await ingestSources(cfg, dir);
    expect(counts.map((c) => c.source)).toEqual(['g-a.csv', 'g-b.csv']);
    expect(rows.map((r) => r.fields.tok_per_s)).toEqual([1, 2]);
  });

  it('ingestSources(unknown field name) is a PipelineError naming the key and the category', async () => {
    const cfg = configWith(`  - path: d.csv
    category: throughput
    fields: { tokens_per_second: tok }`);
    await expect(ingestSources(cfg, dir)).rejects.toThrow(
      /'tokens_per_second' is not a field of category throughput/,
    );
  });

  it('ingestSources(unit of the wrong dimension) is a PipelineError naming the field', async () => {
    const cfg = configWith(`  - path: d.csv
    category: vram
    fields: { vram_gb: { column: mem, unit: ms } }`);
    const err = await ingestSources(cfg, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as Error).message).toContain('unit ms cannot be converted to GB');
  });

  it('ingestSources(missing source file) is a PipelineError (exit 2) raised before reading', async () => {
    const cfg = configWith(`  - path: d.csv
    category: throughput
  - path: nowhere.csv
    category: throughput`);
    const err = await ingestSources(cfg, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).exitCode).toBe(2);
    expect((err as Error).message).toContain('nowhere.csv');
  });

  it('ingestSources(records on a CSV source) is a config error', async () => {
    const cfg = configWith(`  - path: d.csv
    category: throughput
    format: csv
    records: a.{b}`);
    await expect(ingestSources(cfg, dir)).rejects.toThrow(/'records' applies to JSON/);
  });
});

describe('applyRejections', () => {
  it('applyRejections moves later row rejections from accepted to rejected', () => {
    const counts = [
      { source: 'a.csv', category: 'throughput' as const, read: 5, accepted: 4, rejected: 1 },
      { source: 'b.csv', category: 'vram' as const, read: 2, accepted: 2, rejected: 0 },
    ];
    const later: Issue[] = [
      { source: 'a.csv', line: 3, code: 'duplicate_id', severity: 'reject', message: '' },
      { source: 'a.csv', line: 4, code: 'unknown_model', severity: 'warn', message: '' },
      { source: 'b.csv', line: 0, code: 'unparseable_file', severity: 'reject', message: '' },
    ];
    expect(applyRejections(counts, later)).toEqual([
      { source: 'a.csv', category: 'throughput', read: 5, accepted: 3, rejected: 2 },
      { source: 'b.csv', category: 'vram', read: 2, accepted: 2, rejected: 0 },
    ]);
  });
});
