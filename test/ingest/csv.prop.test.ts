/**
 * The quote-free fast path of visitCsv must split exactly as csv-parse does with CSV_OPTIONS, for any
 * text and any chunking, and a file whose quotes start part-way must read as csv-parse reads it whole.
 */
import { Readable } from 'node:stream';
import { fc, it } from '@fast-check/vitest';
import { parse } from 'csv-parse/sync';
import { describe, expect } from 'vitest';
import { CSV_OPTIONS, CsvSplitter, type ParsedRecord, readCsv } from '../../pipeline/ingest/csv.ts';

/** What csv-parse makes of the whole text at once: fields and end line per record. */
function reference(text: string): [string[], number][] {
  const records = parse(text, CSV_OPTIONS as never) as unknown as ParsedRecord[];
  return records.map((r) => [r.fields, r.line]);
}

/** `text` cut at the given byte offsets, as Buffers (a multi-byte character may be cut in two). */
function chunksOf(text: string, cuts: readonly number[]): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    if (c > prev) out.push(bytes.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  return out;
}

const plainText = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.constantFrom('a', 'bc', ',', ' ', '\t', '\n', '\r', '\r\n', 'é', '€', '1.5'), {
      maxLength: 60,
    }),
  )
  .map(([bom, parts]) => (bom ? '\uFEFF' : '') + parts.join(''));

describe('CsvSplitter', () => {
  it.prop([plainText, fc.array(fc.nat(), { maxLength: 8 })], { numRuns: 500 })(
    'splits quote-free text into the records and lines csv-parse gives, however it is chunked',
    (text, cuts) => {
      const got: [string[], number][] = [];
      const lines = new CsvSplitter((fields: string[], line: number) => got.push([fields, line]));
      const pieces = chunksOf(text, cuts).map((b) => b.toString('latin1'));
      // Chunk at character boundaries here (decoding is visitCsv's job), by re-cutting the text.
      const strings: string[] = [];
      let pos = 0;
      for (const p of pieces) {
        const len = Math.min(p.length, text.length - pos);
        strings.push(text.slice(pos, pos + len));
        pos += len;
      }
      if (pos < text.length) strings.push(text.slice(pos));
      for (let i = 0; i < strings.length; i++) lines.push(strings[i]!, i === strings.length - 1);
      if (strings.length === 0) lines.push('', true);
      expect(got).toEqual(reference(text));
    },
  );
});

const quotedText = fc
  .tuple(
    plainText,
    fc.array(
      fc.constantFrom(
        'a',
        ',',
        '\n',
        '\r',
        '\r\n',
        '"',
        '"x"',
        '"a,b"',
        '"two\nlines"',
        '"c\r\nd"',
        '""',
        'é',
      ),
      {
        maxLength: 30,
      },
    ),
  )
  .map(([plain, quoted]) => plain + quoted.join(''));

describe('visitCsv', () => {
  it.prop([fc.oneof(plainText, quotedText), fc.array(fc.nat(), { maxLength: 8 })], { numRuns: 400 })(
    'reads any text in any chunking as csv-parse reads it whole (rows, lines, ragged rows, syntax errors)',
    async (text, cuts) => {
      const got = await readCsv(Readable.from(chunksOf(text, cuts)), 'p.csv');
      let records: [string[], number][];
      try {
        records = reference(text);
      } catch {
        expect(got.issues.map((i) => i.code)).toEqual(['unparseable_file']);
        return;
      }
      if (records.length === 0) {
        expect(got.issues.map((i) => i.code)).toEqual(['unparseable_file']);
        return;
      }
      const header = records[0]![0].map((h) => h.trim());
      if (new Set(header).size !== header.length) {
        expect(got.issues.map((i) => i.message)).toEqual([expect.stringMatching(/duplicate column name/)]);
        return;
      }
      const data = records.slice(1);
      expect(got.header).toEqual(header);
      expect(got.read).toBe(data.length);
      expect(got.rows.map((r) => [[...r.values].map(([, v]) => v), r.line])).toEqual(
        data.filter(([f]) => f.length === header.length).map(([f, line]) => [f.map((v) => v.trim()), line]),
      );
      expect(got.issues.map((i) => [i.code, i.line])).toEqual(
        data.filter(([f]) => f.length !== header.length).map(([, line]) => ['ragged_row', line]),
      );
    },
  );

  it('a syntax error after a quote-free start is reported as csv-parse reports it on the whole file', async () => {
    const whole = await readCsv(Readable.from([Buffer.from('a,b\n1,2\n3,4\n5,"unclosed\n6,7\n')]), 'e.csv');
    const split = await readCsv(
      Readable.from([Buffer.from('a,b\n1,2\n3,4\n'), Buffer.from('5,"unclosed\n6,7\n')]),
      'e.csv',
    );
    expect(whole.issues).toHaveLength(1);
    expect(whole.issues[0]!.message).toMatch(/^CSV syntax error at line 5: Quote Not Closed.*line 5$/);
    expect(split.issues).toEqual(whole.issues);
  });
});
