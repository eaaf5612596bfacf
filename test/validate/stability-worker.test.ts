import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../pipeline/ingest/load.ts';
import { CATEGORIES, type Category } from '../../pipeline/records.ts';
import { createResolver } from '../../pipeline/registry.ts';
import { stabilityStudy } from '../../pipeline/validate/runs.ts';
import {
  runStabilityJob,
  type StabilityJob,
  stabilityInWorker,
} from '../../pipeline/validate/stability-worker.ts';

const FIXTURE_CONFIG = join(import.meta.dirname, '../fixtures/golden/refit.config.yaml');

async function job(seeds: number): Promise<StabilityJob> {
  const corpus = await loadCorpus(FIXTURE_CONFIG);
  const config = { ...corpus.config, stability: { ...corpus.config.stability, seeds } };
  const totals = {} as Record<Category, number>;
  for (const c of CATEGORIES) totals[c] = corpus.records[c].length;
  return { sample: corpus.records, totals, config, registry: corpus.registry, units: ['record', 'config'] };
}

describe('stability study off the main thread', () => {
  it('runStabilityJob(job) gives stabilityStudy per unit, with its compute time', async () => {
    const j = await job(3);
    const outcome = runStabilityJob(j);
    const ctx = {
      config: j.config,
      specs: createResolver(j.registry),
      quantIds: j.registry.quants.map((q) => q.id),
    };
    expect(outcome.results.record).toEqual(stabilityStudy(ctx, j.sample, j.totals, 'record'));
    expect(outcome.results.config).toEqual(stabilityStudy(ctx, j.sample, j.totals, 'config'));
    expect(outcome.results.record?.vram.runs).toBe(3);
    expect(outcome.ms).toBeGreaterThan(0);
  });

  it('stabilityInWorker(job) resolves with the same results as the main thread', async () => {
    const j = await job(2);
    const threaded = await stabilityInWorker(j);
    expect(threaded.results).toEqual(runStabilityJob(j).results);
  });

  it('stabilityInWorker rejects (for the caller to fall back) when the job cannot be sent to a thread', async () => {
    const j = await job(1);
    const bad = { ...j, config: { ...j.config, notCloneable: () => 1 } } as unknown as StabilityJob;
    await expect(stabilityInWorker(bad)).rejects.toThrow();
  });

  it('stabilityInWorker stops the thread and rejects when its signal aborts', async () => {
    const j = await job(20);
    const stop = new AbortController();
    const running = stabilityInWorker(j, stop.signal);
    stop.abort();
    await expect(running).rejects.toThrow(/stopped/);
  });

  it('a config with stability.seeds 0 runs no study', async () => {
    const j = await job(0);
    expect(runStabilityJob(j).results).toEqual({ record: null, config: null });
  });
});
