/**
 * Child process for test/crash/publish.test.ts: publishes a set into `dir` and kills itself with
 * SIGKILL at the step named by `killAt` (`staged`, `journal`, `renamed:<k>` after the k-th rename,
 * `committed`, or `never`), so the parent sees exactly what a crash at that point leaves behind.
 *
 *   node --import tsx test/crash/publish-child.ts DIR KILL_AT TAG
 */
import { publishFiles } from '../../pipeline/io/write.ts';
import { publishSet } from './sets.ts';

const [dir, killAt, tag] = process.argv.slice(2) as [string, string, string];
let renames = 0;
publishFiles(dir, publishSet(tag), {
  onStep: (step) => {
    const name = step.phase === 'renamed' ? `renamed:${++renames}` : step.phase;
    if (name === killAt) {
      process.kill(process.pid, 'SIGKILL');
      // SIGKILL cannot be caught; never go on to the next step while it is delivered.
      for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  },
});
