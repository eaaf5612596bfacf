/**
 * The stability study on a second thread. On a machine with two or more cores the K stability
 * seeds (two units × K split + fit runs over the stability sample) then run beside the published
 * seed's fits and the emit stage instead of after them, and in a heap of their own: the main
 * heap holds the whole corpus, which makes every garbage collection of the study's short-lived
 * objects dearer. The worker gets the sample, the config and the registry (plain data, copied),
 * rebuilds the lookups, runs the same `stabilityStudy` and posts the summaries back, so results
 * are identical to an inline run.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { RefitConfig } from '../config.ts';
import type { Category, RecordSet, SplitUnit } from '../records.ts';
import { createResolver, type LoadedRegistry } from '../registry.ts';
import { type StabilityResult, stabilityStudy } from './runs.ts';

/** What the worker is given. */
export interface StabilityJob {
  readonly sample: RecordSet;
  readonly totals: Readonly<Record<Category, number>>;
  readonly config: RefitConfig;
  readonly registry: LoadedRegistry;
  readonly units: readonly SplitUnit[];
}

export type StabilityResults = Partial<Record<SplitUnit, StabilityResult>>;

/** A job's results and how long it computed (milliseconds, for the benchmark; not published). */
export interface StabilityOutcome {
  readonly results: StabilityResults;
  readonly ms: number;
}

/** Marks `workerData` as a stability job (the module is also imported on the main thread). */
const JOB_TAG = 'capfit-stability-job';

/** Runs every unit of a job in this thread. */
export function runStabilityJob(job: StabilityJob): StabilityOutcome {
  const start = performance.now();
  const ctx = {
    config: job.config,
    specs: createResolver(job.registry),
    quantIds: job.registry.quants.map((q) => q.id),
  };
  const out: StabilityResults = {};
  for (const unit of job.units) out[unit] = stabilityStudy(ctx, job.sample, job.totals, unit);
  return { results: out, ms: performance.now() - start };
}

/**
 * `stabilityInWorker(job, signal)` runs the job on a worker thread and resolves with its results;
 * it rejects when the thread cannot start or fails (the caller then runs the job inline), and
 * stops the thread when `signal` aborts (a refit that failed does not wait for it).
 */
export function stabilityInWorker(job: StabilityJob, signal?: AbortSignal): Promise<StabilityOutcome> {
  return new Promise((resolve, reject) => {
    // A plain-JS entry registers the TypeScript loader in the thread, then imports this module.
    const worker = new Worker(new URL('../thread.js', import.meta.url), {
      workerData: { tag: JOB_TAG, module: import.meta.url, job },
    });
    let settled = false;
    const stop = () => {
      if (!settled) reject(new Error('stopped: the run it belonged to ended'));
      settled = true;
      void worker.terminate();
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.once('message', (outcome: StabilityOutcome) => {
      settled = true;
      resolve(outcome);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`stability worker exited with code ${code} before answering`));
      settled = true;
    });
  });
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === JOB_TAG && parentPort) {
  parentPort.postMessage(runStabilityJob((workerData as { job: StabilityJob }).job));
}
