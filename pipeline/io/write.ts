/**
 * The only module that writes files. Published files are written atomically (temp file in the
 * same directory, fsync, rename), and a set of files is published as one transaction:
 *
 *   1 stage     every new file is written to a temp beside its target and fsynced; every target
 *               that already exists gets a hard-linked backup (`.name.<pid>.<n>.bak`)
 *   2 journal   `.capfit-publish.json` (written atomically) lists temp, target, backup and hash
 *   3 rename    temps over targets, manifest last
 *   4 commit    the journal is removed (the commit point), then the backups
 *
 * A run killed before the journal exists leaves only temps and backups under non-published names;
 * a run killed after it leaves the journal, and the next writer (`acquireLock`, `publishFiles`)
 * rolls the set back to what was published before (`recoverPublish`). Leftover temps and backups
 * of dead processes are swept. One refit at a time holds an exclusive lock file in the output
 * directory.
 */

import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, normalize, relative, sep } from 'node:path';
import { PipelineError } from '../util/errors.ts';

/**
 * Lower-case hex SHA-256 of a string (hashed as UTF-8) or bytes.
 * @example sha256('') // 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
 */
export function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

let tempCounter = 0;

/** A temp (or backup) name next to `path`, unique within this process and across live processes. */
function tempPathFor(path: string, suffix: 'tmp' | 'bak' = 'tmp'): string {
  tempCounter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.${suffix}`);
}

/** `.name.<pid>.<n>.tmp|bak`: the names `tempPathFor` makes; group 1 is the writer's pid. */
const TEMP_NAME = /^\..+\.(\d+)\.\d+\.(?:tmp|bak)$/;

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
  /** `sha256(content)` when the caller already has it (a manifest lists it), so it is not hashed twice. */
  readonly sha256?: string;
}

export interface PublishedFile {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A point in a publish, reported to `PublishOptions.onStep` (tests kill the process here). */
export type PublishStep =
  | { readonly phase: 'staged' }
  | { readonly phase: 'journal' }
  | { readonly phase: 'renamed'; readonly name: string }
  | { readonly phase: 'committed' };

export interface PublishOptions {
  /**
   * Base names renamed after every other file, in this order (readers that see the manifest see
   * everything it lists).
   * @default ['manifest.json']
   */
  readonly last?: readonly string[];
  /** Called after each step of the transaction, synchronously. */
  readonly onStep?: (step: PublishStep) => void;
}

export const DEFAULT_PUBLISH_LAST: readonly string[] = ['manifest.json'];

/** Base name of the publish journal `publishFiles` keeps in the publish directory while renaming. */
export const PUBLISH_JOURNAL_NAME = '.capfit-publish.json';

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

/** One journal entry; paths are relative to the publish directory. */
interface JournalEntry {
  readonly target: string;
  readonly temp: string;
  /** Hard link to the file the target held before, or null when there was none. */
  readonly backup: string | null;
  /** SHA-256 of the new content. */
  readonly sha256: string;
}

interface Journal {
  readonly pid: number;
  readonly entries: readonly JournalEntry[];
}

/** What `recoverPublish` found and did. */
export interface RecoveryResult {
  /** True when an interrupted publish was found and rolled back. */
  readonly rolledBack: boolean;
  /** Published names restored to their previous content or removed (they did not exist before). */
  readonly restored: readonly string[];
  /** Leftover temp and backup files of dead processes that were deleted. */
  readonly swept: readonly string[];
}

function fileSha256(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    return null;
  }
}

function parseJournal(path: string): Journal {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PipelineError(
      'publish',
      `publish journal ${path} is unreadable (${(err as Error).message}); check the published files and remove it`,
    );
  }
  const j = raw as Partial<Journal> | null;
  const ok =
    j !== null &&
    typeof j === 'object' &&
    typeof j.pid === 'number' &&
    Array.isArray(j.entries) &&
    j.entries.every(
      (e) =>
        e !== null &&
        typeof e === 'object' &&
        typeof e.target === 'string' &&
        typeof e.temp === 'string' &&
        (e.backup === null || typeof e.backup === 'string') &&
        typeof e.sha256 === 'string',
    );
  if (!ok) {
    throw new PipelineError(
      'publish',
      `publish journal ${path} does not list temp, target, backup and sha256 for each file; check the published files and remove it`,
    );
  }
  return j as Journal;
}

/** Deletes `.name.<pid>.<n>.tmp|bak` files of processes that are no longer running, in `dirs`. */
function sweepLeftovers(dirs: Iterable<string>, isAlive: (pid: number) => boolean): string[] {
  const swept: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      const m = TEMP_NAME.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || isAlive(pid)) continue;
      removeQuietly(join(d, name));
      swept.push(join(d, name));
    }
  }
  return swept;
}

/**
 * `recoverPublish(dir)` undoes a publish into `dir` that was interrupted after its journal was
 * written: every target already renamed gets its backup back (or is removed when it did not exist
 * before), remaining temps and backups are deleted, then the journal. Idempotent, so a crash during
 * recovery is recovered by the next call. Then deletes leftover temps and backups of dead
 * processes in the directories the journal named. Refuses (PipelineError) while the journal's
 * writer is still running. Callers hold the lock (`acquireLock` calls it).
 */
export function recoverPublish(
  dir: string,
  options: { readonly isAlive?: (pid: number) => boolean } = {},
): RecoveryResult {
  const isAlive = options.isAlive ?? isProcessAlive;
  const journalPath = join(dir, PUBLISH_JOURNAL_NAME);
  const dirs = new Set<string>([dir]);
  const restored: string[] = [];
  let rolledBack = false;
  if (existsSync(journalPath)) {
    const journal = parseJournal(journalPath);
    if (journal.pid !== process.pid && isAlive(journal.pid)) {
      throw new PipelineError(
        'locked',
        `a publish into ${dir} by pid ${journal.pid} is in progress (journal ${journalPath})`,
      );
    }
    for (const e of [...journal.entries].reverse()) {
      const target = resolveName(dir, e.target);
      const temp = resolveName(dir, e.temp);
      const backup = e.backup === null ? null : resolveName(dir, e.backup);
      dirs.add(dirname(target));
      if (existsSync(temp)) {
        // Never renamed: the target still holds the previous content.
        removeQuietly(temp);
        if (backup !== null) removeQuietly(backup);
        continue;
      }
      if (backup !== null) {
        // Renamed and not yet restored while the backup exists.
        if (existsSync(backup)) {
          renameSync(backup, target);
          restored.push(e.target);
        }
      } else if (fileSha256(target) === e.sha256) {
        // Renamed, and the target did not exist before this publish.
        removeQuietly(target);
        restored.push(e.target);
      }
    }
    for (const d of dirs) fsyncDirectory(d);
    removeQuietly(journalPath);
    fsyncDirectory(dir);
    rolledBack = true;
  }
  const swept = sweepLeftovers(dirs, isAlive);
  return { rolledBack, restored: restored.reverse(), swept };
}

/**
 * Publishes a set of files under `dir` as one transaction (see the module comment): temps and
 * backups first, then the journal, then the renames in `publishOrder` (manifest last), then the
 * journal is removed. An interrupted publish left in `dir` is rolled back first and stale temps of
 * dead processes in the target directories are swept. When a rename fails the set is rolled back
 * to its previous content and the error is rethrown: readers never see a mix of two sets once the
 * call returns or throws.
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
  const staged: {
    name: string;
    path: string;
    temp: string;
    backup: string | null;
    hash: string;
    content: string | Uint8Array;
  }[] = [];
  for (const name of order) {
    const path = resolveName(dir, name);
    const file = byName.get(name)!;
    const { content } = file;
    staged.push({
      name,
      path,
      temp: tempPathFor(path),
      backup: null,
      hash: file.sha256 ?? sha256(content),
      content,
    });
  }
  recoverPublish(dir);
  sweepLeftovers(new Set(staged.map((s) => dirname(s.path))), isProcessAlive);

  const step = options.onStep ?? (() => undefined);
  const rel = (p: string) => relative(dir, p).split(sep).join('/');
  const journalPath = join(dir, PUBLISH_JOURNAL_NAME);
  const pending = new Set<string>();
  const renamed: (typeof staged)[number][] = [];
  try {
    // 1. Stage: temps (fsynced) and hard-linked backups of what is published now.
    for (const s of staged) {
      mkdirSync(dirname(s.path), { recursive: true });
      pending.add(s.temp);
      writeNewFile(s.temp, s.content);
      if (existsSync(s.path)) {
        const backup = tempPathFor(s.path, 'bak');
        pending.add(backup);
        linkSync(s.path, backup);
        s.backup = backup;
      }
    }
    for (const d of new Set(staged.map((s) => dirname(s.path)))) fsyncDirectory(d);
    step({ phase: 'staged' });
    // 2. Journal: from here on a crash is rolled back by the next writer.
    const journal: Journal = {
      pid: process.pid,
      entries: staged.map((s) => ({
        target: rel(s.path),
        temp: rel(s.temp),
        backup: s.backup === null ? null : rel(s.backup),
        sha256: s.hash,
      })),
    };
    writeFileAtomic(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
    step({ phase: 'journal' });
    // 3. Renames, manifest last.
    for (const s of staged) {
      renameSync(s.temp, s.path);
      pending.delete(s.temp);
      renamed.push(s);
      step({ phase: 'renamed', name: s.name });
    }
    for (const d of new Set(staged.map((s) => dirname(s.path)))) fsyncDirectory(d);
  } catch (err) {
    // Roll back what was renamed, newest first, then drop temps, backups and the journal.
    for (const s of renamed.reverse()) {
      if (s.backup !== null) {
        renameSync(s.backup, s.path);
        pending.delete(s.backup);
      } else removeQuietly(s.path);
    }
    for (const p of pending) removeQuietly(p);
    removeQuietly(journalPath);
    throw err;
  }
  // 4. Commit: the journal goes first, then the backups.
  removeQuietly(journalPath);
  fsyncDirectory(dir);
  for (const s of staged) if (s.backup !== null) removeQuietly(s.backup);
  step({ phase: 'committed' });
  return staged.map((s) => ({
    name: s.name,
    path: s.path,
    sha256: s.hash,
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
 * Creates `path` holding `content` only if it does not exist, with the content already in place
 * when the name appears (written to a temp, then hard-linked): a reader never sees it empty.
 * Throws an `EEXIST` error when the name is taken.
 */
function createExclusive(path: string, content: string): void {
  const temp = tempPathFor(path);
  writeNewFile(temp, content);
  try {
    linkSync(temp, path);
  } finally {
    removeQuietly(temp);
  }
}

/**
 * Removes the lock at `path` if it still names the dead process `stale`. A guard file
 * (`<lock>.takeover`, created exclusively) makes the re-read and the removal one step, so two
 * runs that both found the same stale lock cannot remove each other's fresh lock.
 */
function removeStaleLock(path: string, stale: number, pid: number, isAlive: (p: number) => boolean): void {
  const guard = `${path}.takeover`;
  try {
    createExclusive(guard, `${pid}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = readLockPid(guard);
    if (holder === 'gone') return; // the other run finished its takeover; try again
    const alive = holder !== null && isAlive(holder);
    throw new PipelineError(
      'locked',
      alive
        ? `another refit (pid ${holder}) is taking over the stale lock ${path}; try again`
        : `lock guard ${guard} was left by a process that is not running; remove it if no refit is running`,
    );
  }
  try {
    if (readLockPid(path) === stale) removeQuietly(path);
  } finally {
    removeQuietly(guard);
  }
}

/**
 * Takes the exclusive lock for `dir` by creating `dir/.capfit.lock` with the pid inside (created
 * exclusively and never visible empty). A lock left by a process that is no longer running is
 * taken over; a lock held by a running process (or one whose content is not a pid) makes this
 * throw a `PipelineError` naming the lock file. Once held, a publish interrupted in `dir` is rolled
 * back (`recoverPublish`). Creates `dir` if needed.
 */
export function acquireLock(dir: string, options: LockOptions = {}): Lock {
  const path = join(dir, options.name ?? LOCK_FILE_NAME);
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  mkdirSync(dir, { recursive: true });
  // Two attempts: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      createExclusive(path, `${pid}\n`);
      const lock = { path, pid };
      try {
        recoverPublish(dir, { isAlive });
      } catch (err) {
        releaseLock(lock);
        throw err;
      }
      return lock;
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
    removeStaleLock(path, holder, pid, isAlive);
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
