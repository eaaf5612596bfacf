import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireLock,
  isProcessAlive,
  LOCK_FILE_NAME,
  publishFiles,
  publishOrder,
  releaseLock,
  sha256,
  writeFileAtomic,
} from '../../pipeline/io/write.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { listFiles } from '../helpers/files.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'capfit-write-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A pid that was alive a moment ago and is not any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('sha256', () => {
  it('sha256(content) matches the known digest of "abc" for strings and bytes', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256('abc')).toBe(abc);
    expect(sha256(new TextEncoder().encode('abc'))).toBe(abc);
  });
});

describe('writeFileAtomic', () => {
  it('writeFileAtomic(path, data) writes the content and leaves no temp file', () => {
    const path = join(dir, 'a.json');
    writeFileAtomic(path, '{"x":1}\n');
    writeFileAtomic(path, '{"x":2}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"x":2}\n');
    expect(listFiles(dir)).toEqual(['a.json']);
  });

  it('writeFileAtomic(path, data) removes its temp file when the rename fails', () => {
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['occupied']);
  });

  it('writeFileAtomic(path, data) fails without creating anything when the directory is missing', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'a.json'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('publishOrder', () => {
  it('publishOrder(names) sorts names and puts the manifest last', () => {
    expect(publishOrder(['reports/refit.md', 'artifacts/manifest.json', 'artifacts/a.json'])).toEqual([
      'artifacts/a.json',
      'reports/refit.md',
      'artifacts/manifest.json',
    ]);
  });
});

describe('publishFiles', () => {
  it('publishFiles(dir, files) writes every file under subdirectories and reports their hashes', () => {
    const out = publishFiles(dir, [
      { name: 'artifacts/manifest.json', content: '{}\n' },
      { name: 'reports/figures/a.svg', content: '<svg/>' },
      { name: 'artifacts/fitted_models.json', content: '{"a":1}\n' },
    ]);
    expect(out.map((f) => f.name)).toEqual([
      'artifacts/fitted_models.json',
      'reports/figures/a.svg',
      'artifacts/manifest.json',
    ]);
    expect(out[1]!.sha256).toBe(sha256('<svg/>'));
    expect(out[1]!.bytes).toBe(6);
    expect(listFiles(dir)).toEqual([
      'artifacts/fitted_models.json',
      'artifacts/manifest.json',
      'reports/figures/a.svg',
    ]);
    expect(readFileSync(join(dir, 'artifacts/fitted_models.json'), 'utf8')).toBe('{"a":1}\n');
  });

  it('publishFiles(dir, files) removes its temps and publishes nothing when a rename fails', () => {
    mkdirSync(join(dir, 'b.json', 'child'), { recursive: true });
    expect(() =>
      publishFiles(dir, [
        { name: 'b.json', content: 'b' },
        { name: 'c.json', content: 'c' },
        { name: 'manifest.json', content: 'm' },
      ]),
    ).toThrow();
    expect(listFiles(dir)).toEqual([]);
  });

  it('publishFiles(dir, files) refuses names that escape the directory or repeat', () => {
    expect(() => publishFiles(dir, [{ name: '../x', content: '' }])).toThrow(PipelineError);
    expect(() => publishFiles(dir, [{ name: '/etc/x', content: '' }])).toThrow(/relative paths/);
    expect(() =>
      publishFiles(dir, [
        { name: 'a', content: '' },
        { name: 'a', content: '' },
      ]),
    ).toThrow(/listed twice/);
    expect(listFiles(dir)).toEqual([]);
  });
});

describe('acquireLock', () => {
  it('acquireLock(dir) creates a lock file holding the pid and releaseLock removes it', () => {
    const lock = acquireLock(dir);
    expect(lock.path).toBe(join(dir, LOCK_FILE_NAME));
    expect(readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    releaseLock(lock);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('acquireLock(dir) refuses while a live process holds the lock, naming the lock file', () => {
    const first = acquireLock(dir);
    let error: unknown;
    try {
      acquireLock(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PipelineError);
    expect((error as PipelineError).exitCode).toBe(2);
    expect((error as PipelineError).message).toContain(first.path);
    expect((error as PipelineError).message).toContain(`pid ${process.pid}`);
    releaseLock(first);
    const again = acquireLock(dir);
    releaseLock(again);
  });

  it('acquireLock(dir) takes over a lock left by a process that is no longer running', () => {
    const stale = deadPid();
    expect(isProcessAlive(stale)).toBe(false);
    writeFileSync(join(dir, LOCK_FILE_NAME), `${stale}\n`);
    const lock = acquireLock(dir);
    expect(readFileSync(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    releaseLock(lock);
  });

  it('acquireLock(dir) refuses a lock file whose content is not a pid', () => {
    writeFileSync(join(dir, LOCK_FILE_NAME), 'garbage');
    expect(() => acquireLock(dir)).toThrow(/does not contain a process id/);
  });

  it('releaseLock(lock) leaves a lock that another run has taken over', () => {
    const lock = acquireLock(dir, { pid: 11, isAlive: () => false });
    const other = acquireLock(dir, { pid: 12, isAlive: () => false });
    releaseLock(lock);
    expect(readFileSync(other.path, 'utf8')).toBe('12\n');
    releaseLock(other);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('isProcessAlive', () => {
  it('isProcessAlive(pid) is true for this process', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
  });
});
