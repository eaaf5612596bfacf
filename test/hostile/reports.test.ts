/**
 * Report and figure escaping: a refit over test/fixtures/hostile/names/ (model and backend names
 * with `|`, backticks, `<script>` and a newline) must give a refit.md whose Markdown tables stay
 * rectangular, with no raw HTML from a name, and SVG figures with no `<script>` element.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refit } from '../../pipeline/refit.ts';
import { HOSTILE_FIXTURES } from './harness.ts';

const CONFIG = join(HOSTILE_FIXTURES, 'names.config.yaml');

let out: string;
let report: string;
let svgs: Map<string, string>;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'capfit-report-'));
  const outcome = await refit({ configPath: CONFIG, outDir: out });
  expect(outcome.written).toBe('published');
  report = readFileSync(join(out, 'reports', 'refit.md'), 'utf8');
  const dir = join(out, 'reports', 'figures');
  svgs = new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')] as const));
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Cells of a Markdown table row: split on `|` not escaped by a backslash. */
function cellCount(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') n++;
  }
  return n - 1;
}

/** Every Markdown table of `md`: runs of consecutive lines that start with `|`. */
function tables(md: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) current.push(line);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

describe('refit.md with hostile names', () => {
  it('every table row has as many cells as its header', () => {
    const all = tables(report);
    expect(all.length).toBeGreaterThan(10);
    for (const table of all) {
      const width = cellCount(table[0]!);
      expect(table[1], table[0]).toMatch(/^\|(?: :?-{3,}:? \|)+$/);
      for (const line of table) expect(cellCount(line), line).toBe(width);
    }
  });

  it('names with | appear escaped inside a cell, never as a column break', () => {
    expect(report).toContain('| a\\|b | c | FP16 | 100 |');
    expect(report).toContain('| a | b\\|c | FP16 | 200 |');
  });

  it('no raw <script> and no code span opened by a name', () => {
    expect(report).not.toMatch(/<script/i);
    expect(report).toContain('&lt;script&gt;alert(1)');
    expect(report).toContain('\\`tick\\`');
    expect(report).not.toMatch(/(?<!\\)`tick/);
  });

  it('a name holding a newline never splits a report line', () => {
    expect(report).not.toContain('two\nlines');
    expect(report).toContain('names/throughput.csv:17: model name contains control characters');
  });
});

describe('SVG figures with hostile names', () => {
  it('no figure contains a <script> element, and the name reaches a figure escaped', () => {
    expect(svgs.size).toBeGreaterThan(0);
    for (const [name, svg] of svgs) {
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg, name).not.toMatch(/<script/i);
      expect(svg, name).not.toMatch(/\son[a-z]+\s*=/i);
    }
    const withName = [...svgs.values()].filter((s) => s.includes('&lt;script&gt;x'));
    expect(withName.length).toBeGreaterThan(0);
  });
});
