/**
 * The stability study on a second thread. On a machine with two or more cores the K stability
 * seeds (two units × K split + fit runs over the stability sample) then run beside the published
 * seed's fits and the emit stage instead of after them, and in a heap of their own: the main
 * heap holds the whole corpus, which makes every garbage collection of the study's short-lived
 * objects dearer. The worker gets the sample, the config and the registry (plain data, copied),
 * rebuilds the lookups, runs the same `stabilityStudy` and posts the summaries back, so results
 * are identical to an inline run.
 */
import type { RefitConfig } from '../config.ts';
import type { Category, RecordSet, SplitUnit } from '../records.ts';
import { createResolver, type LoadedRegistry } from '../registry.ts';
import { answerJob, runInThread } from '../util/thread.ts';
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
  return runInThread('validate/stability-worker', JOB_TAG, job, signal);
}

answerJob(JOB_TAG, runStabilityJob);
