/**
 * The one place that orders the stages of a refit:
 *
 *   1 ingest      read every configured source (streaming), map fields and units, reject bad rows
 *   2 normalise   canonical model/quant/backend/GPU ids, typed records, content ids
 *   3 split       stratified seeded 80/20 per category, for both split units (record, config)
 *   4 fit         the six models on each training split; K more seeds for the stability study
 *   5 validate    held-out metrics vs targets, in-corpus vs out-of-sample, spot checks, drift
 *   6 emit        artifact + JSON Schema, validation, splits, manifest, report, SVG charts
 *     publish     atomic, under a lock; a missed target writes a candidate beside the published set
 *
 * Stages 2–6 are pure; this module does the I/O through pipeline/io/ and returns what the CLI prints.
 */
import { join, relative, resolve } from 'node:path';
import type { RefitConfig } from './config.ts';
import type { Artifact } from './emit/artifact.ts';
import {
  ArtifactSchema,
  artifactJsonSchema,
  parseArtifact,
  SCHEMA_VERSION,
  serialiseArtifact,
} from './emit/artifact.ts';
import { compareArtifacts, comparePoints } from './emit/drift.ts';
import { figureSpecs, openChartThread, renderFigures } from './emit/figures.ts';
import { buildManifest, countRejections, libraryVersions } from './emit/manifest.ts';
import { type ReportDrift, renderRefitReport } from './emit/report.ts';
import type { UnitResults } from './emit/validation.ts';
import { buildValidationFile } from './emit/validation.ts';
import { type Coefficients, coefficientsOf, type FittedModels } from './fit/index.ts';
import { type LoadedCorpus, loadCorpus } from './ingest/load.ts';
import { fileExists, readText } from './io/read.ts';
import { acquireLock, type PublishFile, publishFiles, releaseLock, sha256 } from './io/write.ts';
import { createPredictor } from './predict.ts';
import type { Category, RecordSet, SplitSet, SplitUnit } from './records.ts';
import { CATEGORIES } from './records.ts';
import { splitSide, splitsToJson } from './split/index.ts';
import { BUNDLED, PACKAGE_ROOT } from './util/paths.ts';
import { createProgress, type Progress, type ProgressStream } from './util/progress.ts';
import { stableJsonBytes } from './util/stable-json.ts';
import { type PointsByModel, SCORED_MODELS, validationPoints } from './validate/points.ts';
import { type RunContext, scoredUnit, splitUnit, stabilitySample, type UnitRun } from './validate/runs.ts';
import { type GateResult, gateStatus } from './validate/score.ts';
import { runSpotChecks, type SpotCheckResult } from './validate/spot-checks.ts';
import {
  runStabilityJob,
  type StabilityJob,
  type StabilityOutcome,
  stabilityInWorker,
} from './validate/stability-worker.ts';

/**
 * `validate` is the main thread's wait for the stability study; `stability` is the study's own
 * compute time, which overlaps `fit` and `emit` when it runs on a worker thread.
 */
export type StageName = 'ingest' | 'normalise' | 'split' | 'fit' | 'validate' | 'emit' | 'stability';

export interface StageTiming {
  readonly stage: StageName;
  readonly ms: number;
  readonly records: number;
}

export interface RefitOptions {
  readonly configPath: string;
  /** Root for `artifacts/` and `reports/`; default the config file's folder. */
  readonly outDir?: string | undefined;
  /** Compute everything, write nothing. */
  readonly check?: boolean | undefined;
  /** Publish even when a target is missed. */
  readonly force?: boolean | undefined;
  /** Overrides the config's seed string. */
  readonly seed?: string | undefined;
  /** Where progress goes (stderr in the CLI); silent when absent. */
  readonly progressStream?: ProgressStream | undefined;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Where the stability seeds run: `auto` (a worker thread when the stability sample has at least
   * `STABILITY_THREAD_MIN_RECORDS` records, else inline), `thread` or `inline`. Results are the same.
   * @default 'auto'
   */
  readonly stabilityThread?: 'auto' | 'thread' | 'inline' | undefined;
  /**
   * Where the figures are drawn: `auto` (a worker thread opened at the start, so vega loads beside
   * the ingest, when running from the precompiled bundle; inline from the TypeScript sources, where
   * the thread would first compile vega), `thread` or `inline`. The SVG bytes are the same.
   * @default 'auto'
   */
  readonly chartThread?: 'auto' | 'thread' | 'inline' | undefined;
}

/** Below this many records in the stability sample, starting a thread costs more than it saves. */
export const STABILITY_THREAD_MIN_RECORDS = 20_000;

export interface RefitOutcome {
  /** 0 every target met, 1 a target missed (or a regression, when configured). */
  readonly exitCode: 0 | 1;
  readonly timings: readonly StageTiming[];
  /** Human-readable summary for stdout. */
  readonly summary: string;
  /** Where files went: `published`, `candidate` (target missed) or `none` (--check). */
  readonly written: 'published' | 'candidate' | 'none';
  readonly files: readonly string[];
}

/** Library versions recorded in the manifest. */
const RECORDED_LIBRARIES = [
  'csv-parse',
  'ml-levenberg-marquardt',
  'ml-matrix',
  'seedrandom',
  'simple-statistics',
  'vega',
  'vega-lite',
  'yaml',
  'zod',
] as const;

function formatValue(v: number | null): string {
  if (v === null) return 'n/a';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

function summaryLines(
  corpus: LoadedCorpus,
  runs: Record<SplitUnit, UnitRun>,
  unitResults: Record<SplitUnit, UnitResults>,
  spot: readonly SpotCheckResult[],
  gate: GateResult,
  headline: SplitUnit,
): string[] {
  const lines: string[] = [];
  lines.push('capfit refit');
  const byCategory = new Map<Category, { read: number; accepted: number; rejected: number }>();
  for (const c of corpus.counts) {
    const t = byCategory.get(c.category) ?? { read: 0, accepted: 0, rejected: 0 };
    byCategory.set(c.category, {
      read: t.read + c.read,
      accepted: t.accepted + c.accepted,
      rejected: t.rejected + c.rejected,
    });
  }
  lines.push('  records (read / accepted / rejected; split train/test by record | by config):');
  for (const cat of CATEGORIES) {
    const t = byCategory.get(cat) ?? { read: 0, accepted: 0, rejected: 0 };
    const r = runs.record.split[cat];
    const c = runs.config.split[cat];
    lines.push(
      `    ${cat.padEnd(10)} ${String(t.read).padStart(5)} / ${String(t.accepted).padStart(5)} / ${String(t.rejected).padStart(5)}` +
        `   record ${r.train.length}/${r.test.length}   config ${c.train.length}/${c.test.length}`,
    );
  }
  for (const unit of ['record', 'config'] as const) {
    const label =
      unit === 'record'
        ? "record split (the spec's row-level figures)"
        : 'config split (out-of-sample configurations; scaling leave-one-model-out, latency leave-one-pair-out)';
    lines.push(`  targets, ${label}${unit === headline ? ' [headline]' : ''}:`);
    for (const model of SCORED_MODELS) {
      for (const t of unitResults[unit].scores[model]!.targets) {
        const st = unitResults[unit].stability?.[model]?.targets.find((x) => x.metric === t.metric);
        const spread = st ? `  (passes ${st.passed}/${st.passed + st.failed + st.insufficient} seeds)` : '';
        lines.push(
          `    ${t.status.toUpperCase().padEnd(12)} ${model.padEnd(10)} ${t.metric.toUpperCase().padEnd(4)} ${formatValue(t.value).padStart(8)} ${t.op} ${t.target}${spread}`,
        );
      }
    }
  }
  const spotPass = spot.filter((s) => s.status === 'pass').length;
  lines.push(`  spot checks: ${spotPass}/${spot.length} pass`);
  for (const s of spot)
    if (s.status !== 'pass') lines.push(`    ${s.status.toUpperCase()} ${s.id}: ${s.detail}`);
  lines.push(`  gate: ${gate.status.toUpperCase()} (${gate.passed}/${gate.total} targets met)`);
  return lines;
}

/** Reads and parses the previously published artifact, or null when there is none or it is unusable. */
async function readPrevious(path: string, warnings: string[]): Promise<Artifact | null> {
  if (!(await fileExists(path))) return null;
  try {
    return parseArtifact(await readText(path));
  } catch (err) {
    warnings.push(`previous artifact ${path} not compared: ${(err as Error).message}`);
    return null;
  }
}

function predictionsFor(points: PointsByModel) {
  return SCORED_MODELS.flatMap((model) =>
    points[model].points.map((p) => ({ id: `${model}:${p.id}`, actual: p.actual, predicted: p.predicted })),
  );
}

/**
 * Runs a full refit. Bad config or inputs throw `PipelineError` (exit 2) before anything is
 * written; a missed target returns exit code 1 and writes a candidate instead of publishing.
 */
export async function refit(options: RefitOptions): Promise<RefitOutcome> {
  // Worker threads are stopped when the refit returns or throws: a failed refit does not wait.
  const stopWorkers = new AbortController();
  try {
    return await runRefit(options, stopWorkers.signal);
  } finally {
    stopWorkers.abort();
  }
}

async function runRefit(options: RefitOptions, stopWorkers: AbortSignal): Promise<RefitOutcome> {
  const progress: Progress = createProgress({
    stream: options.progressStream ?? { write: () => true, isTTY: false },
    env: options.env ?? {},
  });
  const chartMode = options.chartThread ?? 'auto';
  const chartThread =
    chartMode === 'thread' || (chartMode === 'auto' && BUNDLED) ? openChartThread(stopWorkers) : null;
  progress.stage('ingest');
  const loaded = await loadCorpus(options.configPath, {
    onStage: (stage, rows) => {
      if (stage === 'normalise') progress.stage('normalise');
      progress.tick(rows);
    },
  });
  const config: RefitConfig =
    options.seed === undefined ? loaded.config : { ...loaded.config, seed: options.seed };
  const corpus: LoadedCorpus = { ...loaded, config };
  const outDir = resolve(options.outDir ?? corpus.baseDir);
  const totalRecords = CATEGORIES.reduce((n, c) => n + corpus.records[c].length, 0);

  // 3–5: the stability study starts first (on a worker thread when the sample is large), then
  // both split units with the configured seed run here.
  const ctx: RunContext = {
    config,
    specs: corpus.resolver,
    quantIds: corpus.registry.quants.map((q) => q.id),
  };
  const units = ['record', 'config'] as const;
  const warnings: string[] = [];
  const stabilityJob: StabilityJob = {
    sample: stabilitySample(corpus.records, config),
    totals: recordTotals(corpus.records),
    config,
    registry: corpus.registry,
    units,
  };
  const sampleSize = CATEGORIES.reduce((n, c) => n + stabilityJob.sample[c].length, 0);
  const mode = options.stabilityThread ?? 'auto';
  const threaded =
    config.stability.seeds > 0 &&
    (mode === 'thread' || (mode === 'auto' && sampleSize >= STABILITY_THREAD_MIN_RECORDS));
  const inThread = threaded
    ? stabilityInWorker(stabilityJob, stopWorkers).then(
        (outcome) => ({ outcome, failure: null }),
        (err: unknown) => ({ outcome: null, failure: (err as Error).message }),
      )
    : null;
  progress.stage('split');
  const splits = {
    record: splitUnit(ctx, corpus.records, 'record', config.seed),
    config: splitUnit(ctx, corpus.records, 'config', config.seed),
  };
  progress.tick(totalRecords * 2);
  progress.stage('fit');
  // The headline unit first: its fit is the published one, and the figures (drawn on the chart
  // thread, when open) need only it, so they are drawn while the other unit is fitted.
  const headline = config.split.unit;
  const other: SplitUnit = headline === 'record' ? 'config' : 'record';
  const published = scoredUnit(ctx, corpus.records, headline, config.seed, splits[headline]);
  const coefficients: Coefficients = coefficientsOf(published.fitted);
  const chartWarnings: string[] = [];
  const drawing = renderFigures(
    figureSpecs({ points: published.points, coefficients, records: corpus.records, specs: corpus.resolver }),
    chartThread,
    chartWarnings,
  );
  const runs = {
    [headline]: published,
    [other]: scoredUnit(ctx, corpus.records, other, config.seed, splits[other]),
  } as Record<SplitUnit, UnitRun>;
  progress.tick(totalRecords * 2);
  const predictor = createPredictor(coefficients, corpus.registry);
  const spotChecks = runSpotChecks(config.spot_checks, predictor.quantity);
  const gate = gateStatus({
    ...prefixKeys('record', runs.record.scores),
    ...prefixKeys('config', runs.config.scores),
  });

  // 6: emit.
  progress.stage('emit');
  const artifactsDir = join(outDir, 'artifacts');
  const previous = await readPrevious(join(artifactsDir, 'fitted_models.json'), warnings);
  const { configSha256 } = corpus;
  const artifact = buildArtifact(corpus, config, published.fitted, configSha256, await generatorVersion());

  let drift: ReportDrift | null = null;
  let regressions = 0;
  if (previous) {
    const coefficientDrift = compareArtifacts(previous, artifact, { threshold: config.drift.threshold });
    let pointDrift: ReportDrift['points'];
    try {
      const oldPoints = validationPoints(
        previous as unknown as Coefficients,
        splitSide(published.split, 'test'),
        corpus.resolver,
      );
      pointDrift = comparePoints(
        predictionsFor(oldPoints),
        predictionsFor(published.points),
        config.drift.point_tolerance,
      );
      regressions = pointDrift.regressions.length;
    } catch (err) {
      warnings.push(`old predictions not compared point by point: ${(err as Error).message}`);
    }
    drift = {
      previous: 'artifacts/fitted_models.json',
      coefficients: coefficientDrift,
      ...(pointDrift ? { points: pointDrift } : {}),
    };
  }
  for (const model of SCORED_MODELS) {
    for (const [reason, n] of Object.entries(published.points[model].skipped)) {
      warnings.push(`${model}: ${n} held-out record(s) not scored (${reason})`);
    }
    if (published.fitted[model].diagnostics.status !== 'fitted') {
      warnings.push(`${model}: fit status ${published.fitted[model].diagnostics.status}`);
    }
  }
  const unknownCounts = countRejections(corpus.issues.filter((i) => i.severity === 'warn'));
  for (const [code, n] of Object.entries(unknownCounts)) warnings.push(`${n} record(s) kept with ${code}`);

  const regressionFail = config.drift.fail_on_regression && regressions > 0;
  const exitCode: 0 | 1 = gate.status === 'pass' && !regressionFail ? 0 : 1;

  const splitsFile = {
    schema_version: SCHEMA_VERSION,
    record: splitsToJson(runs.record.split),
    config: splitsToJson(runs.config.split),
  };
  // The stability study (a worker thread, or here) is awaited only now: everything above overlaps it.
  progress.stage('validate');
  let studied: StabilityOutcome;
  if (inThread) {
    const threadedOutcome = await inThread;
    if (threadedOutcome.outcome) studied = threadedOutcome.outcome;
    else {
      warnings.push(`stability study ran on the main thread: the worker failed (${threadedOutcome.failure})`);
      studied = runStabilityJob(stabilityJob);
    }
  } else studied = runStabilityJob(stabilityJob);
  const stability = studied.results;
  const unitResults = {} as Record<SplitUnit, UnitResults>;
  for (const unit of units) {
    const scores = runs[unit].scores;
    unitResults[unit] = { scores, stability: stability[unit] ?? null, gate: gateStatus(scores) };
    progress.tick(sampleSize * Math.max(1, config.stability.seeds));
  }
  progress.stage('emit');
  const figures = await drawing;
  warnings.push(...chartWarnings);
  const validationFile = buildValidationFile({
    seed: config.seed,
    headlineUnit: headline,
    units: unitResults,
    spotChecks,
    gate,
  });
  const inputHashes = new Map(corpus.inputFiles.map((f) => [f.path, f.sha256] as const));
  const report = renderRefitReport({
    generator: artifact.generator,
    seed: config.seed,
    configSha256,
    headlineUnit: headline,
    sources: corpus.counts.map((c) => {
      const src = config.sources.find(
        (s) => c.source === s.path || c.source.startsWith(s.path.split('*')[0]!),
      );
      // A file read by two sources is labelled `path [source N]` the second time.
      const hash = inputHashes.get(c.source.replace(/ \[source \d+\]$/, ''));
      return {
        path: c.source,
        category: c.category,
        read: c.read,
        accepted: c.accepted,
        rejected: c.rejected,
        ...(hash ? { sha256: hash } : {}),
        ...(src?.note ? { note: src.note } : {}),
      };
    }),
    splits: {
      record: splitCounts(runs.record.split),
      config: splitCounts(runs.config.split),
    },
    issues: corpus.issues,
    coefficients,
    diagnostics: diagnosticsOf(published.fitted),
    validation: unitResults,
    spotChecks,
    gate,
    drift,
    warnings: regressionFail
      ? [
          `${regressions} validation point(s) regressed beyond tolerance (drift.fail_on_regression)`,
          ...warnings,
        ]
      : warnings,
    figures: figures.map((f) => ({ name: f.name, caption: f.caption })),
  });

  // Hashed once: the manifest lists the hashes and publishing checks against them. JSON files are
  // written straight to UTF-8 bytes (`stableJsonBytes`: no text of the whole file; splits.json is
  // ~100 MB at 2M records), and the hash and the write use the same bytes.
  const hashed = (name: string, content: Buffer) => ({ name, content, sha256: sha256(content) });
  const hashedFiles = [
    hashed('fitted_models.json', Buffer.from(serialiseArtifact(artifact), 'utf8')),
    hashed('fitted_models.schema.json', stableJsonBytes(artifactJsonSchema())),
    hashed('validation.json', stableJsonBytes(validationFile)),
    hashed('splits.json', stableJsonBytes(splitsFile)),
  ];
  const manifest = buildManifest({
    generatorVersion: artifact.generator.version,
    seed: config.seed,
    configSha256,
    inputs: corpus.inputFiles,
    recordCounts: recordCounts(corpus, runs[headline].split),
    rejectedByCode: countRejections(corpus.issues.filter((i) => i.severity === 'reject')),
    libraries: libraryVersions(await readLockfile(), RECORDED_LIBRARIES),
    files: Object.fromEntries(hashedFiles.map((f) => [f.name, f.sha256])),
  });
  const artifactFiles: PublishFile[] = [...hashedFiles, hashed('manifest.json', stableJsonBytes(manifest))];
  const reportFiles: PublishFile[] = [
    { name: 'refit.md', content: report },
    ...figures.map((f) => ({ name: `figures/${f.name}.svg`, content: f.svg })),
  ];
  progress.tick(artifactFiles.length + reportFiles.length);

  let written: RefitOutcome['written'] = 'none';
  const files: string[] = [];
  let where = '';
  if (!options.check) {
    const lock = acquireLock(outDir);
    try {
      const hasPublished = await fileExists(join(artifactsDir, 'fitted_models.json'));
      const asCandidate = exitCode !== 0 && hasPublished && !options.force;
      const aDir = asCandidate ? join(artifactsDir, 'candidate') : artifactsDir;
      const rDir = asCandidate ? join(outDir, 'reports', 'candidate') : join(outDir, 'reports');
      const all = [
        ...artifactFiles.map((f) => ({ ...f, name: relative(outDir, join(aDir, f.name)) })),
        ...reportFiles.map((f) => ({ name: relative(outDir, join(rDir, f.name)), content: f.content })),
      ];
      for (const f of publishFiles(outDir, all)) files.push(f.path);
      written = asCandidate ? 'candidate' : 'published';
      where = asCandidate
        ? `target missed: published artifacts left untouched; candidate written to ${aDir} and ${rDir} (--force publishes it)`
        : `written to ${artifactsDir} and ${join(outDir, 'reports')}`;
    } finally {
      releaseLock(lock);
    }
  } else {
    where = '--check: nothing written';
  }
  const timings: StageTiming[] = [
    ...progress.done().map((s) => ({ stage: s.name as StageName, ms: s.ms, records: s.rows })),
    ...(config.stability.seeds > 0
      ? [
          {
            stage: 'stability' as const,
            ms: studied.ms,
            records: sampleSize * config.stability.seeds * units.length,
          },
        ]
      : []),
  ];
  const lines = summaryLines(corpus, runs, unitResults, spotChecks, gate, headline);
  if (regressionFail)
    lines.push(
      `  drift: ${regressions} regression(s) beyond tolerance: gate fails (drift.fail_on_regression)`,
    );
  lines.push(`  ${where}`);
  lines.push(`  exit ${exitCode}`);
  return { exitCode, timings, summary: `${lines.join('\n')}\n`, written, files };
}

function prefixKeys<V>(prefix: string, record: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(record)) out[`${prefix}:${k}`] = v;
  return out;
}

function splitCounts(split: SplitSet): Record<Category, { train: number; test: number }> {
  const out = {} as Record<Category, { train: number; test: number }>;
  for (const c of CATEGORIES) out[c] = { train: split[c].train.length, test: split[c].test.length };
  return out;
}

function recordCounts(corpus: LoadedCorpus, split: SplitSet) {
  const out = {} as Record<
    Category,
    { read: number; accepted: number; rejected: number; train: number; test: number }
  >;
  for (const c of CATEGORIES) {
    const counts = corpus.counts.filter((s) => s.category === c);
    out[c] = {
      read: counts.reduce((n, s) => n + s.read, 0),
      accepted: counts.reduce((n, s) => n + s.accepted, 0),
      rejected: counts.reduce((n, s) => n + s.rejected, 0),
      train: split[c].train.length,
      test: split[c].test.length,
    };
  }
  return out;
}

function diagnosticsOf(f: FittedModels) {
  return {
    vram: f.vram.diagnostics,
    throughput: f.throughput.diagnostics,
    scaling: f.scaling.diagnostics,
    quality: f.quality.diagnostics,
    cost: f.cost.diagnostics,
    latency: f.latency.diagnostics,
  };
}

function buildArtifact(
  corpus: LoadedCorpus,
  config: RefitConfig,
  fitted: FittedModels,
  configSha256: string,
  version: string,
): Artifact {
  const bySource = new Map(corpus.counts.map((c) => [c.source, c] as const));
  const inputs = corpus.inputFiles
    .filter((f) => bySource.has(f.path))
    .map((f) => {
      const c = bySource.get(f.path)!;
      return {
        path: f.path,
        sha256: f.sha256,
        category: c.category,
        rows_read: c.read,
        rows_accepted: c.accepted,
      };
    });
  // Parsing checks the assembled artifact against the published schema before anything is written.
  return ArtifactSchema.parse({
    schema_version: SCHEMA_VERSION,
    generator: { name: 'capfit', version },
    seed: config.seed,
    split_unit: config.split.unit,
    ...coefficientsOf(fitted),
    diagnostics: diagnosticsOf(fitted),
    provenance: { inputs, config_sha256: configSha256 },
    registry: sortedRegistry(corpus.registry),
  });
}

async function generatorVersion(): Promise<string> {
  const pkg = JSON.parse(await readText(join(PACKAGE_ROOT, 'package.json'))) as { version?: string };
  return pkg.version ?? '0.0.0';
}

async function readLockfile(): Promise<unknown> {
  const path = join(PACKAGE_ROOT, 'package-lock.json');
  if (!(await fileExists(path))) return {};
  return JSON.parse(await readText(path));
}

/** The registry with every table sorted by id, so reordering the registry files changes nothing. */
function sortedRegistry(r: LoadedCorpus['registry']): LoadedCorpus['registry'] {
  const byId = <T extends { readonly id: string }>(xs: readonly T[]) =>
    [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    models: byId(r.models),
    quants: byId(r.quants),
    gpus: byId(r.gpus),
    backends: byId(r.backends),
    tags: [...r.tags].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)),
  };
}

function recordTotals(records: RecordSet): Record<Category, number> {
  const out = {} as Record<Category, number>;
  for (const c of CATEGORIES) out[c] = records[c].length;
  return out;
}
