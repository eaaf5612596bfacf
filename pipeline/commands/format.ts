/**
 * Human-readable output of the query commands (`predict`, `plan`, `limits`, `models`, `hardware`):
 * aligned plain-text tables and compact blocks. Numbers go through `formatNumber` (4 significant
 * digits, an em dash for null), money through `usd`; nothing here decides anything.
 */

import type { BatchResult } from '../plan/batch.ts';
import type { LimitsResult } from '../plan/limits.ts';
import type { PlanCandidate, PlanResult } from '../plan/search.ts';
import type { FullPrediction } from '../predict.ts';
import type { GpuSpec } from '../records.ts';
import { formatNumber } from '../util/markdown.ts';

export type Align = 'left' | 'right';
export type TextCell = string | number | boolean | null | undefined;

function cellText(v: TextCell): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v;
}

/**
 * `textTable(headers, rows, align?)` renders columns separated by two spaces, each padded to its
 * widest cell; numeric columns are right-aligned unless `align` says otherwise. Trailing spaces are
 * trimmed.
 * @example textTable(['id', 'GB'], [['a', 8], ['bb', 24]]) // 'id  GB\na    8\nbb  24\n'
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly TextCell[])[],
  align?: readonly (Align | undefined)[],
): string {
  const cells = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const resolved = headers.map(
    (_, i) =>
      align?.[i] ??
      (rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined)
        ? 'right'
        : 'left'),
  );
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (resolved[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

/**
 * `usd(x)` prints dollars with cents from $1 up, and 3 significant digits below.
 * @example usd(25.2) // '$25.20'
 * @example usd(0.0664) // '$0.0664'
 */
export function usd(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return Math.abs(x) >= 0.995 || x === 0 ? `$${x.toFixed(2)}` : `$${x.toPrecision(3)}`;
}

/** `pct(0.226)` = `22.6%`. */
export function pct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${formatNumber(x * 100, 3)}%`;
}

function ms(x: number | null): string {
  return x === null ? '—' : `${formatNumber(x, 4)} ms`;
}

/** How the quality prediction was obtained, from its provenance (TR133 §7.1's three tiers). */
export function qualityRoute(p: FullPrediction['quality']): string {
  switch (p.provenance) {
    case 'measured':
      return 'lookup';
    case 'derived':
      return 'FP16 baseline + quant delta';
    case 'extrapolated':
      return 'proxy baseline + delta difference';
    default:
      return 'default (unknown)';
  }
}

/** `, 1.15 pp below baseline` / `, 0.54 pp above baseline` / `` (no baseline). */
function dropText(dropPp: number | null): string {
  if (dropPp === null) return '';
  if (dropPp < 0) return `, ${formatNumber(-dropPp, 3)} pp above baseline`;
  return `, ${formatNumber(dropPp, 3)} pp below baseline`;
}

function latencyRoute(p: FullPrediction['latency']): string {
  return p.provenance === 'derived' ? 'service time from throughput' : 'measured service time';
}

/** `predict` for one configuration: one line per model with its provenance and route. */
export function formatPrediction(p: FullPrediction, gpu: GpuSpec): string {
  const q = p.query;
  const rows: string[][] = [];
  if (p.vram) {
    const v = p.vram;
    rows.push([
      'VRAM',
      `${formatNumber(v.gb)} GB of ${v.gpu_vram_gb} GB (${pct(v.utilisation)}) ${v.fits ? 'fits' : 'DOES NOT FIT'}` +
        ` — weights ${formatNumber(v.weight_gb)} before overhead, KV ${formatNumber(v.kv_gb)}, activation ${formatNumber(v.activation_gb)}`,
      `${v.provenance}, ${v.variant}${v.clamped ? ', clamped' : ''}`,
    ]);
  } else {
    rows.push(['VRAM', '— (no registry spec for this model)', 'unknown']);
  }
  const t = p.throughput;
  rows.push([
    'throughput',
    `${formatNumber(t.tok_per_s)} tok/s per stream` +
      (t.roofline_tok_per_s === null ? '' : ` (roofline ${formatNumber(t.roofline_tok_per_s)})`),
    `${t.provenance}, ${t.route}${t.clamped ? ', clamped to roofline' : ''}`,
  ]);
  const s = p.scaling;
  rows.push([
    'scaling',
    `η(${q.concurrency}) = ${formatNumber(s.eta)} → ${formatNumber(s.total_tok_per_s)} tok/s total`,
    `${s.provenance}, ${s.family}`,
  ]);
  const ql = p.quality;
  rows.push([
    'quality',
    `${formatNumber(ql.score, 3)} (${ql.tier}${dropText(ql.drop_pp)})`,
    `${ql.provenance}, ${qualityRoute(ql)}`,
  ]);
  const c = p.cost;
  rows.push([
    'cost',
    `${usd(c.usd_per_1m_tokens)} per 1M tokens · ${usd(c.usd_per_hour)}/h · ${usd(c.monthly_usd)}/month`,
    `${c.provenance}, ${q.concurrency} × ${usd(gpu.costPerHour)}/h`,
  ]);
  const l = p.latency;
  rows.push([
    'latency',
    `service ${ms(l.service_ms)}, p95 ${ms(l.p95_ms)}, ρ ${formatNumber(l.rho, 3)} (${l.status})`,
    `${l.provenance}, ${latencyRoute(l)}`,
  ]);
  const header =
    `${q.model} · ${q.quant} · ${q.backend} · ${gpu.name} · context ${q.context} · ` +
    `N=${q.concurrency} · λ=${formatNumber(q.request_rate)} req/s`;
  const width = Math.max(...rows.map((r) => r[0]!.length));
  const valueWidth = Math.max(...rows.map((r) => r[1]!.length));
  const body = rows.map((r) => `  ${r[0]!.padEnd(width)}  ${r[1]!.padEnd(valueWidth)}  [${r[2]}]`);
  return `${header}\n${body.join('\n')}\n`;
}

/** `predict --input` without `--json`/`--csv`: one table row per input row, errors inline. */
export function formatBatch(result: BatchResult): string {
  const headers = [
    'line',
    'model',
    'quant',
    'backend',
    'gpu',
    'ctx',
    'N',
    'λ',
    'VRAM GB',
    'tok/s',
    'quality',
    '$/1M',
    '$/month',
    'p95 ms',
    'status',
  ];
  const rows: TextCell[][] = result.entries.map((e) => {
    const p = e.prediction;
    if (!p) return [e.line, `error (${e.error!.code}): ${e.error!.message}`];
    return [
      e.line,
      p.query.model,
      p.query.quant,
      p.query.backend,
      p.query.gpu,
      p.query.context,
      p.query.concurrency,
      p.query.request_rate,
      p.vram?.gb ?? null,
      p.throughput.tok_per_s,
      p.quality.score,
      p.cost.usd_per_1m_tokens,
      p.cost.monthly_usd,
      p.latency.p95_ms,
      p.latency.status,
    ];
  });
  // Error rows span the table: render them after the aligned rows so they do not widen column 2.
  const good = rows.filter((r) => r.length > 2);
  const align: Align[] = [
    'right',
    'left',
    'left',
    'left',
    'left',
    'right',
    'right',
    'right',
    'right',
    'right',
    'right',
    'right',
    'right',
    'right',
    'left',
  ];
  const table = textTable(headers, good, align).split('\n');
  const out: string[] = [table[0]!];
  let g = 1;
  for (const r of rows) {
    if (r.length > 2) out.push(table[g++]!);
    else out.push(`${String(r[0]).padStart(4)}  ${String(r[1])}`);
  }
  out.push('', `${result.entries.length} rows: ${result.ok} predicted, ${result.errors} with errors`);
  return `${out.join('\n')}\n`;
}

function candidateRow(c: PlanCandidate, rank: number | string): TextCell[] {
  const p = c.prediction;
  return [
    rank,
    c.model,
    c.quant,
    c.backend,
    c.instances,
    p.vram?.gb ?? null,
    p.quality.score,
    p.quality.tier,
    p.throughput.tok_per_s,
    p.latency.p95_ms,
    pct(p.latency.rho),
    usd(p.cost.monthly_usd),
    usd(p.cost.usd_per_1m_tokens),
  ];
}

const CANDIDATE_HEADERS = [
  '#',
  'model',
  'quant',
  'backend',
  'N',
  'VRAM GB',
  'quality',
  'tier',
  'tok/s',
  'p95 ms',
  'ρ',
  '$/month',
  '$/1M',
];
const CANDIDATE_ALIGN: Align[] = [
  'right',
  'left',
  'left',
  'left',
  'right',
  'right',
  'right',
  'left',
  'right',
  'right',
  'right',
  'right',
  'right',
];

/** `plan`: request, recommendation, alternatives, warnings, gate counts, or the infeasible answer. */
export function formatPlan(r: PlanResult): string {
  const q = r.request;
  const out: string[] = [];
  const constraints = [
    `λ=${formatNumber(q.requestRate)} req/s`,
    q.budgetUsd === null ? 'no budget' : `budget ${usd(q.budgetUsd)}/month`,
    q.latencySloMs === null ? 'no latency SLO' : `p95 SLO ${formatNumber(q.latencySloMs)} ms`,
    q.qualityTarget === null ? 'no quality target' : `quality ≥ ${q.qualityTarget}`,
    `context ${q.context}`,
    `N ≤ ${q.maxInstances}`,
  ];
  out.push(
    `capfit plan: ${formatNumber(q.modelSizeB)}B models on ${q.gpu.name} (${q.gpu.vramGb} GB, ${usd(q.gpu.costPerHour)}/h)`,
    `  ${constraints.join(' · ')}`,
    `  models: ${r.space.models.join(', ') || 'none'}` +
      (r.space.sizeRule === 'nearest_class'
        ? ` (nearest size class, ~${formatNumber(r.space.sizeCentreB)}B)`
        : ''),
    `  quants: ${r.space.quants.join(', ')} · backends: ${r.space.backends.join(', ') || 'none'}` +
      (r.space.backendRule === 'measured_on_any_gpu'
        ? ` (none measured on ${q.gpu.vendor} hardware: using all)`
        : ''),
    '',
  );
  if (r.recommendation) {
    const rec = r.recommendation;
    const p = rec.prediction;
    out.push(
      `Recommendation: ${rec.model} / ${rec.quant} / ${rec.backend} / N=${rec.instances} at ${usd(p.cost.monthly_usd)}/month`,
      `  quality ${formatNumber(p.quality.score, 3)} (${p.quality.tier}), p95 ${ms(p.latency.p95_ms)}, ρ ${pct(p.latency.rho)}, ` +
        `${formatNumber(p.throughput.tok_per_s)} tok/s per stream, VRAM ${formatNumber(p.vram?.gb ?? null)} GB (${pct(p.vram?.utilisation)}), ` +
        `${usd(p.cost.usd_per_1m_tokens)} per 1M tokens`,
    );
    for (const w of rec.warnings) out.push(`  warning: ${w.message}`);
    out.push('');
    const rows = [candidateRow(rec, 1), ...r.alternatives.map((c, i) => candidateRow(c, i + 2))];
    out.push(`Top ${rows.length} of ${r.feasible.length} viable:`);
    out.push(
      ...textTable(CANDIDATE_HEADERS, rows, CANDIDATE_ALIGN)
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    );
    const altWarnings = r.alternatives.flatMap((c, i) => c.warnings.map((w) => `  #${i + 2}: ${w.message}`));
    if (altWarnings.length > 0) out.push('', 'Warnings on alternatives:', ...altWarnings);
    out.push('');
  } else if (r.infeasible) {
    out.push(r.infeasible.message, '');
  }
  out.push(
    `Gates (${r.space.size} candidates = ${r.space.models.length} models × ${r.space.quants.length} quants × ` +
      `${r.space.backends.length} backends × ${r.space.maxInstances} N` +
      (r.space.unpredictable > 0 ? `; ${r.space.unpredictable} not predictable` : '') +
      '):',
  );
  const gateRows: TextCell[][] = r.gates.map((g) => [
    g.gate,
    gateThreshold(g.gate, g.threshold, q.utilisationCap, g.applied),
    g.entered,
    g.removed,
    g.passed,
  ]);
  out.push(
    ...textTable(['gate', 'rule', 'in', 'removed', 'passed'], gateRows, [
      'left',
      'left',
      'right',
      'right',
      'right',
    ])
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return `${out.join('\n')}\n`;
}

function gateThreshold(gate: string, threshold: number | null, cap: number, applied: boolean): string {
  if (!applied) return 'not applied';
  switch (gate) {
    case 'vram':
      return `VRAM ≤ ${formatNumber(threshold)} GB`;
    case 'quality':
      return `quality ≥ ${formatNumber(threshold)}`;
    case 'latency':
      return threshold === null
        ? `ρ < ${pct(cap)}`
        : `ρ < ${pct(cap)} and p95 ≤ ${formatNumber(threshold)} ms`;
    default:
      return `monthly ≤ ${usd(threshold ?? 0)}`;
  }
}

/** `limits`: the two limits with the VRAM at each. */
export function formatLimits(
  r: LimitsResult,
  q: { readonly model: string; readonly quant: string; readonly backend: string; readonly gpu: GpuSpec },
): string {
  const c = r.maxContext;
  const s = r.maxSequences;
  const lines = [
    `${q.model} · ${q.quant} · ${q.backend} · ${q.gpu.name} (${r.gpuVramGb} GB)`,
    `  weights + overhead  ${formatNumber(r.baseVramGb)} GB`,
    c.value === 0
      ? '  max context         does not fit even at 1 token'
      : `  max context         ${c.value}${c.capped ? '+' : ''} tokens at 1 sequence (${formatNumber(c.vramGb)} GB, ${c.provenance})`,
    s.value === 0
      ? `  max sequences       none fit at context ${s.context}`
      : `  max sequences       ${s.value}${s.capped ? '+' : ''} concurrent at context ${s.context} (${formatNumber(s.vramGb)} GB, ${s.provenance})`,
  ];
  return `${lines.join('\n')}\n`;
}
