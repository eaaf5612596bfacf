/**
 * `reports/refit.md`: the human-readable account of a refit. It renders only the figures it is
 * given (counts, coefficients, scores, checks, drift); it computes nothing beyond grouping and
 * formatting. Every table cell goes through `util/markdown.ts`, so user-provided names cannot break
 * a table, and numbers are printed with 4 significant digits throughout.
 */

import type { Diagnostics } from '../fit/types.ts';
import type { Metrics } from '../math/metrics.ts';
import type { Category, Issue, SplitUnit } from '../records.ts';
import { splitKey } from '../util/keys.ts';
import { type Cell, escapeCell, escapeText, formatNumber, markdownTable } from '../util/markdown.ts';
import type { GateEntry, GateResult, ModelScore, PointError, TargetResult } from '../validate/score.ts';
import type { SpotCheckResult } from '../validate/spot-checks.ts';
import type { StabilitySummary } from '../validate/stability.ts';
import { MODEL_SECTIONS, type ModelSection } from './artifact.ts';
import type { CoefficientDrift, PointDrift } from './drift.ts';
import type { UnitResults } from './validation.ts';

/** Per-source row accounting (`read === accepted + rejected`). */
export interface ReportSource {
  readonly path: string;
  readonly category: Category;
  readonly read: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly sha256?: string;
  /** The config's note explaining choices for this source. */
  readonly note?: string;
}

export interface ReportFigure {
  /** File name without extension under `figures/`. */
  readonly name: string;
  readonly caption: string;
}

export interface ReportDrift {
  /** How the previous artifact is named in the text (e.g. its path). */
  readonly previous: string;
  readonly coefficients: CoefficientDrift;
  readonly points?: PointDrift;
}

export interface ReportOptions {
  /**
   * Example rows shown per rejection code.
   * @default 3
   */
  readonly examplesPerCode?: number;
  /**
   * Rows shown per coefficient, drift or point table before "… more".
   * @default 40
   */
  readonly maxRows?: number;
  /**
   * Column names for composite keys (`model|backend|quant`) per coefficient table, by
   * `section.key`. Tables not listed, or whose keys do not split into that many parts, show one
   * `key` column.
   * @default DEFAULT_KEY_COLUMNS
   */
  readonly keyColumns?: Readonly<Record<string, readonly string[]>>;
}

export const DEFAULT_KEY_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  'throughput.lookup': ['model', 'backend', 'quant'],
  'throughput.lookup_n': ['model', 'backend', 'quant'],
  'throughput.lookup_gpu': ['model', 'backend', 'quant', 'gpu'],
  'throughput.lookup_gpu_n': ['model', 'backend', 'quant', 'gpu'],
  'throughput.efficiency_by_family': ['backend', 'quant family'],
  'quality.lookup': ['model', 'quant'],
  'scaling.serial_fractions': ['model', 'backend'],
  'scaling.power_law_alphas': ['model', 'backend'],
  'scaling.pair_fits': ['model', 'backend'],
  'latency.service_times': ['model', 'backend'],
  'latency.service_time_quants': ['model', 'backend'],
  'latency.service_time_stats': ['model', 'backend'],
};

export const DEFAULT_REPORT_OPTIONS = {
  examplesPerCode: 3,
  maxRows: 40,
  keyColumns: DEFAULT_KEY_COLUMNS,
} as const;

export interface RefitReportData {
  readonly generator: { readonly name: string; readonly version: string };
  readonly seed: string;
  readonly configSha256: string;
  /** The split unit whose gate is the headline result. */
  readonly headlineUnit: SplitUnit;
  readonly sources: readonly ReportSource[];
  /** Train/test record counts per split unit and category. */
  readonly splits?: Readonly<
    Partial<
      Record<
        SplitUnit,
        Readonly<Partial<Record<Category, { readonly train: number; readonly test: number }>>>
      >
    >
  >;
  /** Every ingest issue (rejections and kept-but-flagged rows), in ingest order. */
  readonly issues: readonly Issue[];
  /** The artifact's model sections. */
  readonly coefficients: Readonly<Partial<Record<ModelSection, unknown>>>;
  readonly diagnostics: Readonly<Partial<Record<ModelSection, Diagnostics>>>;
  readonly validation: Readonly<Partial<Record<SplitUnit, UnitResults>>>;
  readonly spotChecks: readonly SpotCheckResult[];
  /** The headline gate. */
  readonly gate: GateResult;
  readonly drift?: ReportDrift | null;
  readonly warnings: readonly string[];
  readonly figures: readonly ReportFigure[];
}

/** Display name and error unit of each model. */
export const MODEL_LABELS: Readonly<Record<ModelSection, { readonly name: string; readonly unit: string }>> =
  {
    vram: { name: 'VRAM', unit: 'GB' },
    throughput: { name: 'Throughput', unit: 'tok/s' },
    scaling: { name: 'Scaling', unit: 'η' },
    quality: { name: 'Quality', unit: 'score' },
    cost: { name: 'Cost', unit: 'USD/1M tok' },
    latency: { name: 'Latency', unit: 'ms' },
  };

const METRIC_LABEL: Readonly<Record<TargetResult['metric'], string>> = {
  r2: 'R²',
  rmse: 'RMSE',
  mae: 'MAE',
  mape: 'MAPE',
};

const UNIT_TITLE: Readonly<Record<SplitUnit, string>> = {
  record: 'held-out records (split by record)',
  config: 'held-out configurations (split by configuration, never seen in training)',
};

/** Models present in `record`, in the spec's order first, then any others sorted. */
function modelsOf(record: Readonly<Record<string, unknown>>): string[] {
  const known = MODEL_SECTIONS.filter((m) => Object.hasOwn(record, m));
  const others = Object.keys(record)
    .filter((k) => !(MODEL_SECTIONS as readonly string[]).includes(k))
    .sort();
  return [...known, ...others];
}

/**
 * Display name of a model key: `vram` → `VRAM`; a unit-qualified key such as `config:throughput`
 * (a gate entry of the config split) → `Throughput (config split)`; anything else unchanged.
 */
function modelName(model: string): string {
  const labels = MODEL_LABELS as Record<string, { name: string }>;
  if (Object.hasOwn(labels, model)) return labels[model]!.name;
  const at = model.indexOf(':');
  const unit = model.slice(0, at);
  const rest = model.slice(at + 1);
  if (at > 0 && (unit === 'record' || unit === 'config') && Object.hasOwn(labels, rest)) {
    return `${labels[rest]!.name} (${unit} split)`;
  }
  return model;
}

function targetText(t: Pick<TargetResult, 'metric' | 'op' | 'target'>): string {
  return `${METRIC_LABEL[t.metric]} ${t.op === '>=' ? '≥' : '≤'} ${formatNumber(t.target)}`;
}

function statusText(status: string): string {
  return status === 'pass' ? 'PASS' : status === 'fail' ? 'FAIL' : status.toUpperCase();
}

function capped<T>(rows: readonly T[], max: number): { rows: readonly T[]; note: string } {
  if (rows.length <= max) return { rows, note: '' };
  return { rows: rows.slice(0, max), note: `\n… ${rows.length - max} more rows not shown.\n` };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `1 row was` / `3 rows were`. */
function rowsWere(n: number): string {
  return n === 1 ? '1 row was' : `${n} rows were`;
}

/** Compares composite keys part by part, so `a|b|c` sorts before `a|b-x|c`. */
function compareKeyParts(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function headerSection(data: RefitReportData): string {
  const gate = data.gate;
  const lines = [
    '# capfit refit report',
    '',
    `Generated by ${escapeCell(data.generator.name)} ${escapeCell(data.generator.version)} with split seed ` +
      `${escapeCell(data.seed)} and config sha256 ${escapeCell(data.configSha256.slice(0, 12))}.`,
    '',
    `**Gate: ${statusText(gate.status)}**: ${gate.passed} of ${gate.total} targets met` +
      `${gate.failed.length ? `, ${gate.failed.length} missed` : ''}` +
      `${gate.insufficient.length ? `, ${gate.insufficient.length} with insufficient data` : ''}. ` +
      `Headline split: ${UNIT_TITLE[data.headlineUnit]}.`,
    '',
    gate.policy === 'not-met'
      ? 'A target with insufficient data (fewer than 2 points, or a metric that cannot be computed from the points) counts as not met.'
      : 'A target with insufficient data is reported but does not decide the gate.',
    '',
  ];
  const missed = [...gate.failed, ...gate.insufficient];
  if (missed.length) {
    lines.push(
      markdownTable(
        ['model', 'target', 'achieved', 'status'],
        missed.map((e: GateEntry) => [modelName(e.model), targetText(e), e.value, statusText(e.status)]),
      ),
    );
  }
  return lines.join('\n');
}

function inputsSection(data: RefitReportData): string {
  const out = ['## Inputs', ''];
  if (data.sources.length === 0) {
    out.push('No input sources.', '');
    return out.join('\n');
  }
  const categories = [...new Set(data.sources.map((s) => s.category))].sort();
  const headline = data.splits?.[data.headlineUnit];
  out.push(
    markdownTable(
      ['category', 'sources', 'read', 'accepted', 'rejected', 'train', 'test'],
      categories.map((c) => {
        const rows = data.sources.filter((s) => s.category === c);
        const split = headline?.[c];
        return [
          c,
          rows.length,
          sum(rows.map((r) => r.read)),
          sum(rows.map((r) => r.accepted)),
          sum(rows.map((r) => r.rejected)),
          split?.train ?? null,
          split?.test ?? null,
        ];
      }),
    ),
  );
  if (headline) out.push(`Train/test counts are for the ${data.headlineUnit} split.`, '');
  const sources = [...data.sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  out.push(
    '### By source',
    '',
    markdownTable(
      ['source', 'category', 'read', 'accepted', 'rejected', 'sha256'],
      sources.map((s) => [
        s.path,
        s.category,
        s.read,
        s.accepted,
        s.rejected,
        s.sha256 ? s.sha256.slice(0, 12) : null,
      ]),
    ),
  );
  const notes = sources.filter((s) => s.note);
  if (notes.length) {
    out.push('Source notes:', '', ...notes.map((s) => `- ${escapeText(s.path)}: ${escapeText(s.note!)}`), '');
  }
  return out.join('\n');
}

function issueLocation(issue: Issue): string {
  return issue.line > 0 ? `${issue.source}:${issue.line}` : issue.source;
}

function issuesTable(issues: readonly Issue[], examplesPerCode: number): string {
  const byCode = new Map<string, Issue[]>();
  for (const issue of issues) {
    const list = byCode.get(issue.code);
    if (list) list.push(issue);
    else byCode.set(issue.code, [issue]);
  }
  const codes = [...byCode.keys()].sort();
  return markdownTable(
    ['code', 'rows', 'first examples'],
    codes.map((code) => {
      const list = byCode.get(code)!;
      const examples = list
        .slice(0, examplesPerCode)
        .map((i) => `${issueLocation(i)}: ${i.message}`)
        .join('\n');
      return [code, list.length, examples];
    }),
  );
}

function issuesSection(data: RefitReportData, examplesPerCode: number): string {
  const rejected = data.issues.filter((i) => i.severity === 'reject');
  const warned = data.issues.filter((i) => i.severity === 'warn');
  const out = ['## Rejected rows', ''];
  if (rejected.length === 0) out.push('No rows were rejected.', '');
  else out.push(`${rowsWere(rejected.length)} rejected.`, '', issuesTable(rejected, examplesPerCode));
  if (warned.length) {
    out.push(
      '### Kept but flagged',
      '',
      `${rowsWere(warned.length)} kept with a flag.`,
      '',
      issuesTable(warned, examplesPerCode),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Coefficients
// ---------------------------------------------------------------------------------------------

type Scalar = string | number | boolean | null;

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function isScalarList(v: unknown): v is Scalar[] {
  return Array.isArray(v) && v.every(isScalar);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function scalarCell(v: Scalar | Scalar[]): Cell {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? formatNumber(x) : String(x))).join(', ');
  return v;
}

/** Leaves below `v` as [path, scalar] with `.key` / `[i]` paths. */
function leaves(v: unknown, path: string, out: [string, Cell][]): void {
  if (isScalar(v)) out.push([path, v]);
  else if (isScalarList(v)) out.push([path, scalarCell(v)]);
  else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) leaves(v[i], `${path}[${i}]`, out);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v).sort()) leaves(v[k], path ? `${path}.${k}` : k, out);
  }
}

/** Key columns of a coefficient table: composite keys split into `columns` when they all fit. */
function keyCells(
  keys: readonly string[],
  columns: readonly string[] | undefined,
): { headers: string[]; cells: string[][] } {
  if (columns && columns.length > 1) {
    const split = keys.map(splitKey);
    if (split.every((parts) => parts.length === columns.length))
      return { headers: [...columns], cells: split };
  }
  return { headers: ['key'], cells: keys.map((k) => [k]) };
}

function objectTable(
  path: string,
  value: Record<string, unknown>,
  options: Required<ReportOptions>,
): string | null {
  const keys = Object.keys(value).sort((a, b) => compareKeyParts(splitKey(a), splitKey(b)));
  const { headers, cells } = keyCells(keys, options.keyColumns[path]);
  const values = keys.map((k) => value[k]);
  let table: { headers: string[]; rows: Cell[][] } | null = null;
  if (values.every((v) => isScalar(v) || isScalarList(v))) {
    table = {
      headers: [...headers, 'value'],
      rows: keys.map((_, i) => [...cells[i]!, scalarCell(values[i] as Scalar)]),
    };
  } else if (
    values.every(
      (v) =>
        v === null || (isPlainObject(v) && Object.values(v).every((x) => isScalar(x) || isScalarList(x))),
    )
  ) {
    // One row per key, one column per field (a null entry is a row of dashes).
    const fields = [...new Set(values.flatMap((v) => (v === null ? [] : Object.keys(v as object))))].sort();
    table = {
      headers: [...headers, ...fields],
      rows: keys.map((_, i) => {
        const row = (values[i] ?? {}) as Record<string, Scalar | Scalar[]>;
        return [...cells[i]!, ...fields.map((f) => (Object.hasOwn(row, f) ? scalarCell(row[f]!) : null))];
      }),
    };
  }
  if (table === null) return null;
  const { rows, note } = capped(table.rows, options.maxRows);
  return `${markdownTable(table.headers, rows)}${note}`;
}

function coefficientSection(
  model: ModelSection | string,
  value: unknown,
  diag: Diagnostics | undefined,
  options: Required<ReportOptions>,
): string {
  const out = [`### ${escapeText(modelName(model))}`, ''];
  if (diag) {
    const residuals = diag.residuals
      ? `; training residuals RMSE ${formatNumber(diag.residuals.rmse)}, MAE ${formatNumber(diag.residuals.mae)}, bias ${formatNumber(diag.residuals.bias)}`
      : '';
    out.push(
      `Fit status: **${diag.status}**, n = ${diag.n}, ${diag.converged ? 'converged' : 'not converged'}${residuals}.`,
      '',
    );
    if (diag.notes.length) out.push(...diag.notes.map((n) => `- ${escapeText(n)}`), '');
  }
  if (!isPlainObject(value)) {
    out.push('No coefficients.', '');
    return out.join('\n');
  }
  const scalars: [string, Cell][] = [];
  const nested: string[] = [];
  const empty: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = value[key];
    if (isScalar(v) || isScalarList(v)) {
      scalars.push([key, scalarCell(v)]);
      continue;
    }
    if (isPlainObject(v) && Object.keys(v).length === 0) {
      empty.push(key);
      continue;
    }
    const table = isPlainObject(v) ? objectTable(`${model}.${key}`, v, options) : null;
    if (table !== null) {
      nested.push(`**${escapeCell(key)}**`, '', table);
    } else {
      const flat: [string, Cell][] = [];
      leaves(v, '', flat);
      const { rows, note } = capped(flat, options.maxRows);
      nested.push(`**${escapeCell(key)}**`, '', `${markdownTable(['path', 'value'], rows)}${note}`);
    }
  }
  if (scalars.length) out.push(markdownTable(['coefficient', 'value'], scalars));
  out.push(...nested);
  if (empty.length) out.push(`No entries in ${empty.map(escapeCell).join(', ')}.`, '');
  return out.join('\n');
}

function coefficientsSection(data: RefitReportData, options: Required<ReportOptions>): string {
  const out = [
    '## Coefficients',
    '',
    'Values are rounded to 4 significant digits; the artifact holds full precision.',
    '',
  ];
  const models = modelsOf({ ...data.coefficients, ...data.diagnostics });
  for (const model of models) {
    out.push(
      coefficientSection(
        model,
        (data.coefficients as Record<string, unknown>)[model],
        (data.diagnostics as Record<string, Diagnostics | undefined>)[model],
        options,
      ),
    );
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function metricCells(m: Metrics): Cell[] {
  return [m.n, m.r2, m.rmse, m.mae, m.mape, m.bias];
}

const METRIC_HEADERS = ['n', 'R²', 'RMSE', 'MAE', 'MAPE', 'bias'];
const METRIC_ALIGN = METRIC_HEADERS.map(() => 'right' as const);

function recordsText(r: StabilitySummary['records']): string {
  return r.used === r.total
    ? `all ${formatNumber(r.total)}`
    : `${formatNumber(r.used)} of ${formatNumber(r.total)}`;
}

function stabilityTables(stability: Readonly<Record<string, StabilitySummary>>): string {
  const models = modelsOf(stability);
  const spreadRows: Cell[][] = [];
  const passRows: Cell[][] = [];
  for (const model of models) {
    const s = stability[model]!;
    for (const metric of ['r2', 'rmse', 'mae', 'mape', 'bias'] as const) {
      const sp = s.metrics[metric];
      if (!sp) continue;
      const label = metric === 'bias' ? 'bias' : METRIC_LABEL[metric];
      spreadRows.push([
        modelName(model),
        label,
        sp.median,
        `${formatNumber(sp.p10)} – ${formatNumber(sp.p90)}`,
        `${sp.n}/${s.runs}`,
        recordsText(s.records),
      ]);
    }
    for (const t of s.targets) {
      passRows.push([modelName(model), targetText(t), `${t.passed}/${s.runs}`, t.passRate, t.insufficient]);
    }
  }
  const out: string[] = [];
  const runs = [...new Set(models.map((m) => stability[m]!.runs))];
  out.push(
    `#### Stability over ${runs.length === 1 ? runs[0] : runs.join('/')} split seeds`,
    '',
    'Median and 10th–90th percentile (type-7 quantiles) of each metric across repeated split + fit runs.',
    'A category larger than `stability.max_records` is split as one seeded subsample of that size ("records split"): its spread is that of the smaller sample, wider than the full corpus\'s would be.',
    '',
  );
  if (spreadRows.length)
    out.push(
      markdownTable(['model', 'metric', 'median', 'p10 – p90', 'runs defined', 'records split'], spreadRows),
    );
  if (passRows.length) {
    out.push(markdownTable(['model', 'target', 'passed', 'pass rate', 'insufficient runs'], passRows));
  }
  return out.join('\n');
}

function unitSection(unit: SplitUnit, results: UnitResults, headline: boolean): string {
  const scores = results.scores;
  const models = modelsOf(scores);
  const out = [`### Validation on ${UNIT_TITLE[unit]}${headline ? ' (headline)' : ''}`, ''];
  out.push(
    `Gate for this split: **${statusText(results.gate.status)}**, ${results.gate.passed} of ${results.gate.total} targets met.`,
    '',
  );
  const targetRows: Cell[][] = [];
  for (const model of models) {
    for (const t of scores[model]!.targets) {
      targetRows.push([modelName(model), targetText(t), t.value, statusText(t.status)]);
    }
  }
  if (targetRows.length) out.push(markdownTable(['model', 'target', 'achieved', 'status'], targetRows));
  else out.push('No targets are set for this split.', '');

  out.push(
    '#### Metrics',
    '',
    "RMSE, MAE and bias (mean of predicted − actual) are in each model's unit; MAPE is a fraction. " +
      'In-corpus rows are predictions answered by a lookup of a configuration seen in training; out-of-sample rows are all others.',
    '',
  );
  const metricRows: Cell[][] = [];
  for (const model of models) {
    const s: ModelScore = scores[model]!;
    const unitLabel = (MODEL_LABELS as Record<string, { unit: string }>)[model]?.unit ?? '';
    metricRows.push([modelName(model), unitLabel, 'all', ...metricCells(s.metrics)]);
    if (s.metrics.n === 0) continue;
    metricRows.push([modelName(model), unitLabel, 'in-corpus', ...metricCells(s.inCorpus)]);
    metricRows.push([modelName(model), unitLabel, 'out-of-sample', ...metricCells(s.outOfSample)]);
  }
  out.push(
    markdownTable(['model', 'unit', 'rows', ...METRIC_HEADERS], metricRows, [
      'left',
      'left',
      'left',
      ...METRIC_ALIGN,
    ]),
  );
  const skipped = models.filter((m) => scores[m]!.skipped > 0);
  if (skipped.length) {
    out.push(
      `Left out as non-finite: ${skipped.map((m) => `${escapeText(modelName(m))} ${scores[m]!.skipped}`).join(', ')}.`,
      '',
    );
  }

  const backendRows: Cell[][] = [];
  for (const model of models) {
    const by = scores[model]!.byBackend;
    for (const backend of Object.keys(by).sort())
      backendRows.push([modelName(model), backend, ...metricCells(by[backend]!)]);
  }
  if (backendRows.length)
    out.push(
      '#### By backend',
      '',
      markdownTable(['model', 'backend', ...METRIC_HEADERS], backendRows, ['left', 'left', ...METRIC_ALIGN]),
    );

  if (results.stability) out.push(stabilityTables(results.stability));
  return out.join('\n');
}

function validationSection(data: RefitReportData): string {
  const out = ['## Validation', ''];
  const units = (['record', 'config'] as const).filter((u) => data.validation[u]);
  if (units.length === 0) out.push('No validation results.', '');
  for (const unit of units) out.push(unitSection(unit, data.validation[unit]!, unit === data.headlineUnit));
  return out.join('\n');
}

function spotChecksSection(checks: readonly SpotCheckResult[]): string {
  const out = ['## Spot checks', ''];
  if (checks.length === 0) {
    out.push('No spot checks are configured.', '');
    return out.join('\n');
  }
  const passed = checks.filter((c) => c.status === 'pass').length;
  out.push(`${passed} of ${checks.length} spot checks pass.`, '');
  out.push(
    markdownTable(
      ['#', 'check', 'description', 'predicted', 'expected', 'status', 'detail'],
      checks.map((c, i) => [i + 1, c.id, c.description, c.value, c.expected, statusText(c.status), c.detail]),
    ),
  );
  return out.join('\n');
}

function inputsText(inputs: Readonly<Record<string, string | number | null>>): string {
  return Object.keys(inputs)
    .sort()
    .map((k) => {
      const v = inputs[k];
      return `${k}=${typeof v === 'number' ? formatNumber(v) : v === null ? '—' : v}`;
    })
    .join(', ');
}

function worstSection(data: RefitReportData): string {
  const results = data.validation[data.headlineUnit];
  const out = ['## Worst validation points', ''];
  if (!results) {
    out.push('No validation results.', '');
    return out.join('\n');
  }
  out.push(`From the ${data.headlineUnit} split; error is predicted − actual.`, '');
  const headers = [
    'id',
    'config',
    'gpu',
    'actual',
    'predicted',
    'error',
    'rel. error',
    'provenance',
    'inputs',
  ];
  const row = (p: PointError): Cell[] => [
    p.id,
    `${p.model} ${p.backend} ${p.quant}`,
    p.gpu,
    p.actual,
    p.predicted,
    p.error,
    p.relError,
    p.provenance,
    inputsText(p.inputs),
  ];
  for (const model of modelsOf(results.scores)) {
    const worst = results.scores[model]!.worst;
    if (worst.byAbsolute.length === 0 && worst.byRelative.length === 0) continue;
    out.push(`### ${escapeText(modelName(model))}`, '');
    if (worst.byAbsolute.length) {
      out.push('By absolute error:', '', markdownTable(headers, worst.byAbsolute.map(row)));
    }
    if (worst.byRelative.length) {
      out.push('By relative error:', '', markdownTable(headers, worst.byRelative.map(row)));
    }
  }
  return out.join('\n');
}

function driftSection(drift: ReportDrift, maxRows: number): string {
  const c = drift.coefficients;
  const out = [
    '## Drift',
    '',
    `Compared with ${escapeText(drift.previous)}: ${c.changes.length} coefficients in both, ${c.flagged.length} changed by more than ` +
      `${formatNumber(c.threshold * 100)}%, ${c.added.length} added, ${c.removed.length} removed.`,
    '',
  ];
  if (c.flagged.length) {
    const { rows, note } = capped(c.flagged, maxRows);
    out.push(
      `${markdownTable(
        ['coefficient', 'previous', 'new', 'change'],
        rows.map((x) => [
          x.path,
          x.old,
          x.new,
          x.relChange === null
            ? 'from 0'
            : `${x.relChange > 0 ? '+' : ''}${formatNumber(x.relChange * 100)}%`,
        ]),
      )}${note}`,
    );
  }
  for (const [label, list] of [
    ['Added', c.added],
    ['Removed', c.removed],
  ] as const) {
    if (list.length === 0) continue;
    const { rows, note } = capped(list, maxRows);
    out.push(
      `${label}:`,
      '',
      `${markdownTable(
        ['coefficient', 'value'],
        rows.map((x) => [x.path, x.value]),
      )}${note}`,
    );
  }
  const p = drift.points;
  if (p) {
    out.push(
      `Validation points within ${formatNumber(p.tolerance * 100)}% relative error: ${p.compared} compared, ` +
        `${p.regressions.length} regressed (within before, outside now), ${p.improvements.length} improved` +
        `${p.onlyOld.length || p.onlyNew.length ? `; ${p.onlyOld.length} only in the previous run, ${p.onlyNew.length} only in this one` : ''}` +
        `${p.unscorable.length ? `; ${p.unscorable.length} unscorable` : ''}.`,
      '',
    );
    if (p.regressions.length) {
      const { rows, note } = capped(p.regressions, maxRows);
      out.push(
        `${markdownTable(
          ['point', 'actual', 'previous', 'new', 'previous rel. error', 'new rel. error'],
          rows.map((r) => [r.id, r.actual, r.oldPredicted, r.newPredicted, r.oldRelError, r.newRelError]),
        )}${note}`,
      );
    }
  }
  return out.join('\n');
}

function warningsSection(warnings: readonly string[]): string {
  if (warnings.length === 0) return '## Warnings\n\nNone.\n';
  return ['## Warnings', '', ...warnings.map((w) => `- ${escapeText(w)}`), ''].join('\n');
}

function figuresSection(figures: readonly ReportFigure[]): string {
  if (figures.length === 0) return '';
  return [
    '## Figures',
    '',
    ...figures.flatMap((f) => [`![${escapeCell(f.caption)}](figures/${encodeURIComponent(f.name)}.svg)`, '']),
  ].join('\n');
}

/**
 * Renders `reports/refit.md`: gate summary, inputs and row counts by category and source, rejected
 * rows by code with examples, coefficients per model, validation per split unit (targets,
 * in-corpus vs out-of-sample, per backend, stability), spot checks, worst points, drift (when a
 * previous artifact exists), warnings and figure links.
 */
export function renderRefitReport(data: RefitReportData, options: ReportOptions = {}): string {
  const resolved: Required<ReportOptions> = {
    examplesPerCode: options.examplesPerCode ?? DEFAULT_REPORT_OPTIONS.examplesPerCode,
    maxRows: options.maxRows ?? DEFAULT_REPORT_OPTIONS.maxRows,
    keyColumns: options.keyColumns ?? DEFAULT_REPORT_OPTIONS.keyColumns,
  };
  const sections = [
    headerSection(data),
    inputsSection(data),
    issuesSection(data, resolved.examplesPerCode),
    coefficientsSection(data, resolved),
    validationSection(data),
    spotChecksSection(data.spotChecks),
    worstSection(data),
    data.drift ? driftSection(data.drift, resolved.maxRows) : '',
    warningsSection(data.warnings),
    figuresSection(data.figures),
  ];
  return `${sections
    .filter((s) => s !== '')
    .map((s) => s.trimEnd())
    .join('\n\n')}\n`;
}
