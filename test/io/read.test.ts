import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expandSource,
  fileExists,
  labelFor,
  openStream,
  readText,
  sha256File,
} from '../../pipeline/io/read.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capfit-read-'));
  await mkdir(join(dir, 'data', 'nested'), { recursive: true });
  await writeFile(join(dir, 'data', 'b.csv'), 'x\n2\n');
  await writeFile(join(dir, 'data', 'a.csv'), 'x\n1\n');
  await writeFile(join(dir, 'data', 'nested', 'c.csv'), 'x\n3\n');
  await writeFile(join(dir, 'hello.txt'), 'hello\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('expandSource', () => {
  it('expandSource(literal, base) returns the one file with a base-relative label', async () => {
    const files = await expandSource('data/a.csv', dir);
    expect(files).toEqual([{ path: join(dir, 'data', 'a.csv'), label: 'data/a.csv' }]);
  });

  it('expandSource(glob, base) returns every match sorted by label', async () => {
    const files = await expandSource('data/**/*.csv', dir);
    expect(files.map((f) => f.label)).toEqual(['data/a.csv', 'data/b.csv', 'data/nested/c.csv']);
  });

  it('expandSource(glob matching nothing) is a PipelineError (exit 2) naming the pattern', async () => {
    const err = await expandSource('data/*.parquet', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).exitCode).toBe(2);
    expect((err as PipelineError).message).toContain('data/*.parquet');
  });

  it('expandSource(missing file) is a PipelineError naming the path', async () => {
    const err = await expandSource('data/missing.csv', dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).message).toContain('data/missing.csv');
  });

  it('expandSource(a folder) is a PipelineError: sources are files', async () => {
    await expect(expandSource('data', dir)).rejects.toThrow(/not a file/);
  });
});

describe('readText / openStream / sha256File', () => {
  it('readText(path) returns the UTF-8 content', async () => {
    expect(await readText(join(dir, 'hello.txt'))).toBe('hello\n');
  });

  it('readText(missing) is a PipelineError naming the path', async () => {
    await expect(readText(join(dir, 'nope.txt'))).rejects.toThrow(/nope\.txt/);
  });

  it('openStream(path) streams the bytes', async () => {
    const chunks: Buffer[] = [];
    for await (const c of openStream(join(dir, 'hello.txt'))) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello\n');
  });

  it('sha256File(path) is the SHA-256 of the bytes (known digest of "hello\\n")', async () => {
    expect(await sha256File(join(dir, 'hello.txt'))).toBe(
      '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
    );
  });

  it('fileExists(path) is true for a file and false for a folder or a missing path', async () => {
    expect(await fileExists(join(dir, 'hello.txt'))).toBe(true);
    expect(await fileExists(join(dir, 'data'))).toBe(false);
    expect(await fileExists(join(dir, 'missing'))).toBe(false);
  });

  it('labelFor(path, base) uses / separators relative to base', () => {
    expect(labelFor(join(dir, 'data', 'nested', 'c.csv'), dir)).toBe('data/nested/c.csv');
  });
});
