import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeLinesAtomic } from '../../pipeline/io/write-stream.ts';

const scratch = mkdtempSync(join(tmpdir(), 'capfit-write-stream-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('writeLinesAtomic', () => {
  it('writeLinesAtomic(path, lines) writes each line with a newline and reports lines and bytes', async () => {
    const path = join(scratch, 'nested', 'dir', 'a.csv');
    const written = await writeLinesAtomic(path, ['x,y', '1,2', 'é,3']);
    expect(readFileSync(path, 'utf8')).toBe('x,y\n1,2\né,3\n');
    expect(written).toEqual({ path, lines: 3, bytes: Buffer.byteLength('x,y\n1,2\né,3\n') });
  });

  it('writeLinesAtomic(path, lines, { eol: "" }) writes text verbatim and replaces an existing file', async () => {
    const path = join(scratch, 'b.txt');
    writeFileSync(path, 'old content');
    await writeLinesAtomic(path, ['new'], { eol: '' });
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('writeLinesAtomic streams a generator through small chunks with backpressure, byte for byte', async () => {
    const path = join(scratch, 'big.csv');
    function* lines(): Generator<string> {
      for (let i = 0; i < 200_000; i++) yield `${i},${'x'.repeat(i % 50)}`;
    }
    const written = await writeLinesAtomic(path, lines(), { chunkBytes: 4096 });
    const expected = `${[...lines()].join('\n')}\n`;
    expect(written.lines).toBe(200_000);
    expect(written.bytes).toBe(Buffer.byteLength(expected));
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });

  it('writeLinesAtomic leaves the old file and no temp file behind when the lines throw', async () => {
    const path = join(scratch, 'keep.csv');
    writeFileSync(path, 'keep me\n');
    function* failing(): Generator<string> {
      yield 'partial';
      throw new Error('source broke');
    }
    await expect(writeLinesAtomic(path, failing(), { chunkBytes: 1 })).rejects.toThrow('source broke');
    expect(readFileSync(path, 'utf8')).toBe('keep me\n');
    expect(readdirSync(scratch).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writeLinesAtomic rejects when the target directory cannot be created', async () => {
    const blocker = join(scratch, 'file-not-dir');
    writeFileSync(blocker, '');
    await expect(writeLinesAtomic(join(blocker, 'x.csv'), ['a'])).rejects.toThrow();
    expect(existsSync(join(blocker, 'x.csv'))).toBe(false);
  });
});
