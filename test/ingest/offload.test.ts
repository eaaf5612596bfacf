import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGeneratedCorpus } from '../../pipeline/commands/generate.ts';
import { ingestInWorker, runIngestJob } from '../../pipeline/ingest/ingest-worker.ts';
import { loadCorpus } from '../../pipeline/ingest/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'capfit-offload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadCorpus with the largest CSV on a worker thread', () => {
  const corpus = writeGeneratedCorpus({ records: 3000, seed: 'offload', out: dir, badShare: 0.05 });

  it('gives the same records, issues and counts as reading every file on one thread', async () => {
    const { configPath } = await corpus;
    const alone = await loadCorpus(configPath, { offloadMinBytes: Number.MAX_SAFE_INTEGER });
    const threaded = await loadCorpus(configPath, { offloadMinBytes: 1 });
    const inline = await loadCorpus(configPath, { offloadMinBytes: 1, threads: false });
    for (const other of [threaded, inline]) {
      expect(other.records).toEqual(alone.records);
      expect(other.issues).toEqual(alone.issues);
      expect(other.counts).toEqual(alone.counts);
    }
    expect(alone.issues.some((i) => i.severity === 'reject')).toBe(true);
    expect(alone.issues.some((i) => i.severity === 'warn')).toBe(true);
  });
});

describe('ingestInWorker', () => {
  it('answers on a worker thread exactly what runIngestJob answers on this one', async () => {
    const { configPath } = await writeGeneratedCorpus({ records: 1500, seed: 'worker', out: join(dir, 'w') });
    const loaded = await loadCorpus(configPath, { offloadMinBytes: Number.MAX_SAFE_INTEGER });
    const source = loaded.config.sources.find((s) => s.category === 'throughput')!;
    const index = loaded.config.sources.indexOf(source);
    const file = { path: join(dir, 'w', 'throughput.csv'), label: 'throughput.csv' };
    const job = { source, index, file, label: 'throughput.csv', registry: loaded.registry };
    const threaded = await ingestInWorker(job);
    expect(threaded).toEqual(await runIngestJob(job));
    expect(threaded.file.read).toBeGreaterThan(0);
    expect(threaded.part.rows.n).toBe(threaded.file.accepted);
    const stop = new AbortController();
    stop.abort();
    await expect(ingestInWorker(job, stop.signal)).rejects.toThrow(/stopped/);
  });
});

describe('runInThread error replies', () => {
  it('a job that throws in the thread rejects with its message on this side', async () => {
    const { configPath } = await writeGeneratedCorpus({ records: 200, seed: 'bad-job', out: join(dir, 'b') });
    const loaded = await loadCorpus(configPath);
    const source = { ...loaded.config.sources[0]!, fields: { no_such_field: 'x' } };
    const job = {
      source,
      index: 0,
      file: { path: join(dir, 'b', 'throughput.csv'), label: 'throughput.csv' },
      label: 'throughput.csv',
      registry: loaded.registry,
    } as unknown as Parameters<typeof ingestInWorker>[0];
    await expect(ingestInWorker(job)).rejects.toThrow(/no_such_field/);
  });
});
