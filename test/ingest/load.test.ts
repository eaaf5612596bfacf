import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedCorpus, loadCorpus, tagsPathFor } from '../../pipeline/ingest/load.ts';
import { type AnyRecord, CATEGORIES } from '../../pipeline/records.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MINI = join(ROOT, 'test', 'fixtures', 'data', 'mini.config.yaml');

const recordsOf = (c: LoadedCorpus): AnyRecord[] =>
  CATEGORIES.flatMap((k) => c.records[k] as readonly AnyRecord[]);

let dir: string;
let real: LoadedCorpus;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capfit-load-'));
  real = await loadCorpus(join(ROOT, 'refit.config.yaml'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadCorpus', () => {
  it('loadCorpus(mini config) chains config, registry, ingest and normalise', async () => {
    const c = await loadCorpus(MINI);
    expect(c.config.seed).toBe('7');
    expect(c.baseDir).toBe(join(ROOT, 'test', 'fixtures', 'data'));
    expect(c.registry.tags.length).toBeGreaterThan(0);
    expect(c.resolver.resolveModel('LLaMA-3.2-1B').id).toBe('llama3.2-1b');
    expect(CATEGORIES.map((k) => c.records[k].length)).toEqual([6, 2, 2, 2, 0, 4]);
    expect(c.issues.filter((i) => i.severity === 'warn').map((i) => i.code)).toEqual([
      'unknown_model',
      'unknown_gpu',
    ]);
  });

  it('loadCorpus(path, { onStage }) reports rows read after ingest and records made after normalise', async () => {
    const calls: [string, number][] = [];
    await loadCorpus(MINI, { onStage: (stage, rows) => calls.push([stage, rows]) });
    expect(calls).toEqual([
      ['ingest', 36],
      ['normalise', 16],
    ]);
  });

  it('loadCorpus counts match the records each source produced', async () => {
    const c = await loadCorpus(MINI);
    const made = new Map<string, number>();
    for (const r of recordsOf(c)) made.set(r.source, (made.get(r.source) ?? 0) + 1);
    for (const count of c.counts) {
      expect(count.read).toBe(count.accepted + count.rejected);
      expect(count.accepted).toBe(made.get(count.source) ?? 0);
    }
  });

  it('loadCorpus hashes every input file, sorted by path relative to the config', async () => {
    const c = await loadCorpus(MINI);
    expect(c.inputFiles.map((f) => f.path)).toEqual([
      'mini.config.yaml',
      'mini/broken.json',
      'mini/latency.jsonl',
      'mini/quality.csv',
      'mini/scaling.json',
      'mini/throughput.csv',
      'mini/vram.csv',
      'registry/backends.csv',
      'registry/gpus.csv',
      'registry/models.csv',
      'registry/quants.csv',
      'registry/tags.csv',
    ]);
    for (const f of c.inputFiles) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('loadCorpus gives byte-identical records on a second run', async () => {
    const a = await loadCorpus(MINI);
    const b = await loadCorpus(MINI);
    expect(JSON.stringify(b.records)).toBe(JSON.stringify(a.records));
  });

  it('loadCorpus(missing config) is a PipelineError naming the path', async () => {
    const err = await loadCorpus(join(dir, 'nope.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as Error).message).toContain('nope.yaml');
  });

  it('loadCorpus(config with a bad key) is a PipelineError from the config schema', async () => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, 'sourcez: []\n');
    await expect(loadCorpus(path)).rejects.toThrow(/bad\.yaml/);
  });

  it('tagsPathFor(models.csv) is tags.csv in the same folder', () => {
    expect(tagsPathFor(join('a', 'registry', 'models.csv'))).toBe(join('a', 'registry', 'tags.csv'));
  });
});

describe('loadCorpus(refit.config.yaml) on the real corpus', () => {
  it('every source keeps read = accepted + rejected, and accepted = records made', () => {
    const made = new Map<string, number>();
    for (const r of recordsOf(real)) made.set(r.source, (made.get(r.source) ?? 0) + 1);
    expect(real.counts.length).toBe(real.config.sources.length);
    for (const c of real.counts) {
      expect(c.read).toBe(c.accepted + c.rejected);
      expect(c.accepted).toBe(made.get(c.source) ?? 0);
    }
  });

  it('reads every row of every file and keeps the counts README.md (Data) reports', () => {
    expect(real.counts.map((c) => [c.source, c.read, c.accepted])).toEqual([
      ['datasets/corpus/throughput.csv', 269, 101],
      ['datasets/corpus/throughput_runs.json', 72, 12],
      ['datasets/corpus/vram.csv', 46, 25],
      ['datasets/corpus/quality.csv', 604, 34],
      ['datasets/corpus/latency.csv', 358, 64],
      ['datasets/corpus/cost.csv', 364, 34],
      ['datasets/corpus/scaling.csv', 60, 60],
    ]);
    expect(CATEGORIES.map((k) => real.records[k].length)).toEqual([113, 25, 34, 64, 34, 60]);
  });

  it('every kept record names a known model, backend and GPU', () => {
    for (const r of recordsOf(real)) {
      expect(r.modelKnown, `${r.source}:${r.line}`).toBe(true);
      expect(r.gpuKnown, `${r.source}:${r.line}`).toBe(true);
      expect(real.resolver.backend(r.backend), `${r.source}:${r.line}`).toBeDefined();
    }
  });

  it('every rejection has a reason; the only warnings are the 15 TR123 CPU rows without a stated precision', () => {
    for (const i of real.issues) expect(i.message.length).toBeGreaterThan(0);
    const warnings = real.issues.filter((i) => i.severity === 'warn');
    expect(warnings).toHaveLength(15);
    expect(new Set(warnings.map((w) => w.code))).toEqual(new Set(['unknown_quant']));
    const cpu = real.records.throughput.filter((r) => r.backend === 'transformers-cpu');
    expect(cpu.map((r) => r.quant)).toEqual(Array(15).fill('unknown'));
  });

  it('throughput keeps decode-rate metrics at N=1, plus effective_tps only for vLLM and TGI', () => {
    for (const r of real.records.throughput) {
      expect(r.nAgents).toBe(1);
      if (r.metric === 'effective_tps') expect(['vllm', 'tgi']).toContain(r.backend);
      else expect(['decode_tok_s', 'gpu_tokens_per_s']).toContain(r.metric);
    }
  });

  it('scaling η is a fraction for both TR129 (printed in percent) and TR130', () => {
    for (const r of real.records.scaling) {
      expect(r.eta).toBeGreaterThan(0.1);
      expect(r.eta).toBeLessThan(1.1);
    }
  });

  it('the scaling analysis JSONs hold the same 60 η points as scaling.csv (so only one is read)', async () => {
    const corpus = join(ROOT, 'datasets', 'corpus');
    const registry = join(ROOT, 'datasets', 'registry');
    const path = join(dir, 'json-scaling.yaml');
    await writeFile(
      path,
      `registry:
  models: ${join(registry, 'models.csv')}
  quants: ${join(registry, 'quants.csv')}
  gpus: ${join(registry, 'gpus.csv')}
  backends: ${join(registry, 'backends.csv')}
sources:
  - path: ${join(corpus, 'tr130_analysis_scaling.json')}
    category: scaling
    records: efficiency.{backend}.{model}.points
    fields: { eta: { column: eta, unit: fraction } }
    set: { gpu: NVIDIA GeForce RTX 4080 Laptop GPU, quant: FP16 }
  - path: ${join(corpus, 'tr129_analysis_scaling.json')}
    category: scaling
    records: efficiency.{model}.points
    fields: { eta: { column: eta_pct, unit_column: eta_unit } }
    set: { gpu: NVIDIA GeForce RTX 4080 Laptop GPU, quant: FP16, backend: ollama }
targets: { record: {}, config: {} }
defaults: { reference_gpu: rtx-4080-laptop, hw_cost_per_hour: 0.035 }
`,
    );
    const fromJson = await loadCorpus(path);
    const key = (r: { model: string; backend: string; nAgents: number; eta: number }) =>
      `${r.model}|${r.backend}|${r.nAgents}|${r.eta.toFixed(4)}`;
    const jsonPoints = fromJson.records.scaling.map(key).sort();
    const csvPoints = real.records.scaling.map(key).sort();
    expect(jsonPoints).toHaveLength(60);
    expect(jsonPoints).toEqual(csvPoints);
  });
});
