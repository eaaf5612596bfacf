/**
 * One benchmark measurement in a fresh process:
 *   node dist/<hash>/bench-child.js --config FILE --out DIR [--records N]   (the bundle; or
 *   node --import tsx pipeline/bench-child.ts …, the sources)
 * runs the full refit in-process and prints ONE JSON line
 *   { records, seconds, records_per_s, peak_rss_mb, exit_code, stages: { ingest: { ms, records, records_per_s }, ... } }
 * `seconds` is the refit call alone (module loading excluded); peak RSS is the process high-water
 * mark (`process.resourceUsage().maxRSS`, KiB on Linux and macOS) in MiB, so it covers everything
 * the process did. `records` is `--records` when given, else the rows ingest read.
 */

import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { refit, type StageTiming } from './refit.ts';

interface StageFigures {
  readonly ms: number;
  readonly records: number;
  readonly records_per_s: number | null;
}

/** The JSON line a child prints. */
export interface BenchMeasurement {
  readonly records: number;
  readonly seconds: number;
  readonly records_per_s: number;
  readonly peak_rss_mb: number;
  readonly exit_code: number;
  readonly stages: Readonly<Record<string, StageFigures>>;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function perSecond(records: number, ms: number): number | null {
  return ms > 0 ? round((records / ms) * 1000, 1) : null;
}

/**
 * `summariseTimings(timings)` turns refit's stage list into `{ stage: { ms, records, records_per_s } }`;
 * a stage reported twice (repeated fits) is summed.
 * @example summariseTimings([{ stage: 'ingest', ms: 500, records: 1000 }]) // { ingest: { ms: 500, records: 1000, records_per_s: 2000 } }
 */
export function summariseTimings(timings: readonly StageTiming[]): Record<string, StageFigures> {
  const totals = new Map<string, { ms: number; records: number }>();
  for (const t of timings) {
    const prev = totals.get(t.stage) ?? { ms: 0, records: 0 };
    totals.set(t.stage, { ms: prev.ms + t.ms, records: prev.records + t.records });
  }
  const out: Record<string, StageFigures> = Object.create(null);
  for (const [stage, { ms, records }] of totals) {
    out[stage] = { ms: round(ms, 1), records, records_per_s: perSecond(records, ms) };
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, out: { type: 'string' }, records: { type: 'string' } },
    strict: true,
  });
  if (!values.config || !values.out) {
    process.stderr.write('usage: bench-child.ts --config FILE --out DIR [--records N]\n');
    return 2;
  }
  const start = performance.now();
  const result = await refit({ configPath: values.config, outDir: values.out });
  const seconds = (performance.now() - start) / 1000;
  const stages = summariseTimings(result.timings);
  const ingested = result.timings.find((t) => t.stage === 'ingest')?.records ?? 0;
  const records = values.records === undefined ? ingested : Number(values.records);
  const measurement: BenchMeasurement = {
    records,
    seconds: round(seconds, 3),
    records_per_s: round(records / seconds, 1),
    peak_rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    exit_code: result.exitCode,
    stages,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  return 0;
}

const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntry) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: refit failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
