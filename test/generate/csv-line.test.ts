import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../pipeline/generate/csv-line.ts';

describe('csvLine', () => {
  it('csvLine(fields) quotes only fields with a comma, quote or line break', () => {
    expect(csvLine(['a', '1,5', 'say "hi"', ''])).toBe('a,"1,5","say ""hi""",');
  });

  it('csvLine(fields) round-trips through csv-parse', () => {
    const fields = ['x', 'a,b', '"q"', 'line\nbreak', '', '-1e999'];
    expect(parse(`${csvLine(fields)}\n`)).toEqual([fields]);
  });
});
