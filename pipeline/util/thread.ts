/**
 * Running one job on a worker thread. The thread starts at `pipeline/thread.js` (plain JS, which
 * registers the TypeScript loader), imports the job's module, and that module answers through
 * `answerJob`. A job is plain data (structured clone); so is the answer.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** What a thread posts back: the answer, or why the job failed. */
type Reply<T> = { readonly answer: T } | { readonly error: string };

/**
 * `runInThread(moduleUrl, tag, job, signal)` runs the job in a new thread and resolves with the
 * answer of `moduleUrl`'s `answerJob(tag, …)`. It rejects when the thread cannot start, fails or
 * exits without answering, and stops the thread when `signal` aborts.
 */
export function runInThread<J, T>(moduleUrl: string, tag: string, job: J, signal?: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) fn();
      settled = true;
    };
    let worker: Worker;
    try {
      worker = new Worker(new URL('../thread.js', import.meta.url), {
        workerData: { tag, module: moduleUrl, job },
      });
    } catch (err) {
      reject(err);
      return;
    }
    const stop = () => {
      settle(() => reject(new Error('stopped: the run it belonged to ended')));
      void worker.terminate();
    };
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    worker.once('message', (reply: Reply<T>) => {
      settle(() => ('error' in reply ? reject(new Error(reply.error)) : resolve(reply.answer)));
      void worker.terminate();
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`worker thread exited with code ${code} before answering`))),
    );
  });
}

/**
 * In a thread started by `runInThread` with this `tag`: runs `work` on the job and posts the
 * answer (or the error). Does nothing on the main thread or in a thread started for another tag,
 * so a job module can call it at top level.
 */
export function answerJob<J, T>(tag: string, work: (job: J) => T | Promise<T>): void {
  const data = workerData as { tag?: unknown; job?: J } | null;
  if (isMainThread || data?.tag !== tag || !parentPort) return;
  const port = parentPort;
  Promise.resolve()
    .then(() => work(data.job as J))
    .then(
      (answer) => port.postMessage({ answer } satisfies Reply<T>),
      (err: unknown) => port.postMessage({ error: (err as Error).message } satisfies Reply<T>),
    );
}
