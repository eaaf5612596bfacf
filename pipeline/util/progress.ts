/**
 * Progress on stderr. On an interactive terminal (a TTY with `CI` unset) the current stage and its
 * rows/s are redrawn in place with `\r`; anywhere else (piped, CI logs) nothing is printed until
 * `done()`, which writes one summary line. Stream, environment and clock are parameters, so the
 * module itself touches no process state.
 */

/** The part of a writable stream progress needs (`process.stderr` fits). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

export interface ProgressOptions {
  readonly stream: ProgressStream;
  /** Environment variables; only `CI` is read. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Milliseconds from an arbitrary origin (only differences are used).
   * @default performance.now
   */
  readonly clock?: () => number;
  /**
   * Minimum milliseconds between two redraws on a TTY.
   * @default 100
   */
  readonly redrawIntervalMs?: number;
}

export const DEFAULT_REDRAW_INTERVAL_MS = 100;

export interface StageSummary {
  readonly name: string;
  readonly rows: number;
  readonly ms: number;
}

export interface Progress {
  /** Starts a stage, closing the previous one; a stage entered again adds to its first entry. */
  stage(name: string): void;
  /** Adds `rows` processed rows to the current stage. */
  tick(rows: number): void;
  /** Closes the last stage and prints the summary line (non-interactive) or ends the redraw line. */
  done(): readonly StageSummary[];
}

/**
 * True when progress may redraw in place: the stream is a TTY and `CI` is unset (an empty
 * string, `0` or `false` count as unset).
 */
export function isInteractive(
  stream: ProgressStream,
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const ci = env.CI;
  const ciSet = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return stream.isTTY === true && !ciSet;
}

/**
 * Rows per second, `rows / (ms / 1000)`; 0 when no time has passed.
 * @example rowsPerSecond(5000, 250) // 20000
 */
export function rowsPerSecond(rows: number, ms: number): number {
  return ms > 0 ? (rows * 1000) / ms : 0;
}

/** Creates a progress reporter writing to `options.stream`. */
export function createProgress(options: ProgressOptions): Progress {
  const { stream } = options;
  const clock = options.clock ?? (() => performance.now());
  const interval = options.redrawIntervalMs ?? DEFAULT_REDRAW_INTERVAL_MS;
  const interactive = isInteractive(stream, options.env);
  const stages: StageSummary[] = [];
  let current: { name: string; rows: number; start: number } | null = null;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let drawn = false;
  let finished = false;

  const draw = (force: boolean): void => {
    if (!interactive || current === null) return;
    const now = clock();
    if (!force && now - lastDraw < interval) return;
    lastDraw = now;
    drawn = true;
    const ms = now - current.start;
    stream.write(
      `\r\u001b[K${current.name}: ${current.rows} rows (${formatRate(rowsPerSecond(current.rows, ms))})`,
    );
  };

  const close = (): void => {
    if (current === null) return;
    draw(true);
    const ms = clock() - current.start;
    const at = stages.findIndex((s) => s.name === current!.name);
    if (at < 0) stages.push({ name: current.name, rows: current.rows, ms });
    else stages[at] = { name: current.name, rows: stages[at]!.rows + current.rows, ms: stages[at]!.ms + ms };
    current = null;
  };

  return {
    stage(name) {
      if (finished) return;
      close();
      current = { name, rows: 0, start: clock() };
      draw(true);
    },
    tick(rows) {
      if (finished || current === null) return;
      current.rows += rows;
      draw(false);
    },
    done() {
      if (finished) return stages;
      close();
      finished = true;
      if (interactive) {
        if (drawn) stream.write('\n');
      } else if (stages.length > 0) {
        stream.write(`${summaryLine(stages)}\n`);
      }
      return stages;
    },
  };
}

/**
 * One line for logs: each stage with rows and rows/s, then the total time.
 * @example summaryLine([{ name: 'ingest', rows: 2000, ms: 100 }]) // 'ingest 2000 rows 20k rows/s; total 0.1 s'
 */
export function summaryLine(stages: readonly StageSummary[]): string {
  const parts = stages.map((s) =>
    s.rows > 0
      ? `${s.name} ${s.rows} rows ${formatRate(rowsPerSecond(s.rows, s.ms))}`
      : `${s.name} ${formatSeconds(s.ms)}`,
  );
  const total = stages.reduce((sum, s) => sum + s.ms, 0);
  return `${parts.join('; ')}; total ${formatSeconds(total)}`;
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${trim(rate / 1e6)}M rows/s`;
  if (rate >= 1e3) return `${trim(rate / 1e3)}k rows/s`;
  return `${trim(rate)} rows/s`;
}

function formatSeconds(ms: number): string {
  return `${trim(ms / 1000)} s`;
}

function trim(x: number): string {
  return String(Number(x.toPrecision(3)));
}
