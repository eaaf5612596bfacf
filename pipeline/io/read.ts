/**
 * The only module that reads input files: expands a source path or glob relative to the config's
 * folder, opens files as streams or text, and hashes them. A path that does not exist and a glob
 * that matches nothing are configuration errors (`PipelineError`, exit 2) naming the path; a file
 * that exists but cannot be parsed is the caller's business (an `unparseable_file` issue).
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { glob, isDynamicPattern } from 'tinyglobby';
import { PipelineError } from '../util/errors.ts';

/** One file a source pattern expanded to. */
export interface MatchedFile {
  /** Absolute path on disk. */
  readonly path: string;
  /** Path relative to the base folder with `/` separators (how reports and issues name it). */
  readonly label: string;
}

/**
 * `labelFor(path, baseDir)` is `path` relative to `baseDir` with `/` separators, so labels are the
 * same on every platform.
 * @example labelFor('/repo/datasets/a.csv', '/repo') // 'datasets/a.csv'
 */
export function labelFor(path: string, baseDir: string): string {
  const rel = relative(baseDir, path);
  return rel.split(sep).join('/');
}

/**
 * `expandSource(pattern, baseDir)` lists the files a config path or glob names, sorted by label.
 * A literal path must exist and be a file; a glob must match at least one file.
 * @example await expandSource('datasets/corpus/*.csv', '/repo') // [{ path: '/repo/datasets/corpus/cost.csv', label: 'datasets/corpus/cost.csv' }, ...]
 */
export async function expandSource(pattern: string, baseDir: string): Promise<MatchedFile[]> {
  const base = resolve(baseDir);
  if (!isDynamicPattern(pattern)) {
    const path = isAbsolute(pattern) ? pattern : resolve(base, pattern);
    await requireFile(path, pattern);
    return [{ path, label: isAbsolute(pattern) ? pattern : labelFor(path, base) }];
  }
  const matches = await glob(pattern, { cwd: base, absolute: true, onlyFiles: true, dot: false });
  if (matches.length === 0) {
    throw new PipelineError('input', `source pattern ${pattern} matches no file under ${base}`);
  }
  return matches
    .map((path) => ({ path, label: labelFor(path, base) }))
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** Throws `PipelineError('input')` unless `path` exists and is a regular file. */
async function requireFile(path: string, shownAs: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(path)).isFile();
  } catch {
    throw new PipelineError('input', `input file not found: ${shownAs} (looked for ${path})`);
  }
  if (!isFile) throw new PipelineError('input', `input path is not a file: ${shownAs} (${path})`);
}

/** `fileExists(path)` is true when `path` is an existing regular file. */
export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `fileSize(path)` is the size in bytes of an existing file (0 when it cannot be read). */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Opens `path` as a byte stream (for the streaming CSV parser). */
export function openStream(path: string): Readable {
  return createReadStream(path);
}

/**
 * `readText(path)` returns the file as UTF-8 text; a missing file is a `PipelineError` naming it.
 * @example await readText('/repo/refit.config.yaml')
 */
export async function readText(path: string): Promise<string> {
  await requireFile(path, path);
  return readFile(path, 'utf8');
}

/**
 * `sha256File(path)` is the lowercase hex SHA-256 of the file's bytes, streamed so large inputs
 * are never held in memory.
 */
export async function sha256File(path: string): Promise<string> {
  await requireFile(path, path);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
