/**
 * `capfit predict`: the six answers for one configuration (`--model …`) or for every row of a
 * file (`--input FILE.csv|FILE.json|FILE.jsonl`), from the published artifact alone. Single query:
 * an unknown name or bad number is exit 2. Batch: a readable file is exit 0 whatever its rows hold;
 * each bad row is an error entry with its line.
 */
import type { CommandContext, CommandOutput } from '../cli.ts';
import type { BatchEntry, BatchResult } from '../plan/batch.ts';
import type { InputValue } from '../plan/batch-input.ts';
import type { FullPrediction } from '../predict.ts';
import { PipelineError } from '../util/errors.ts';
import { stableStringify } from '../util/stable-json.ts';
import { loadArtifact } from './artifact.ts';
import { formatBatch, formatPrediction } from './format.ts';
import { flag, numberOption, pathOption, stringOption, type Values } from './options.ts';

const QUERY_OPTIONS = ['model', 'quant', 'backend', 'gpu', 'context', 'concurrency', 'request-rate'] as const;

export async function runPredict(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const json = flag(values, 'json');
  const csv = flag(values, 'csv');
  if (json && csv) throw new PipelineError('argument', '--json and --csv cannot be combined');
  if (stringOption(values, 'input') !== undefined) {
    const mixed = QUERY_OPTIONS.filter((o) => values[o] !== undefined);
    if (mixed.length > 0) {
      throw new PipelineError(
        'argument',
        `--input reads every query from the file; drop ${mixed.map((o) => `--${o}`).join(', ')}`,
      );
    }
    return runBatch(values, ctx, json ? 'json' : csv ? 'csv' : 'text');
  }
  if (csv) throw new PipelineError('argument', '--csv applies to --input batches only');
  const model = stringOption(values, 'model');
  if (model === undefined) {
    throw new PipelineError('argument', '--model is required (or --input FILE for a batch)');
  }
  const context = numberOption(values, 'context', { min: 1, integer: true });
  const concurrency = numberOption(values, 'concurrency', { min: 1, integer: true });
  const requestRate = numberOption(values, 'request-rate', { min: 0 });
  const { predictor } = await loadArtifact(values, ctx);
  const query = predictor.resolve({
    model,
    quant: stringOption(values, 'quant'),
    backend: stringOption(values, 'backend'),
    gpu: stringOption(values, 'gpu'),
    context,
    concurrency,
    requestRate,
  });
  const prediction = predictor.predict(query);
  if (json) return { stdout: stableStringify(prediction), exitCode: 0 };
  return { stdout: formatPrediction(prediction, query.gpu), exitCode: 0 };
}

async function runBatch(
  values: Values,
  ctx: CommandContext,
  mode: 'json' | 'csv' | 'text',
): Promise<CommandOutput> {
  const inputPath = pathOption(values, 'input', ctx.cwd, '');
  // Lazy: only batches need the readers and the CSV parser.
  const [{ fileExists, readText }, { detectFormat, parseBatchInput }, { scoreBatch }] = await Promise.all([
    import('../io/read.ts'),
    import('../plan/batch-input.ts'),
    import('../plan/batch.ts'),
  ]);
  if (!(await fileExists(inputPath))) throw new PipelineError('input', `input file not found: ${inputPath}`);
  let text: string;
  try {
    text = await readText(inputPath);
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError('input', `cannot read ${inputPath}: ${(err as Error).message}`);
  }
  const input = parseBatchInput(text, detectFormat(inputPath, text), inputPath);
  const { predictor } = await loadArtifact(values, ctx);
  const result = scoreBatch(predictor, input, inputPath);
  if (mode === 'json') return { stdout: stableStringify(batchJson(result, input.format)), exitCode: 0 };
  if (mode === 'csv') return { stdout: batchCsv(result, input.columns), exitCode: 0 };
  return { stdout: formatBatch(result), exitCode: 0 };
}

/** `--json` batch document: one entry per row (input, prediction or error) and counts. */
export function batchJson(result: BatchResult, format: string) {
  return {
    format,
    rows: result.entries.length,
    ok: result.ok,
    errors: result.errors,
    entries: result.entries.map((e) => ({
      line: e.line,
      input: e.input,
      ...(e.prediction ? { prediction: e.prediction } : {}),
      ...(e.error ? { error: e.error } : {}),
    })),
  };
}

/** Flat prediction columns of `--csv`, in output order. */
export const CSV_PREDICTION_COLUMNS = [
  'line',
  'status',
  'error',
  'resolved_model',
  'resolved_quant',
  'resolved_backend',
  'resolved_gpu',
  'resolved_context',
  'resolved_concurrency',
  'resolved_request_rate',
  'vram_gb',
  'vram_fits',
  'vram_utilisation',
  'vram_provenance',
  'tok_per_s',
  'throughput_route',
  'throughput_provenance',
  'eta',
  'total_tok_per_s',
  'scaling_provenance',
  'quality',
  'quality_tier',
  'quality_provenance',
  'usd_per_1m_tokens',
  'usd_per_hour',
  'monthly_usd',
  'cost_provenance',
  'service_ms',
  'p95_ms',
  'rho',
  'latency_status',
  'latency_provenance',
] as const;

type CsvColumn = (typeof CSV_PREDICTION_COLUMNS)[number];

function predictionCells(e: BatchEntry): Record<CsvColumn, string | number | boolean | null> {
  const p: FullPrediction | null = e.prediction;
  return {
    line: e.line,
    status: p ? 'ok' : 'error',
    error: e.error ? `${e.error.code}: ${e.error.message}` : null,
    resolved_model: p?.query.model ?? null,
    resolved_quant: p?.query.quant ?? null,
    resolved_backend: p?.query.backend ?? null,
    resolved_gpu: p?.query.gpu ?? null,
    resolved_context: p?.query.context ?? null,
    resolved_concurrency: p?.query.concurrency ?? null,
    resolved_request_rate: p?.query.request_rate ?? null,
    vram_gb: p?.vram?.gb ?? null,
    vram_fits: p?.vram?.fits ?? null,
    vram_utilisation: p?.vram?.utilisation ?? null,
    vram_provenance: p ? (p.vram?.provenance ?? 'unknown') : null,
    tok_per_s: p?.throughput.tok_per_s ?? null,
    throughput_route: p?.throughput.route ?? null,
    throughput_provenance: p?.throughput.provenance ?? null,
    eta: p?.scaling.eta ?? null,
    total_tok_per_s: p?.scaling.total_tok_per_s ?? null,
    scaling_provenance: p?.scaling.provenance ?? null,
    quality: p?.quality.score ?? null,
    quality_tier: p?.quality.tier ?? null,
    quality_provenance: p?.quality.provenance ?? null,
    usd_per_1m_tokens: p?.cost.usd_per_1m_tokens ?? null,
    usd_per_hour: p?.cost.usd_per_hour ?? null,
    monthly_usd: p?.cost.monthly_usd ?? null,
    cost_provenance: p?.cost.provenance ?? null,
    service_ms: p?.latency.service_ms ?? null,
    p95_ms: p?.latency.p95_ms ?? null,
    rho: p?.latency.rho ?? null,
    latency_status: p?.latency.status ?? null,
    latency_provenance: p?.latency.provenance ?? null,
  };
}

/**
 * `outputColumnNames(inputColumns)` names the prediction columns so none collides with an input
 * column: a clashing name gets `predicted_` prepended (repeatedly, until it is free).
 * @example outputColumnNames(['model', 'vram_gb'])[10] // 'predicted_vram_gb'
 */
export function outputColumnNames(inputColumns: readonly string[]): string[] {
  const taken = new Set(inputColumns);
  return CSV_PREDICTION_COLUMNS.map((c) => {
    let name: string = c;
    while (taken.has(name)) name = `predicted_${name}`;
    taken.add(name);
    return name;
  });
}

const NEEDS_QUOTES = /[",\r\n]/;

function csvField(v: InputValue | undefined): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else s = JSON.stringify(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `--csv` batch output: the input's own columns, then the prediction columns (RFC 4180 quoting). */
export function batchCsv(result: BatchResult, inputColumns: readonly string[]): string {
  const names = outputColumnNames(inputColumns);
  const lines = [[...inputColumns, ...names].map((c) => csvField(c)).join(',')];
  for (const e of result.entries) {
    const cells = predictionCells(e);
    const own = inputColumns.map((c) => csvField(Object.hasOwn(e.input, c) ? e.input[c] : undefined));
    const predicted = CSV_PREDICTION_COLUMNS.map((c) => csvField(cells[c]));
    lines.push([...own, ...predicted].join(','));
  }
  return `${lines.join('\n')}\n`;
}
