/**
 * `npm run bench`: how fast and how lean the refit is, measured (never asserted by a timed test).
 *
 *   npm run bench                               20k, 200k and 2M generated records + the bundled corpus;
 *                                               writes reports/bench.md
 *   npm run bench -- --records N [--json]       one generated size; with --json the LAST stdout line is
 *                                               { records, seconds, records_per_s, peak_rss_mb, stages }
 *   options: --seed S (default 'bench'), --bad-share F (default 0.02), --timeout SECONDS per refit
 *            (default 1200; a refit still running is killed and reported as timed out),
 *            --keep (keep the temp corpora)
 *
 * Each size is generated into a temp directory under os.tmpdir() (removed afterwards) and refitted in
 * a FRESH child process (the precompiled bundle's `bench-child.js`, as `npm run refit` runs the
 * bundle), so one run's heap and JIT never help the next and peak RSS is that run's own. The bundled
 * corpus is timed as a user runs it, `npm run refit` end to end (npm and Node start-up included),
 * with its outputs sent to a temp dir.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { ensureBundle } from '../bin/bundle.js';
import type { BenchMeasurement } from './bench-child.ts';
import { writeGeneratedCorpus } from './commands/generate.ts';
import { writeFileAtomic } from './io/write.ts';
import { type Align, formatNumber, markdownTable } from './util/markdown.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('./bench-child.ts', import.meta.url));
const REFIT = fileURLToPath(new URL('./refit.ts', import.meta.url));
const REPORT = join(ROOT, 'reports', 'bench.md');

export const DEFAULT_SIZES: readonly number[] = [20_000, 200_000, 2_000_000];
export const DEFAULT_TIMEOUT_SECONDS = 1200;

/** The targets the report judges against (measured, never enforced by a test). */
export const TARGETS = {
  bundledSeconds: 1.5,
  largeRecords: 2_000_000,
  largeSeconds: 20,
  largeRssMb: 1024,
  /** Time ratio allowed for 10× the records (200k → 2M). */
  tenfoldTimeRatio: 11,
} as const;

interface BenchArgs {
  readonly sizes: readonly number[];
  readonly json: boolean;
  readonly seed: string;
  readonly badShare: number;
  /** Each refit is stopped after this many seconds and reported as timed out. */
  readonly timeoutSeconds: number;
  readonly keep: boolean;
  /** Full default run: also the bundled corpus, and reports/bench.md. */
  readonly full: boolean;
}

/** How one refit measurement ended. */
export type Outcome =
  | { readonly status: 'ok'; readonly measurement: BenchMeasurement }
  | { readonly status: 'timeout' | 'failed'; readonly detail: string };

/** One generated size: generation, then the refit in a fresh process. */
export interface SizeResult {
  readonly records: number;
  readonly generateSeconds: number;
  readonly csvMb: number;
  /** Child process wall time, Node start-up and module loading included. */
  readonly processSeconds: number;
  /** The child's peak RSS as the parent saw it (null off Linux): the figure left when it crashed or timed out. */
  readonly observedPeakRssMb: number | null;
  readonly outcome: Outcome;
}

export interface BundledResult {
  /** `npm run refit` wall time (npm and Node start-up included): the median of `npmRuns`. */
  readonly npmSeconds: number;
  /** Every timed `npm run refit`, in order (the machine is shared: one run says little). */
  readonly npmRuns: readonly number[];
  /** Exit code of `npm run refit`, or null when it was stopped at the timeout. */
  readonly npmExitCode: number | null;
  readonly outcome: Outcome;
}

export interface MachineInfo {
  readonly cpuCount: number;
  readonly cpuModel: string;
  readonly totalMemGb: number;
  readonly node: string;
  readonly os: string;
}

/** A usage failure, or a failed --json measurement: reported on stderr, exit 2 (temp corpora removed first). */
class BenchError extends Error {}

function fail(message: string): never {
  throw new BenchError(message);
}

function parsePositiveInteger(text: string, option: string): number {
  const value = /^\d[\d_]*$/.test(text.trim()) ? Number(text.trim().replace(/_/g, '')) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1) fail(`${option} must be a positive integer (got '${text}')`);
  return value;
}

function parseBenchArgsRaw(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      seed: { type: 'string' },
      'bad-share': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed: ReturnType<typeof parseBenchArgsRaw>;
  try {
    parsed = parseBenchArgsRaw(argv);
  } catch (err) {
    fail((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values } = parsed;
  const sizes = values.records?.map((r) => parsePositiveInteger(r, '--records')) ?? [...DEFAULT_SIZES];
  const badShare = values['bad-share'] === undefined ? 0.02 : Number(values['bad-share']);
  if (!(badShare >= 0 && badShare <= 1))
    fail(`--bad-share must be a number from 0 to 1 (got '${values['bad-share']}')`);
  const json = values.json ?? false;
  if (json && sizes.length !== 1) fail('--json measures one size: pass exactly one --records N');
  return {
    sizes,
    json,
    seed: values.seed ?? 'bench',
    badShare,
    timeoutSeconds:
      values.timeout === undefined
        ? DEFAULT_TIMEOUT_SECONDS
        : parsePositiveInteger(values.timeout, '--timeout'),
    keep: values.keep ?? false,
    full: values.records === undefined,
  };
}

interface ProcessResult {
  /** Exit code, or null when the process was killed at the timeout. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /**
   * Highest resident set seen by polling /proc/<pid>/status VmHWM (Linux) every 250 ms, MiB; null
   * where /proc is unavailable. It survives a crash or a timeout, when the child cannot report.
   */
  readonly observedPeakRssMb: number | null;
}

/** VmHWM (peak resident set) of a live process in MiB, from /proc; null when unreadable. */
function procPeakRssMb(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Runs a command to completion (or kills it at `timeoutSeconds`), capturing output and wall time. */
function run(command: string, args: readonly string[], timeoutSeconds: number): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let peak: number | null = null;
    const poll = setInterval(() => {
      const rss = child.pid === undefined ? null : procPeakRssMb(child.pid);
      if (rss !== null) peak = Math.max(peak ?? 0, rss);
    }, 250);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolvePromise({
        code: timedOut ? null : (code ?? 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        seconds: (performance.now() - start) / 1000,
        observedPeakRssMb: peak,
      });
    });
  });
}

/**
 * The line of a failed child's stderr that says what went wrong: V8's fatal-error line (heap out of
 * memory), else the first `…Error: message` line, else the last line.
 */
export function failureReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return (
    lines.find((l) => /FATAL ERROR|out of memory/i.test(l)) ??
    lines.find((l) => /\b[A-Z][A-Za-z]*Error\b:/.test(l)) ??
    lines.at(-1) ??
    'no output'
  );
}

/**
 * The child's command line: the precompiled bundle's bench-child.js, as `npm run refit` runs the
 * bundle (built now if missing), or the TypeScript source through tsx when it cannot be built.
 */
function childCommand(): Promise<string[]> {
  // Found (and hashed) once per benchmark, not once per child.
  childArgs ??= ensureBundle().then((bundle) =>
    bundle ? [join(bundle, 'bench-child.js')] : ['--import', import.meta.resolve('tsx'), CHILD],
  );
  return childArgs;
}

let childArgs: Promise<string[]> | null = null;

/** Runs bench-child in a fresh Node process and parses its JSON line. */
async function measure(
  configPath: string,
  outDir: string,
  timeoutSeconds: number,
  records?: number,
): Promise<{ outcome: Outcome; seconds: number; observedPeakRssMb: number | null }> {
  const args = [...(await childCommand()), '--config', configPath, '--out', outDir];
  if (records !== undefined) args.push('--records', String(records));
  const result = await run(process.execPath, args, timeoutSeconds);
  const { seconds, observedPeakRssMb } = result;
  if (result.code === null) {
    return {
      outcome: { status: 'timeout', detail: `stopped after ${timeoutSeconds} s` },
      seconds,
      observedPeakRssMb,
    };
  }
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.code !== 0 || !last.startsWith('{')) {
    const detail = `exit ${result.code}: ${failureReason(result.stderr || result.stdout)}`;
    return { outcome: { status: 'failed', detail }, seconds, observedPeakRssMb };
  }
  return {
    outcome: { status: 'ok', measurement: JSON.parse(last) as BenchMeasurement },
    seconds,
    observedPeakRssMb,
  };
}

async function benchSize(records: number, args: BenchArgs, tempRoot: string): Promise<SizeResult> {
  const dir = join(tempRoot, `corpus-${records}`);
  process.stderr.write(`bench: generating ${records} records...\n`);
  const genStart = performance.now();
  const generated = await writeGeneratedCorpus({
    records,
    seed: args.seed,
    out: dir,
    badShare: args.badShare,
  });
  const generateSeconds = (performance.now() - genStart) / 1000;
  process.stderr.write(
    `bench: refitting ${records} records in a fresh process (timeout ${args.timeoutSeconds} s)...\n`,
  );
  const { outcome, seconds, observedPeakRssMb } = await measure(
    generated.configPath,
    join(dir, 'out'),
    args.timeoutSeconds,
    records,
  );
  if (!args.keep) rmSync(dir, { recursive: true, force: true });
  return {
    records,
    generateSeconds,
    csvMb: generated.bytes / 1e6,
    processSeconds: seconds,
    observedPeakRssMb,
    outcome,
  };
}

/** How many times `npm run refit` is timed on the bundled corpus (the median is judged). */
const BUNDLED_RUNS = 5;

async function benchBundled(tempRoot: string, timeoutSeconds: number): Promise<BundledResult> {
  const out = join(tempRoot, 'bundled');
  process.stderr.write('bench: timing `npm run refit` on the bundled corpus...\n');
  const npmCli = process.env.npm_execpath;
  const npmArgs = ['run', '--silent', 'refit', '--', '--out', join(out, 'npm')];
  const [command, args] = npmCli?.endsWith('.js')
    ? [process.execPath, [npmCli, ...npmArgs]]
    : [platform() === 'win32' ? 'npm.cmd' : 'npm', npmArgs];
  const runs: ProcessResult[] = [];
  for (let i = 0; i < BUNDLED_RUNS; i++) runs.push(await run(command, args, timeoutSeconds));
  const { outcome } = await measure(join(ROOT, 'refit.config.yaml'), join(out, 'child'), timeoutSeconds);
  const npmRuns = runs.map((r) => r.seconds);
  return {
    npmSeconds: median(npmRuns),
    npmRuns,
    npmExitCode: runs.some((r) => r.code === null) ? null : runs[0]!.code,
    outcome,
  };
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpuCount: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    totalMemGb: totalmem() / 1024 ** 3,
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
  };
}

const STAGES = ['ingest', 'normalise', 'split', 'fit', 'validate', 'emit', 'stability'] as const;

/** `verdict(ok)` is the report's wording for a target. */
const verdict = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'met' : 'MISSED');

/** `count(2000000)` = '2,000,000' (tables would otherwise print record counts in exponent form). */
const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const measured = (outcome: Outcome): BenchMeasurement | null =>
  outcome.status === 'ok' ? outcome.measurement : null;

function outcomeLabel(outcome: Outcome): string {
  if (outcome.status === 'ok') return `ok (refit exit ${outcome.measurement.exit_code})`;
  return outcome.status === 'timeout'
    ? `timed out (${outcome.detail})`
    : `failed (${outcome.detail.split('\n')[0]})`;
}

/**
 * `renderBenchReport(machine, sizes, bundled, corpus)` is reports/bench.md: machine, per-size totals,
 * per-stage throughput, time ratios between consecutive sizes, and each target with its measured value.
 */
export function renderBenchReport(
  machine: MachineInfo,
  sizes: readonly SizeResult[],
  bundled: BundledResult | null,
  corpus: { readonly seed: string; readonly badShare: number; readonly timeoutSeconds: number },
): string {
  const lines: string[] = ['# Refit benchmark', ''];
  lines.push(
    `Machine: ${machine.cpuCount} × ${machine.cpuModel}, ${formatNumber(machine.totalMemGb, 3)} GiB RAM, Node ${machine.node}, ${machine.os}.`,
    '',
    `Corpora: \`capfit generate\` with seed \`${corpus.seed}\` and ${formatNumber(corpus.badShare * 100)} % damaged rows,`,
    "refitted with the root config's split, stability, targets and defaults. Each refit ran in a fresh process",
    `(the precompiled bundle's \`bench-child.js\`, as \`npm run refit\` runs it; stopped after ${corpus.timeoutSeconds} s).`,
    '"refit s" is the `refit()` call alone; "process s" adds Node start-up and module loading. Peak RSS is the',
    "child's high-water mark",
    '(for a run that crashed or was stopped, "≥" the highest value the parent observed in /proc while it ran).',
    '',
    '## Totals',
    '',
    markdownTable(
      ['records', 'CSV MB', 'generate s', 'refit s', 'process s', 'records/s', 'peak RSS MB', 'outcome'],
      sizes.map((s) => {
        const m = measured(s.outcome);
        return [
          count(s.records),
          s.csvMb,
          s.generateSeconds,
          m?.seconds,
          s.processSeconds,
          m?.records_per_s,
          m ? m.peak_rss_mb : s.observedPeakRssMb === null ? null : `≥ ${formatNumber(s.observedPeakRssMb)}`,
          outcomeLabel(s.outcome),
        ];
      }),
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
    '## Records per second by stage',
    '',
    'Milliseconds and records per second of each stage as `refit()` reports them (records counted by the stage;',
    '"—" where it reported none). `split` and `fit` are the published seed of both split units. `stability` is',
    "the stability study's own time (records × seeds × units it split): on a worker thread when its sample has",
    '≥ 20,000 records, overlapping `fit` and `emit`, and then `validate` is only what the main thread waited for it.',
    'Stage times add up to the refit time except `stability` when it ran on the worker.',
    '',
    markdownTable(
      ['records', ...STAGES.map((s) => `${s} ms / rec/s`)],
      sizes.map((s) => [
        count(s.records),
        ...STAGES.map((stage) => {
          const f = measured(s.outcome)?.stages[stage];
          return f ? `${formatNumber(f.ms)} / ${formatNumber(f.records_per_s)}` : '—';
        }),
      ]),
      ['right', ...STAGES.map((): Align => 'right')],
    ),
  );
  const ratios = sizes.slice(1).map((s, i) => {
    const a = measured(sizes[i]!.outcome);
    const b = measured(s.outcome);
    return [
      count(sizes[i]!.records),
      count(s.records),
      s.records / sizes[i]!.records,
      a && b ? b.seconds / a.seconds : null,
    ];
  });
  if (ratios.length > 0) {
    lines.push(
      '## Scaling between sizes',
      '',
      markdownTable(['from', 'to', 'records ×', 'refit time ×'], ratios, [
        'right',
        'right',
        'right',
        'right',
      ]),
    );
  }
  const bundledMeasure = bundled ? measured(bundled.outcome) : null;
  if (bundled) {
    lines.push(
      '## Bundled corpus',
      '',
      markdownTable(
        ['command', 'seconds', 'exit', 'peak RSS MB'],
        [
          [
            `npm run refit (wall, start-up included; median of ${bundled.npmRuns.length}: ${bundled.npmRuns.map((x) => formatNumber(x)).join(', ')} s)`,
            bundled.npmSeconds,
            bundled.npmExitCode ?? 'timed out',
            null,
          ],
          [
            'refit() in a fresh process',
            bundledMeasure?.seconds,
            bundledMeasure ? bundledMeasure.exit_code : outcomeLabel(bundled.outcome),
            bundledMeasure?.peak_rss_mb,
          ],
        ],
      ),
    );
  }
  const largeSize = sizes.find((s) => s.records === TARGETS.largeRecords);
  const large = largeSize ? measured(largeSize.outcome) : null;
  const midSize = sizes.find((s) => s.records === TARGETS.largeRecords / 10);
  const mid = midSize ? measured(midSize.outcome) : null;
  const ratio = large && mid ? large.seconds / mid.seconds : null;
  const largeSlow = largeSize !== undefined && largeSize.processSeconds >= TARGETS.largeSeconds;
  // A crashed or stopped run still has the RSS the parent observed: a floor on its peak.
  const largeRssFloor = large ? null : (largeSize?.observedPeakRssMb ?? null);
  lines.push(
    '## Targets',
    '',
    markdownTable(
      ['target', 'measured', 'verdict'],
      [
        [
          `bundled corpus: npm run refit < ${TARGETS.bundledSeconds} s incl. start-up`,
          bundled ? `${formatNumber(bundled.npmSeconds)} s` : null,
          verdict(
            bundled ? bundled.npmExitCode !== null && bundled.npmSeconds < TARGETS.bundledSeconds : null,
          ),
        ],
        [
          `2M records: < ${TARGETS.largeSeconds} s (process wall)`,
          largeSize
            ? `${formatNumber(largeSize.processSeconds)} s${large ? '' : ` (${largeSize.outcome.status})`}`
            : null,
          // A run that crashed or was stopped after the target time has missed it all the same.
          verdict(large || largeSlow ? largeSize!.processSeconds < TARGETS.largeSeconds : null),
        ],
        [
          `2M records: peak RSS < ${TARGETS.largeRssMb} MB`,
          large
            ? `${formatNumber(large.peak_rss_mb)} MB`
            : largeRssFloor === null
              ? null
              : `≥ ${formatNumber(largeRssFloor)} MB (${largeSize!.outcome.status})`,
          verdict(
            large
              ? large.peak_rss_mb < TARGETS.largeRssMb
              : largeRssFloor !== null && largeRssFloor >= TARGETS.largeRssMb
                ? false
                : null,
          ),
        ],
        [
          `200k → 2M: time ratio ≤ ${TARGETS.tenfoldTimeRatio}`,
          ratio === null ? null : `${formatNumber(ratio)}×`,
          verdict(ratio === null ? null : ratio <= TARGETS.tenfoldTimeRatio),
        ],
      ],
    ),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (!existsSync(REFIT)) {
    fail(`${REFIT} does not exist yet: there is no refit orchestrator to measure`);
  }
  const tempRoot = mkdtempSync(join(tmpdir(), 'capfit-bench-'));
  try {
    const sizes: SizeResult[] = [];
    for (const records of args.sizes) {
      const result = await benchSize(records, args, tempRoot);
      sizes.push(result);
      const m = measured(result.outcome);
      const line = m
        ? `${records} records: refit ${m.seconds} s (${m.records_per_s} rec/s), process ${result.processSeconds.toFixed(2)} s, peak RSS ${m.peak_rss_mb} MB, refit exit ${m.exit_code}`
        : `${records} records: ${outcomeLabel(result.outcome)}`;
      process.stderr.write(`bench: ${line}\n`);
    }
    if (args.json) {
      const outcome = sizes[0]!.outcome;
      if (outcome.status !== 'ok') fail(`${args.sizes[0]} records: ${outcome.status}: ${outcome.detail}`);
      const m = outcome.measurement;
      const line = {
        records: m.records,
        seconds: m.seconds,
        records_per_s: m.records_per_s,
        peak_rss_mb: m.peak_rss_mb,
        stages: m.stages,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const bundled = args.full ? await benchBundled(tempRoot, args.timeoutSeconds) : null;
    const report = `${renderBenchReport(machineInfo(), sizes, bundled, args)}\n`;
    if (args.full) {
      mkdirSync(dirname(REPORT), { recursive: true });
      writeFileAtomic(REPORT, report);
      process.stdout.write(`${report}\nwrote ${REPORT}\n`);
    } else {
      process.stdout.write(report);
    }
  } finally {
    if (args.keep) process.stderr.write(`bench: corpora kept in ${tempRoot}\n`);
    else rmSync(tempRoot, { recursive: true, force: true });
  }
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
  main().catch((err: unknown) => {
    const text = err instanceof BenchError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`bench: ${text}\n`);
    process.exitCode = 2;
  });
}
