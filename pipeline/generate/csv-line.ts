/**
 * One CSV record as text (RFC 4180): fields joined by commas, and a field quoted (with inner quotes
 * doubled) only when it contains a comma, a quote, CR or LF.
 */

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * `csvLine(fields)` joins fields into one CSV line without a line terminator.
 * @example csvLine(['a', '1,5', 'say "hi"']) // 'a,"1,5","say ""hi"""'
 */
export function csvLine(fields: readonly string[]): string {
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (i > 0) out += ',';
    out += NEEDS_QUOTES.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
  }
  return out;
}
