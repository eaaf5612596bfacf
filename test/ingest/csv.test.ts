import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../pipeline/ingest/csv.ts';

/** A stream delivering `text` in small chunks, so records straddle chunk boundaries. */
function streamOf(text: string, chunk = 7): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

const values = (t: Awaited<ReturnType<typeof readCsv>>) => t.rows.map((r) => Object.fromEntries(r.values));

describe('readCsv', () => {
  it('readCsv(stream) maps rows by header and reports the line each row ends on', async () => {
    const t = await readCsv(streamOf('model,tok_s\nllama,1.5\nqwen,2\n'), 'x.csv');
    expect(t.header).toEqual(['model', 'tok_s']);
    expect(values(t)).toEqual([
      { model: 'llama', tok_s: '1.5' },
      { model: 'qwen', tok_s: '2' },
    ]);
    expect(t.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(t.read).toBe(2);
    expect(t.issues).toEqual([]);
  });

  it('readCsv reads a run of quoted records (one csv-parse call) at their own lines, then plain ones', async () => {
    const text = 'model,note\nllama,"a, b"\nqwen,"two\nlines"\r\nphi,"x ""y"""\nmistral,plain\n';
    const t = await readCsv(streamOf(text), 'q.csv');
    expect(t.rows.map((r) => [r.line, r.values.get('note')])).toEqual([
      [2, 'a, b'],
      [4, 'two\nlines'],
      [5, 'x "y"'],
      [6, 'plain'],
    ]);
  });

  it('readCsv strips a UTF-8 BOM from the first column name', async () => {
    const t = await readCsv(streamOf('\uFEFFmodel,tok_s\nllama,1\n'), 'x.csv');
    expect(t.header).toEqual(['model', 'tok_s']);
    expect(values(t)).toEqual([{ model: 'llama', tok_s: '1' }]);
  });

  it('readCsv accepts CRLF, LF and CR line endings mixed in one file', async () => {
    const t = await readCsv(streamOf('a,b\r\n1,2\n3,4\r5,6\r\n'), 'x.csv');
    expect(values(t)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ]);
    expect(t.rows.map((r) => r.line)).toEqual([2, 3, 4]);
  });

  it('readCsv keeps a quoted newline inside a field; the row line is where it ends', async () => {
    const t = await readCsv(streamOf('a,note\n1,"two\nlines"\n2,x\n'), 'x.csv');
    expect(values(t)).toEqual([
      { a: '1', note: 'two\nlines' },
      { a: '2', note: 'x' },
    ]);
    expect(t.rows.map((r) => r.line)).toEqual([3, 4]);
  });

  it('readCsv rejects ragged rows as ragged_row at their line and keeps the rest', async () => {
    const t = await readCsv(streamOf('a,b\n1,2\n3\n4,5,6\n7,8\n'), 'r.csv');
    expect(values(t)).toEqual([
      { a: '1', b: '2' },
      { a: '7', b: '8' },
    ]);
    expect(t.issues.map((i) => [i.code, i.line, i.severity, i.source])).toEqual([
      ['ragged_row', 3, 'reject', 'r.csv'],
      ['ragged_row', 4, 'reject', 'r.csv'],
    ]);
    expect(t.read).toBe(4);
  });

  it('readCsv trims values and skips blank lines', async () => {
    const t = await readCsv(streamOf('a , b\n 1 , 2 \n\n3,4\n'), 'x.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(values(t)).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('readCsv(empty file) is one unparseable_file issue and no rows', async () => {
    const t = await readCsv(streamOf(''), 'empty.csv');
    expect(t.rows).toEqual([]);
    expect(t.read).toBe(0);
    expect(t.issues).toEqual([
      {
        source: 'empty.csv',
        line: 0,
        code: 'unparseable_file',
        severity: 'reject',
        message: 'empty file: no header row',
      },
    ]);
  });

  it('readCsv(header only) reads zero rows without issues', async () => {
    const t = await readCsv(streamOf('a,b\n'), 'h.csv');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.rows).toEqual([]);
    expect(t.read).toBe(0);
    expect(t.issues).toEqual([]);
  });

  it('readCsv(unclosed quote) fails the whole file with the line in the message', async () => {
    const t = await readCsv(streamOf('a,b\n1,"open\n2,3\n'), 'q.csv');
    expect(t.rows).toEqual([]);
    expect(t.read).toBe(0);
    expect(t.issues).toHaveLength(1);
    expect(t.issues[0]).toMatchObject({ code: 'unparseable_file', line: 0 });
    expect(t.issues[0]!.message).toMatch(/CSV syntax error at line \d+/);
  });

  it('readCsv(duplicate column names) fails the file naming the column', async () => {
    const t = await readCsv(streamOf('a,b,a\n1,2,3\n'), 'd.csv');
    expect(t.issues[0]).toMatchObject({ code: 'unparseable_file' });
    expect(t.issues[0]!.message).toContain("'a'");
  });

  it('readCsv treats __proto__ as an ordinary column name', async () => {
    const t = await readCsv(streamOf('__proto__,b\nx,1\n'), 'p.csv');
    expect(t.rows[0]!.values.get('__proto__')).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
