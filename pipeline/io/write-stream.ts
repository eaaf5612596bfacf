/**
 * Streams lines to a file without holding the file in memory: lines are batched into chunks of
 * about `chunkBytes`, written through `fs.createWriteStream` with backpressure (a full buffer waits
 * for 'drain'), into a temp file next to the target that is fsynced and renamed over it, so readers
 * see the old file or the complete new one. On any failure the temp file is removed.
 */

import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface WriteLinesOptions {
  /**
   * Bytes (UTF-16 code units) gathered before a chunk is handed to the stream.
   * @default DEFAULT_CHUNK_BYTES
   */
  readonly chunkBytes?: number;
  /**
   * Line terminator appended to every line.
   * @default '\n'
   */
  readonly eol?: string;
}

export const DEFAULT_CHUNK_BYTES = 1 << 20;

/** What was written. */
export interface WrittenFile {
  readonly path: string;
  readonly lines: number;
  readonly bytes: number;
}

let tempCounter = 0;

function tempPathFor(path: string): string {
  tempCounter += 1;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tempCounter}.stream.tmp`);
}

/**
 * `writeLinesAtomic(path, lines)` writes each line plus `eol` to `path` atomically (temp, fsync,
 * rename), creating the parent directory. Memory stays at about one chunk whatever the file size.
 * @example await writeLinesAtomic('out/a.csv', ['x,y', '1,2']) // { path: 'out/a.csv', lines: 2, bytes: 8 }
 */
export async function writeLinesAtomic(
  path: string,
  lines: Iterable<string>,
  options: WriteLinesOptions = {},
): Promise<WrittenFile> {
  const chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const eol = options.eol ?? '\n';
  mkdirSync(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', 0o644);
  const stream = createWriteStream(temp, { fd, autoClose: false });
  let count = 0;
  let bytes = 0;
  let closed = false;
  try {
    const failed = once(stream, 'error').then(([err]) => {
      throw err;
    });
    failed.catch(() => {});
    const write = async (chunk: string): Promise<void> => {
      bytes += Buffer.byteLength(chunk, 'utf8');
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
    };
    let chunk = '';
    for (const line of lines) {
      chunk += line + eol;
      count += 1;
      if (chunk.length >= chunkBytes) {
        await write(chunk);
        chunk = '';
      }
    }
    if (chunk.length > 0) await write(chunk);
    stream.end();
    await Promise.race([once(stream, 'finish'), failed]);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, path);
  } catch (err) {
    stream.destroy();
    if (!closed) closeQuietly(fd);
    removeQuietly(temp);
    throw err;
  }
  return { path, lines: count, bytes };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed by the stream.
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
