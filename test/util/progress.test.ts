import { describe, expect, it } from 'vitest';
import {
  createProgress,
  DEFAULT_REDRAW_INTERVAL_MS,
  isInteractive,
  type ProgressStream,
  rowsPerSecond,
  summaryLine,
} from '../../pipeline/util/progress.ts';

function fakeStream(isTTY: boolean): ProgressStream & { chunks: string[] } {
  const chunks: string[] = [];
  return {
    isTTY,
    chunks,
    write(text: string) {
      chunks.push(text);
      return true;
    },
  };
}

function fakeClock(): { clock: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { clock: () => t, advance: (ms) => (t += ms) };
}

describe('isInteractive', () => {
  it('isInteractive(stream, env) needs a TTY and CI unset', () => {
    expect(isInteractive({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(isInteractive({ write: () => true, isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isInteractive({ write: () => true, isTTY: true }, { CI: '1' })).toBe(false);
    expect(isInteractive({ write: () => true, isTTY: true }, { CI: '' })).toBe(true);
    expect(isInteractive({ write: () => true, isTTY: true }, { CI: 'false' })).toBe(true);
    expect(isInteractive({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(isInteractive({ write: () => true }, {})).toBe(false);
  });
});

describe('rowsPerSecond', () => {
  it('rowsPerSecond(rows, ms) divides by seconds and is 0 for no elapsed time', () => {
    expect(rowsPerSecond(5000, 250)).toBeCloseTo(20000, 6);
    expect(rowsPerSecond(10, 0)).toBe(0);
  });
});

describe('summaryLine', () => {
  it('summaryLine(stages) lists rows and rates per stage and the total time', () => {
    expect(
      summaryLine([
        { name: 'ingest', rows: 2000, ms: 100 },
        { name: 'fit', rows: 0, ms: 50 },
      ]),
    ).toBe('ingest 2000 rows 20k rows/s; fit 0.05 s; total 0.15 s');
  });
});

describe('createProgress', () => {
  it('createProgress piped prints nothing until done, then one summary line', () => {
    const stream = fakeStream(false);
    const { clock, advance } = fakeClock();
    const p = createProgress({ stream, env: {}, clock });
    p.stage('ingest');
    p.tick(500);
    advance(50);
    p.tick(500);
    expect(stream.chunks).toEqual([]);
    p.stage('fit');
    advance(20);
    const stages = p.done();
    expect(stream.chunks).toEqual(['ingest 1000 rows 20k rows/s; fit 0.02 s; total 0.07 s\n']);
    expect(stages.map((s) => s.name)).toEqual(['ingest', 'fit']);
    expect(stream.chunks.join('')).not.toContain('\r');
  });

  it('createProgress adds a stage entered again to its first entry (rows and time)', () => {
    const stream = fakeStream(false);
    const { clock, advance } = fakeClock();
    const p = createProgress({ stream, env: {}, clock });
    p.stage('emit');
    advance(30);
    p.stage('validate');
    p.tick(100);
    advance(10);
    p.stage('emit');
    p.tick(4);
    advance(20);
    const stages = p.done();
    expect(stages).toEqual([
      { name: 'emit', rows: 4, ms: 50 },
      { name: 'validate', rows: 100, ms: 10 },
    ]);
  });

  it('createProgress on a TTY with CI set behaves like a pipe', () => {
    const stream = fakeStream(true);
    const p = createProgress({ stream, env: { CI: 'true' }, clock: fakeClock().clock });
    p.stage('ingest');
    p.tick(10);
    p.done();
    expect(stream.chunks).toHaveLength(1);
    expect(stream.chunks[0]).not.toContain('\r');
  });

  it('createProgress on an interactive TTY redraws with \\r, throttled, and ends the line', () => {
    const stream = fakeStream(true);
    const { clock, advance } = fakeClock();
    const p = createProgress({ stream, env: {}, clock });
    p.stage('ingest');
    const afterStage = stream.chunks.length;
    p.tick(100); // within the redraw interval: no redraw
    expect(stream.chunks.length).toBe(afterStage);
    advance(DEFAULT_REDRAW_INTERVAL_MS);
    p.tick(100);
    expect(stream.chunks.length).toBe(afterStage + 1);
    expect(stream.chunks.at(-1)).toMatch(/^\r\u001b\[Kingest: 200 rows \(2k rows\/s\)$/);
    p.done();
    expect(stream.chunks.at(-1)).toBe('\n');
    expect(stream.chunks.every((c) => c === '\n' || c.startsWith('\r'))).toBe(true);
  });

  it('createProgress done() twice writes the summary once', () => {
    const stream = fakeStream(false);
    const p = createProgress({ stream, env: {}, clock: fakeClock().clock });
    p.stage('x');
    p.done();
    p.done();
    p.tick(5);
    expect(stream.chunks).toHaveLength(1);
  });
});
