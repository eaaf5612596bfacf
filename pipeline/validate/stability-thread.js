// Worker-thread entry of the stability study: registers the TypeScript loader in this thread (a
// worker does not inherit the main thread's loader hooks on Node 20), then runs the job module.
import { register } from 'tsx/esm/api';

register();
await import('./stability-worker.ts');
