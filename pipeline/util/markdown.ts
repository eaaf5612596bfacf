/**
 * Markdown building blocks for the reports. Every table cell goes through `escapeCell`, so a name
 * containing `|`, a backtick, `<script>` or a newline cannot break a table or inject HTML; every
 * number goes through `formatNumber`, so figures look the same everywhere.
 */

/**
 * Escapes text for one GitHub-flavoured Markdown table cell: `\` and the inline-markup characters
 * `` ` * _ [ ] | ~ `` get a backslash (a `_` between two letters or digits is left alone: GFM does
 * not read intraword underscores as emphasis, and `Q4_K_M` stays readable), `& < >` become HTML
 * entities, and line breaks become `<br>`. Other control characters become spaces.
 * @example escapeCell('a|b <i>') // 'a\\|b &lt;i&gt;'
 */
export function escapeCell(text: string): string {
  return text
    .replace(/[\\`*[\]|~]/g, (c) => `\\${c}`)
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, '<br>')
    .replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/**
 * Escapes text for running prose (headings, list items): the same rules as `escapeCell`, plus a
 * leading `#`, `-`, `+`, `>` or `1.` is escaped so that the text cannot start a block of its own.
 */
export function escapeText(text: string): string {
  return escapeCell(text).replace(/^(\s*)([#+\-=]|\d+\.)/, (_m, space: string, mark: string) =>
    mark.endsWith('.') ? `${space}${mark.slice(0, -1)}\\.` : `${space}\\${mark}`,
  );
}

/** Default significant digits of `formatNumber`. */
export const DEFAULT_SIGNIFICANT_DIGITS = 4;

/**
 * Formats a number with `digits` significant digits (trailing zeros dropped), switching to
 * exponent notation below 1e-3 or from 1e6 up; integers below 1e6 print exactly. `null`,
 * `undefined` and non-finite values print as an em dash: the report never shows `NaN`.
 * @example formatNumber(0.968123) // '0.9681'
 * @example formatNumber(1234.5678) // '1235'
 */
export function formatNumber(value: number | null | undefined, digits = DEFAULT_SIGNIFICANT_DIGITS): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e6) return String(value);
  if (abs < 1e-3 || abs >= 1e6) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${trimZeros(mantissa!)}e${exponent!}`;
  }
  return trimZeros(value.toPrecision(digits));
}

/**
 * Formats a fraction as a percentage with `digits` significant digits.
 * @example formatPercent(0.0105) // '1.05%'
 */
export function formatPercent(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${formatNumber(value * 100, digits)}%`;
}

function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/\.?0+$/, '');
}

/** Column alignment in a Markdown table. */
export type Align = 'left' | 'right' | 'center';

/** A cell value: strings are escaped, numbers formatted, `null` shown as an em dash. */
export type Cell = string | number | boolean | null | undefined;

/**
 * Renders a GitHub-flavoured Markdown table. Strings go through `escapeCell`, numbers through
 * `formatNumber`; a row shorter than the header is padded with empty cells. Numeric columns are
 * right-aligned unless `align` says otherwise.
 * @example markdownTable(['model', 'r2'], [['a|b', 0.96812]]) // '| model | r2 |\n| --- | ---: |\n| a\\|b | 0.9681 |\n'
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
  align?: readonly Align[],
): string {
  const resolved = headers.map((_, i) => align?.[i] ?? (isNumericColumn(rows, i) ? 'right' : 'left'));
  const head = `| ${headers.map(escapeCell).join(' | ')} |`;
  const rule = `| ${resolved.map(alignRule).join(' | ')} |`;
  const body = rows.map((row) => `| ${headers.map((_, i) => formatCell(row[i])).join(' | ')} |`);
  return `${[head, rule, ...body].join('\n')}\n`;
}

/** Formats one cell value as `markdownTable` does. */
export function formatCell(value: Cell): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return escapeCell(value);
}

function isNumericColumn(rows: readonly (readonly Cell[])[], i: number): boolean {
  let numbers = 0;
  for (const row of rows) {
    const v = row[i];
    if (typeof v === 'number') numbers++;
    else if (v !== null && v !== undefined) return false;
  }
  return numbers > 0;
}

function alignRule(align: Align): string {
  if (align === 'right') return '---:';
  if (align === 'center') return ':---:';
  return '---';
}
