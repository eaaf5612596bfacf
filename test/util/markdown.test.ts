import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNIFICANT_DIGITS,
  escapeCell,
  escapeText,
  formatNumber,
  formatPercent,
  markdownTable,
} from '../../pipeline/util/markdown.ts';

/** Splits a GFM table row on the pipes that delimit cells (a pipe after an odd run of backslashes is content). */
function cells(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let backslashes = 0;
  for (const ch of line.slice(1, -1)) {
    if (ch === '|' && backslashes % 2 === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
    backslashes = ch === '\\' ? backslashes + 1 : 0;
  }
  out.push(current.trim());
  return out;
}

const HOSTILE = [
  'a|b',
  'x`y`',
  '<script>alert(1)</script>',
  'two\nlines',
  'trail\\',
  'a\\|b',
  '*bold*',
  '[l](u)',
];

describe('escapeCell', () => {
  it('escapeCell(text) escapes pipes, backticks and HTML', () => {
    expect(escapeCell('a|b')).toBe('a\\|b');
    expect(escapeCell('x`y`')).toBe('x\\`y\\`');
    expect(escapeCell('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeCell('a & b')).toBe('a &amp; b');
  });

  it('escapeCell(text) turns line breaks into <br> and other control characters into spaces', () => {
    expect(escapeCell('two\nlines\r\nthree\rfour')).toBe('two<br>lines<br>three<br>four');
    expect(escapeCell('tab\there\u0000')).toBe('tab here ');
  });

  it('escapeCell(text) escapes backslashes so an escaped pipe cannot be un-escaped', () => {
    expect(escapeCell('a\\|b')).toBe('a\\\\\\|b');
    expect(escapeCell('trail\\')).toBe('trail\\\\');
  });

  it('escapeCell(text) keeps intraword underscores and escapes emphasis underscores', () => {
    expect(escapeCell('Q4_K_M')).toBe('Q4_K_M');
    expect(escapeCell('_x_')).toBe('\\_x\\_');
  });
});

describe('escapeText', () => {
  it('escapeText(text) stops text from starting a heading, list or numbered item', () => {
    expect(escapeText('# title')).toBe('\\# title');
    expect(escapeText('- item')).toBe('\\- item');
    expect(escapeText('1. first')).toBe('1\\. first');
    expect(escapeText('plain-text')).toBe('plain-text');
  });
});

describe('formatNumber', () => {
  it('formatNumber(x) keeps four significant digits and drops trailing zeros', () => {
    expect(formatNumber(0.968123)).toBe('0.9681');
    expect(formatNumber(1234.5678)).toBe('1235');
    expect(formatNumber(0.95)).toBe('0.95');
    expect(formatNumber(-0.104)).toBe('-0.104');
    expect(formatNumber(146.33095)).toBe('146.3');
  });

  it('formatNumber(x) prints integers exactly and uses exponents only for very small or large values', () => {
    expect(formatNumber(403)).toBe('403');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(0.00009095)).toBe('9.095e-5');
    expect(formatNumber(12345678.9)).toBe('1.235e+7');
  });

  it('formatNumber(x) shows an em dash for null and non-finite values', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('—');
  });

  it('formatNumber(x, digits) honours the digit count and the documented default', () => {
    expect(DEFAULT_SIGNIFICANT_DIGITS).toBe(4);
    expect(formatNumber(0.968123, 3)).toBe('0.968');
  });
});

describe('formatPercent', () => {
  it('formatPercent(fraction) scales by 100', () => {
    expect(formatPercent(0.0105)).toBe('1.05%');
    expect(formatPercent(0.278)).toBe('27.8%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('markdownTable', () => {
  it('markdownTable(headers, rows) right-aligns numeric columns and formats numbers', () => {
    const md = markdownTable(['model', 'r2'], [['llama3.2-1b', 0.96812]]);
    expect(md).toBe('| model | r2 |\n| --- | ---: |\n| llama3.2-1b | 0.9681 |\n');
  });

  it('markdownTable(headers, rows) keeps the column count whatever the cell text', () => {
    const md = markdownTable(
      ['name', 'value', 'note'],
      HOSTILE.map((h) => [h, 1, h]),
    );
    const lines = md.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + HOSTILE.length);
    for (const line of lines) {
      expect(line.startsWith('| ')).toBe(true);
      expect(cells(line)).toHaveLength(3);
    }
    expect(md).not.toContain('<script>');
    expect(md).not.toContain('two\nlines');
  });

  it('markdownTable(headers, rows) pads short rows and renders null and booleans', () => {
    const md = markdownTable(
      ['a', 'b', 'c'],
      [
        ['x', null],
        ['y', true, false],
      ],
      ['left', 'center', 'left'],
    );
    expect(md).toBe('| a | b | c |\n| --- | :---: | --- |\n| x | — | — |\n| y | yes | no |\n');
  });
});
