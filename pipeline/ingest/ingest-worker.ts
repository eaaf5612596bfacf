/**
 * One CSV file ingested on a second thread. `loadCorpus` hands the largest file of a corpus
 * (≥ `OFFLOAD_MIN_BYTES`) to a worker that parses, maps and normalises it (row columns and content
 * hashes, no ids yet) while the main thread reads the other files; the worker's records and issues
 * are then absorbed at the file's place, so the corpus is the same as a one-thread read (tested).
 */
import { createNormaliser, type NormalisedPart } from '../normalise/index.ts';
import { PendingStore } from '../normalise/store.ts';
import { createResolver, type LoadedRegistry } from '../registry.ts';
import { answerJob, runInThread } from '../util/thread.ts';
import { type FileIngest, ingestOneFile, type OffloadJob } from './index.ts';

/** What the worker is given: the file's job plus the registry to resolve names with. */
export interface IngestJob extends OffloadJob {
  readonly registry: LoadedRegistry;
}

/** What it answers. */
export interface IngestAnswer {
  readonly file: FileIngest;
  readonly part: NormalisedPart;
}

const JOB_TAG = 'capfit-ingest-job';

/** Ingests the job's file in this thread into a normaliser of its own, and detaches what it made. */
export async function runIngestJob(job: IngestJob): Promise<IngestAnswer> {
  const normaliser = createNormaliser(createResolver(job.registry));
  const file = await ingestOneFile(job.source, job.index, job.file, job.label, normaliser);
  return { file, part: normaliser.detach() };
}

/**
 * `ingestInWorker(job, signal)` runs the job on a worker thread; rejects when the thread fails, and
 * stops it when `signal` aborts (a load that failed does not wait for it).
 */
export function ingestInWorker(job: IngestJob, signal?: AbortSignal): Promise<IngestAnswer> {
  return runInThread('ingest/ingest-worker', JOB_TAG, job, signal);
}

// The row columns are moved to the main thread, not copied.
answerJob(JOB_TAG, runIngestJob, (answer) => PendingStore.transferables(answer.part.rows));
