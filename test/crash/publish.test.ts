/**
 * Crash at every step of a publish: a child process publishes a new set over an old one and
 * SIGKILLs itself right after one step (test/crash/publish-child.ts). Whatever the step, the
 * published names end up holding the old set or the new one, never a mix: a kill before the
 * journal leaves the old set untouched; a kill after it leaves the journal, readers are told
 * (`verifyPublishedSet` → `interrupted`), and the next writer rolls the set back; a kill after the
 * commit leaves the new set. Leftover temps and backups are under dot names only and are swept.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPublishedSet } from '../../pipeline/io/verify.ts';
import {
  acquireLock,
  PUBLISH_JOURNAL_NAME,
  publishFiles,
  recoverPublish,
  releaseLock,
} from '../../pipeline/io/write.ts';
import { dotFiles, publishSet, snapshot } from './sets.ts';

const CHILD = join(import.meta.dirname, 'publish-child.ts');
const FILES = publishSet('x').length;
const STEPS = [
  'staged',
  'journal',
  ...Array.from({ length: FILES }, (_, k) => `renamed:${k + 1}`),
  'committed',
  'never',
];

const expected = (tag: string) => new Map(publishSet(tag).map((f) => [f.name, String(f.content)] as const));
const OLD = expected('old');
const NEW = expected('new');

interface ChildRun {
  readonly dir: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function runChild(dir: string, killAt: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, killAt, 'new'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ dir, code, signal, stderr }));
  });
}

const runs = new Map<string, ChildRun>();
const temps: string[] = [];
beforeAll(async () => {
  const started = STEPS.map((step) => {
    const dir = mkdtempSync(join(tmpdir(), `capfit-crash-${step.replace(':', '-')}-`));
    temps.push(dir);
    publishFiles(dir, publishSet('old'));
    return runChild(dir, step).then((r) => runs.set(step, r));
  });
  await Promise.all(started);
});
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('publishFiles killed with SIGKILL', () => {
  it(`the child runs ${STEPS.length} times, killed at each of the ${FILES + 2} steps and once not at all`, () => {
    for (const step of STEPS) {
      const r = runs.get(step)!;
      if (step === 'never') expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
      else expect(r.signal, `${step}: ${r.stderr}`).toBe('SIGKILL');
    }
  });

  it('killed after staging (no journal yet): the old set is untouched and only dot-named temps remain', () => {
    const { dir } = runs.get('staged')!;
    expect(existsSync(join(dir, PUBLISH_JOURNAL_NAME))).toBe(false);
    expect(snapshot(dir)).toEqual(OLD);
    expect(verifyPublishedSet(dir).status).toBe('complete');
    const left = dotFiles(dir);
    expect(left.length).toBe(FILES + FILES); // one temp and one backup per file
    for (const f of left) expect(f).toMatch(/(^|\/)\.[^/]+\.\d+\.\d+\.(tmp|bak)$/);
  });

  for (const step of STEPS.filter((s) => s === 'journal' || s.startsWith('renamed:'))) {
    it(`killed at ${step}: readers see 'interrupted' and the next lock holder rolls back to the old set`, () => {
      const { dir } = runs.get(step)!;
      const renamed = step === 'journal' ? 0 : Number(step.split(':')[1]);
      expect(existsSync(join(dir, PUBLISH_JOURNAL_NAME))).toBe(true);
      const check = verifyPublishedSet(dir);
      expect(check.status).toBe('interrupted');
      expect(check.problems[0]).toContain('the next refit rolls it back');
      // On disk: exactly the first `renamed` files (in publish order) are new, all complete.
      const onDisk = snapshot(dir);
      const fresh = [...onDisk].filter(([name, content]) => content === NEW.get(name)).length;
      expect(fresh).toBe(renamed);
      for (const [name, content] of onDisk) expect([OLD.get(name), NEW.get(name)]).toContain(content);

      const lock = acquireLock(dir);
      try {
        expect(snapshot(dir)).toEqual(OLD);
        expect(existsSync(join(dir, PUBLISH_JOURNAL_NAME))).toBe(false);
        expect(dotFiles(dir)).toEqual(['.capfit.lock']);
      } finally {
        releaseLock(lock);
      }
      expect(verifyPublishedSet(dir).status).toBe('complete');
      expect(dotFiles(dir)).toEqual([]);
    });
  }

  for (const step of ['committed', 'never']) {
    it(`${step === 'never' ? 'not killed' : 'killed after the commit'}: the new set is complete and nothing is left over`, () => {
      const { dir } = runs.get(step)!;
      expect(snapshot(dir)).toEqual(NEW);
      expect(verifyPublishedSet(dir).status).toBe('complete');
      expect(dotFiles(dir)).toEqual([]);
    });
  }

  it('a later publish over a crashed one sweeps the dead temps and publishes a complete set', () => {
    const { dir } = runs.get('staged')!;
    publishFiles(dir, publishSet('next'));
    expect(snapshot(dir)).toEqual(expected('next'));
    expect(verifyPublishedSet(dir).status).toBe('complete');
    expect(dotFiles(dir)).toEqual([]);
  });
});

describe('publishFiles failing (no crash)', () => {
  it('a rename that fails half-way rolls back to the old set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capfit-crash-fail-'));
    temps.push(dir);
    publishFiles(dir, publishSet('old'));
    let renames = 0;
    expect(() =>
      publishFiles(dir, publishSet('new'), {
        onStep: (s) => {
          if (s.phase === 'renamed' && ++renames === 3) throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(snapshot(dir)).toEqual(OLD);
    expect(dotFiles(dir)).toEqual([]);
    expect(verifyPublishedSet(dir).status).toBe('complete');
  });
});

describe('verifyPublishedSet', () => {
  it('verifyPublishedSet(dir) is none for an empty folder and inconsistent when a file was altered or removed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capfit-verify-'));
    temps.push(dir);
    expect(verifyPublishedSet(dir)).toEqual({ status: 'none', problems: [] });
    publishFiles(dir, publishSet('v'));
    expect(verifyPublishedSet(dir).status).toBe('complete');
    writeFileSync(join(dir, 'artifacts', 'validation.json'), '{}\n');
    const altered = verifyPublishedSet(dir);
    expect(altered.status).toBe('inconsistent');
    expect(altered.problems).toHaveLength(1);
    expect(altered.problems[0]).toMatch(
      /validation\.json has SHA-256 [0-9a-f]{64}, the manifest lists [0-9a-f]{64}$/,
    );
    rmSync(join(dir, 'artifacts', 'splits.json'));
    expect(verifyPublishedSet(dir).problems).toHaveLength(2);
    rmSync(join(dir, 'artifacts', 'manifest.json'));
    expect(verifyPublishedSet(dir).problems[0]).toContain('manifest.json is missing');
  });
});

describe('recoverPublish', () => {
  it('acquireLock(dir) refuses a journal it cannot read, naming it, and does not keep the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capfit-journal-'));
    temps.push(dir);
    writeFileSync(join(dir, PUBLISH_JOURNAL_NAME), '{"pid": 1, "entr');
    expect(() => acquireLock(dir)).toThrow(/publish journal .+\.capfit-publish\.json is unreadable/);
    expect(dotFiles(dir)).toEqual([PUBLISH_JOURNAL_NAME]);
  });

  it('recoverPublish(dir) refuses while the journal names a running process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capfit-journal-'));
    temps.push(dir);
    writeFileSync(join(dir, PUBLISH_JOURNAL_NAME), JSON.stringify({ pid: 4242, entries: [] }));
    expect(() => recoverPublish(dir, { isAlive: (pid) => pid === 4242 })).toThrow(
      /a publish into .+ by pid 4242 is in progress/,
    );
    expect(recoverPublish(dir, { isAlive: () => false })).toEqual({
      rolledBack: true,
      restored: [],
      swept: [],
    });
  });
});
