// Entry of capfit's worker threads: registers the TypeScript loader in this thread (a worker does
// not inherit the main thread's loader hooks on Node 20), then imports the module named in
// `workerData.module` (a file URL), which reads its job from `workerData` and posts its answer.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
