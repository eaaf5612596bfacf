/**
 * Concurrent runs on one output folder. Two CLI refits with different seeds started together end
 * with one complete, self-consistent set (manifest hashes match, every file from one seed), or the
 * second refuses with the lock message; never a mix. And the lock itself: processes that all find
 * a stale lock left by a dead process, and then compete, hold it one at a time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPublishedSet } from '../../pipeline/io/verify.ts';
import { acquireLock, LOCK_FILE_NAME, type Lock, releaseLock } from '../../pipeline/io/write.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { copyRepoInputs, scratch, startCli } from './refit-env.ts';
import { dotFiles, snapshot } from './sets.ts';

const LOCK_CHILDREN = 4;
const ROUNDS = 1;

const env = scratch('capfit-concurrent-');
afterAll(() => env.dispose());

const LOCKED =
  /^capfit refit: another refit \(pid \d+\) is writing to .+: lock file .+\.capfit\.lock is held; wait for it or remove the lock if that process is not a refit$/;

function seedsOf(out: string): string[] {
  const files = snapshot(out);
  const json = (name: string) => JSON.parse(files.get(name)!) as Record<string, unknown>;
  return [
    json('artifacts/fitted_models.json').seed as string,
    json('artifacts/validation.json').seed as string,
    (json('artifacts/splits.json').record as { seed: string }).seed,
    json('artifacts/manifest.json').seed as string,
    /with split seed (\S+) and/.exec(files.get('reports/refit.md')!)![1]!,
  ];
}

describe('two refits started together on the same --out', () => {
  let config: string;
  beforeAll(() => {
    config = join(copyRepoInputs(env.dir, 1), 'refit.config.yaml');
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}${round === 1 ? ' (empty --out)' : ' (over a published set)'}: one complete set from one seed, or a lock refusal`, async () => {
      const out = join(env.dir, 'out');
      const seeds = [`r${round}-a`, `r${round}-b`];
      const results = await Promise.all(
        seeds.map(
          (seed) => startCli(['refit', '--config', config, '--out', out, '--force', '--seed', seed]).done,
        ),
      );
      const published: string[] = [];
      for (const [i, r] of results.entries()) {
        if (r.code === 2) expect(r.stderr.trimEnd()).toMatch(LOCKED);
        else {
          expect([0, 1], r.stderr).toContain(r.code);
          published.push(seeds[i]!);
        }
      }
      expect(published.length).toBeGreaterThan(0);
      expect(verifyPublishedSet(out)).toEqual({ status: 'complete', problems: [] });
      const found = seedsOf(out);
      expect(new Set(found).size).toBe(1);
      expect(published).toContain(found[0]);
      expect(dotFiles(out)).toEqual([]);
    });
  }
});

describe('acquireLock across processes', () => {
  const dir = join(env.dir, 'lock');
  let log: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(dir, 'out'), { recursive: true });
    // A stale lock: the pid of a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'out', LOCK_FILE_NAME), `${dead}\n`);
    const child = join(import.meta.dirname, 'lock-child.ts');
    const exits = Array.from(
      { length: LOCK_CHILDREN },
      () =>
        new Promise<number | null>((resolve, reject) => {
          const c = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: 'ignore' });
          c.on('error', reject);
          c.on('close', (code) => resolve(code));
        }),
    );
    // Release them together once all are waiting, so they race for the stale lock.
    while (readdirSync(dir).filter((n) => n.startsWith('ready-')).length < LOCK_CHILDREN)
      await new Promise((r) => setTimeout(r, 5));
    writeFileSync(join(dir, 'go'), '');
    expect(await Promise.all(exits)).toEqual(Array(LOCK_CHILDREN).fill(0));
    log = readFileSync(join(dir, 'log'), 'utf8').trimEnd().split('\n');
  });

  it(`${LOCK_CHILDREN} processes racing for a stale lock each hold it once, never two at a time`, () => {
    const turns = log.filter((l) => !l.startsWith('refusals'));
    expect(turns).toHaveLength(2 * LOCK_CHILDREN);
    for (let i = 0; i < turns.length; i += 2) {
      const [enter, leave] = [turns[i]!, turns[i + 1]!];
      expect(enter).toMatch(/^enter \d+$/);
      expect(leave).toBe(enter.replace('enter', 'leave'));
    }
    const pids = new Set(turns.filter((l) => l.startsWith('enter')).map((l) => l.split(' ')[1]));
    expect(pids.size).toBe(LOCK_CHILDREN);
    expect(existsSync(join(dir, 'out', LOCK_FILE_NAME))).toBe(false);
  });

  it('acquireLock(dir) never removes a lock another run took over after both saw the same stale lock', () => {
    // Deterministic interleaving: A finds the stale lock of pid 101; before A removes it, B (pid
    // 202) also finds it stale, takes it over and holds it. A must then refuse, not remove B's lock.
    const racy = join(dir, 'interleaved');
    mkdirSync(racy, { recursive: true });
    writeFileSync(join(racy, LOCK_FILE_NAME), '101\n');
    let b: Lock | undefined;
    const aliveForA = (pid: number) => {
      if (pid === 101 && b === undefined) b = acquireLock(racy, { pid: 202, isAlive: (p) => p === 202 });
      return pid === 202 || pid === 303;
    };
    let error: unknown;
    try {
      acquireLock(racy, { pid: 303, isAlive: aliveForA });
    } catch (err) {
      error = err;
    }
    expect(b).toBeDefined();
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).message).toContain('another refit (pid 202)');
    expect(readFileSync(join(racy, LOCK_FILE_NAME), 'utf8')).toBe('202\n');
    releaseLock(b!);
    expect(readdirSync(racy)).toEqual([]);
  });

  it('the losers were refused while the lock was held (they had to wait)', () => {
    const refusals = log.filter((l) => l.startsWith('refusals')).map((l) => Number(l.split(' ')[2]));
    expect(refusals).toHaveLength(LOCK_CHILDREN);
    expect(refusals.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
