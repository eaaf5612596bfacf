/**
 * Child process for test/crash/concurrent.test.ts: signals it is ready, waits for the go file,
 * then competes for the lock on DIR (retrying while another holds it), and while holding it writes
 * its pid to DIR/holder, sleeps, and checks nobody else wrote there; logs enter/leave lines.
 *
 *   node --import tsx test/crash/lock-child.ts DIR
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, releaseLock } from '../../pipeline/io/write.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

const [dir] = process.argv.slice(2) as [string];
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const log = (line: string) => appendFileSync(join(dir, 'log'), `${line}\n`);

writeFileSync(join(dir, `ready-${process.pid}`), '');
while (!existsSync(join(dir, 'go'))) sleep(1);

let refusals = 0;
for (let attempt = 0; attempt < 2000; attempt++) {
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(join(dir, 'out'));
  } catch (err) {
    if (err instanceof PipelineError && err.code === 'locked') {
      refusals++;
      sleep(2);
      continue;
    }
    throw err;
  }
  log(`enter ${process.pid}`);
  writeFileSync(join(dir, 'holder'), String(process.pid));
  sleep(60);
  const holder = readFileSync(join(dir, 'holder'), 'utf8');
  log(holder === String(process.pid) ? `leave ${process.pid}` : `BROKEN ${process.pid} saw ${holder}`);
  releaseLock(lock);
  log(`refusals ${process.pid} ${refusals}`);
  process.exit(0);
}
process.exit(4);
