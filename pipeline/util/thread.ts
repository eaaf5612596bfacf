/**
 * Running jobs on worker threads. A thread is opened for one of the worker modules (`WorkerModule`)
 * and imports it at once, so a module with heavy imports (vega for the charts) can load while the
 * main thread is still busy; the job itself is posted later with `run`. From the sources the thread
 * starts at `pipeline/thread.js` (plain JS, which registers the TypeScript loader); from the bundle
 * it starts at the module's own entry file. A job is plain data (structured clone); so is the answer.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BUNDLED, type WorkerModule, workerModuleUrl } from './paths.ts';

/** What a thread posts back: the answer, or why the job failed. */
type Reply<T> = { readonly answer: T } | { readonly error: string };

/** An open worker thread, waiting for its one job. */
export interface OpenThread<J, T> {
  /** Posts the job (once); resolves with the answer, rejects when the thread fails or is stopped. */
  run(job: J): Promise<T>;
}

/**
 * `openThread(module, tag, signal)` starts a thread that imports `module` and waits for one job for
 * that module's `answerJob(tag, …)`. The thread is stopped when `signal` aborts (the run it belongs
 * to ended) and after it answers. A failure before `run` is kept and reported by `run`.
 */
export function openThread<J, T>(module: WorkerModule, tag: string, signal?: AbortSignal): OpenThread<J, T> {
  let worker: Worker | null = null;
  let posted = false;
  const answer = new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) fn();
      settled = true;
    };
    const url = workerModuleUrl(module);
    try {
      worker = BUNDLED
        ? new Worker(url, { workerData: { tag } })
        : new Worker(new URL('../thread.js', import.meta.url), { workerData: { tag, module: url.href } });
    } catch (err) {
      reject(err);
      return;
    }
    const started = worker;
    const stop = () => {
      settle(() => reject(new Error('stopped: the run it belonged to ended')));
      void started.terminate();
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    started.once('message', (reply: Reply<T>) => {
      settle(() => ('error' in reply ? reject(new Error(reply.error)) : resolve(reply.answer)));
      void started.terminate();
    });
    started.once('error', (err) => settle(() => reject(err)));
    started.once('exit', (code) =>
      settle(() => reject(new Error(`worker thread exited with code ${code} before answering`))),
    );
  });
  // Not yet awaited by anybody: a thread that fails before `run` must not be an unhandled rejection.
  answer.catch(() => undefined);
  return {
    run(job: J): Promise<T> {
      if (posted) return Promise.reject(new Error('a thread runs one job'));
      posted = true;
      try {
        (worker as Worker | null)?.postMessage({ job });
      } catch (err) {
        // An unsendable job (a function, a symbol): the thread is not needed any more.
        void (worker as Worker | null)?.terminate();
        return Promise.reject(err);
      }
      return answer;
    },
  };
}

/**
 * `runInThread(module, tag, job, signal)` opens a thread for `module` and runs `job` on it at once.
 */
export function runInThread<J, T>(
  module: WorkerModule,
  tag: string,
  job: J,
  signal?: AbortSignal,
): Promise<T> {
  return openThread<J, T>(module, tag, signal).run(job);
}

/**
 * In a thread opened with this `tag`: waits for the job, runs `work` on it and posts the answer (or
 * the error); the buffers `transfer` lists are moved, not copied. Does nothing on the main thread or in a thread opened for another tag, so a job
 * module can call it at top level.
 */
export function answerJob<J, T>(
  tag: string,
  work: (job: J) => T | Promise<T>,
  transfer: (answer: T) => ArrayBuffer[] = () => [],
): void {
  const data = workerData as { tag?: unknown } | null;
  if (isMainThread || data?.tag !== tag || !parentPort) return;
  const port = parentPort;
  port.once('message', (message: { job: J }) => {
    Promise.resolve()
      .then(() => work(message.job))
      .then(
        (answer) => port.postMessage({ answer } satisfies Reply<T>, transfer(answer)),
        (err: unknown) => port.postMessage({ error: (err as Error).message } satisfies Reply<T>),
      );
  });
}
