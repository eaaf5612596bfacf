/**
 * The only module that writes files. Published files are written atomically (temp file in the
 * same directory, fsync, rename), a set of files is published temps-first with the manifest renamed
 * last, and one refit at a time holds an exclusive lock file in the output directory.
 */

import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { PipelineError } from '../util/errors.ts';

/**
 * Lower-case hex SHA-256 of a string (hashed as UTF-8) or bytes.
 * @example sha256('') // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

let tempCounter = 0;

/** A temp name next to `path`, unique within this process and across live processes. */
function tempPathFor(path: string): string {
  tempCounter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
}

/** Writes `data` to a new file at `path` and fsyncs it; the file must not exist. */
function writeNewFile(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Best-effort fsync of a directory so a rename survives a crash (not supported everywhere). */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Writes `data` to `path` atomically: a temp file in the same directory is written and fsynced,
 * then renamed over `path`, so readers see the old content or the new, never a partial file. The
 * temp file is removed if anything fails, and the error is rethrown. The directory must exist.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  try {
    writeNewFile(temp, data);
    renameSync(temp, path);
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
  fsyncDirectory(dirname(path));
}

/** One file to publish: `name` is a relative path under the publish directory (`/` separated). */
export interface PublishFile {
  readonly name: string;
  readonly content: string | Uint8Array;
}

export interface PublishedFile {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface PublishOptions {
  /**
   * Base names renamed after every other file, in this order (readers that see the manifest see
   * everything it lists).
   * @default ['manifest.json']
   */
  readonly last?: readonly string[];
}

export const DEFAULT_PUBLISH_LAST: readonly string[] = ['manifest.json'];

/**
 * The rename order of `publishFiles`: names sorted by code point, except that base names listed in
 * `last` come at the end in that order.
 * @example publishOrder(['b.json', 'manifest.json', 'a.svg']) // ['a.svg', 'b.json', 'manifest.json']
 */
export function publishOrder(
  names: readonly string[],
  last: readonly string[] = DEFAULT_PUBLISH_LAST,
): string[] {
  const rank = (name: string): number => {
    const i = last.indexOf(name.split('/').at(-1) ?? name);
    return i < 0 ? -1 : i;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

function resolveName(dir: string, name: string): string {
  const clean = normalize(name);
  if (
    name === '' ||
    isAbsolute(name) ||
    clean === '..' ||
    clean.startsWith(`..${sep}`) ||
    clean === '.' ||
    name.includes('\0')
  ) {
    throw new PipelineError(
      'publish',
      `cannot publish "${name}": file names must be relative paths inside ${dir}`,
    );
  }
  return join(dir, clean);
}

/**
 * Publishes a set of files under `dir`: every file is first written to a temp file next to its
 * target (creating subdirectories), and only when all temps are on disk are they renamed, in
 * `publishOrder` (manifest last). On a failure the remaining temps are removed and the error is
 * rethrown; files already renamed stay (each is complete), the manifest is never ahead of them.
 */
export function publishFiles(
  dir: string,
  files: readonly PublishFile[],
  options: PublishOptions = {},
): PublishedFile[] {
  const byName = new Map<string, PublishFile>();
  for (const file of files) {
    if (byName.has(file.name))
      throw new PipelineError('publish', `"${file.name}" is listed twice for publishing`);
    byName.set(file.name, file);
  }
  const order = publishOrder([...byName.keys()], options.last ?? DEFAULT_PUBLISH_LAST);
  const staged: { name: string; path: string; temp: string; content: string | Uint8Array }[] = [];
  for (const name of order) {
    const path = resolveName(dir, name);
    staged.push({ name, path, temp: tempPathFor(path), content: byName.get(name)!.content });
  }
  const pending = new Set<string>();
  try {
    for (const s of staged) {
      mkdirSync(dirname(s.path), { recursive: true });
      pending.add(s.temp);
      writeNewFile(s.temp, s.content);
    }
    for (const s of staged) {
      renameSync(s.temp, s.path);
      pending.delete(s.temp);
    }
  } catch (err) {
    for (const temp of pending) removeQuietly(temp);
    throw err;
  }
  for (const d of new Set(staged.map((s) => dirname(s.path)))) fsyncDirectory(d);
  return staged.map((s) => ({
    name: s.name,
    path: s.path,
    sha256: sha256(s.content),
    bytes: typeof s.content === 'string' ? Buffer.byteLength(s.content, 'utf8') : s.content.length,
  }));
}

/** Base name of the lock file `acquireLock` creates. */
export const LOCK_FILE_NAME = '.capfit.lock';

export interface Lock {
  readonly path: string;
  readonly pid: number;
}

export interface LockOptions {
  /** @default LOCK_FILE_NAME */
  readonly name?: string;
  /** Pid written into the lock. @default process.pid */
  readonly pid?: number;
  /** Whether a pid is a running process. @default a `kill(pid, 0)` probe */
  readonly isAlive?: (pid: number) => boolean;
}

/** True when a process with this pid exists (`EPERM` means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockPid(path: string): number | null | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const match = /^\s*(\d+)\s*$/.exec(text);
  const pid = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Takes the exclusive lock for `dir` by creating `dir/.capfit.lock` with the `wx` flag and the pid
 * inside. A lock left by a process that is no longer running is taken over; a lock held by a
 * running process (or one whose content is not a pid) makes this throw a `PipelineError` naming
 * the lock file. Creates `dir` if needed.
 */
export function acquireLock(dir: string, options: LockOptions = {}): Lock {
  const path = join(dir, options.name ?? LOCK_FILE_NAME);
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  mkdirSync(dir, { recursive: true });
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeNewFile(path, `${pid}\n`);
      return { path, pid };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLockPid(path);
    if (holder === 'gone') continue;
    if (holder === null) {
      throw new PipelineError(
        'locked',
        `lock file ${path} exists but does not contain a process id; remove it if no refit is running`,
      );
    }
    if (isAlive(holder)) {
      throw new PipelineError(
        'locked',
        `another refit (pid ${holder}) is writing to ${dir}: lock file ${path} is held; wait for it or remove the lock if that process is not a refit`,
      );
    }
    removeQuietly(path);
  }
  throw new PipelineError(
    'locked',
    `lock file ${path} was taken by another refit while a stale lock was removed`,
  );
}

/** Removes the lock file if it still holds this lock's pid (a lock taken over by another run is left alone). */
export function releaseLock(lock: Lock): void {
  const holder = readLockPid(lock.path);
  if (holder === lock.pid) rmSync(lock.path, { force: true });
}
