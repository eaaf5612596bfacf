/**
 * The 4-gate planner search (TR133 §10), pure: it reads nothing but the predictor.
 *
 *   space  = models of the size class × quants × backends × N = 1..max instances
 *   gate 1 VRAM     predicted VRAM(model, quant, context, batch 1) ≤ GPU VRAM
 *   gate 2 quality  predicted quality(model, quant) ≥ target            (skipped without a target)
 *   gate 3 latency  ρ < utilisation cap and p95 ≤ SLO                   (the cap always applies)
 *   gate 4 budget   monthly cost (rate × N × 720 h) ≤ budget            (skipped without a budget)
 *   rank   monthly cost ↑, quality ↓ (a known quality before the labelled default for an unknown
 *          one), then the tiebreak: throughput provenance (measured, derived, extrapolated, default,
 *          unknown), p95 ↑, model, quant and backend ids (lexicographic), N ↑
 *
 * Every candidate is predicted once through `Predictor.predict`, so the planner's numbers are the
 * numbers `capfit predict` prints for the same configuration. When nothing survives, the result
 * names the gate that removed the last candidates and what to relax, computed from the candidates
 * that passed the gates before it.
 */
import type { Provenance } from '../fit/types.ts';
import type { FullPrediction, Predictor, ResolvedQuery } from '../predict.ts';
import type { GpuSpec, ModelSpec } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { splitKey } from '../util/keys.ts';
import { matchModelsBySize, type SizeMatch } from './size.ts';

/** The spec's seven quant levels (TR133 §5.3), always searched when the registry knows them. */
export const SPEC_QUANTS = ['FP16', 'Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q3_K_S', 'Q2_K'] as const;
/** The spec's three backends (TR133 §10.1). */
export const SPEC_BACKENDS = ['ollama', 'vllm', 'tgi'] as const;
/** Instances searched when `maxInstances` is not given (TR133 §10.1: N = 1..16). */
export const DEFAULT_MAX_INSTANCES = 16;
/** Warning thresholds of TR133 §10.4. */
export const WARNING_THRESHOLDS = { utilisation: 0.7, instances: 8, vramShare: 0.9 } as const;
/** Slack for comparing a prediction with a user threshold (quality, budget, SLO). */
const EPS = 1e-9;

export const GATES = ['vram', 'quality', 'latency', 'budget'] as const;
export type GateName = (typeof GATES)[number];

export interface PlanRequest {
  /** Model size in billions of parameters (`--model-size`). */
  readonly modelSizeB: number;
  /** Poisson arrival rate λ, requests per second (≥ 0). */
  readonly requestRate: number;
  /** Monthly budget in USD; no budget gate when absent. */
  readonly budgetUsd?: number | undefined;
  /** p95 latency SLO in ms; without it the latency gate checks only the utilisation cap. */
  readonly latencySloMs?: number | undefined;
  /** Minimum quality (0–1); no quality gate when absent. */
  readonly qualityTarget?: number | undefined;
  /** Target hardware; default the predictor's reference GPU. */
  readonly gpu?: GpuSpec | undefined;
  /** Context per request in tokens; default the coefficients' `default_context`. */
  readonly context?: number | undefined;
  /** Largest instance count searched. @default 16 */
  readonly maxInstances?: number | undefined;
}

export type WarningCode =
  | 'utilisation'
  | 'quality_tier'
  | 'instances'
  | 'vram'
  | 'quality_unknown'
  | 'throughput_extrapolated';

export interface PlanWarning {
  readonly code: WarningCode;
  readonly message: string;
}

/** One configuration with the numbers the gates and the ranking used. */
export interface PlanCandidate {
  readonly model: string;
  readonly quant: string;
  readonly backend: string;
  readonly instances: number;
  readonly prediction: FullPrediction;
  readonly warnings: readonly PlanWarning[];
}

export interface GateCount {
  readonly gate: GateName;
  /** False when the gate had no threshold to apply (no quality target, no budget). */
  readonly applied: boolean;
  /** The threshold as given (GB for VRAM, quality, ms for latency or null for cap-only, USD). */
  readonly threshold: number | null;
  readonly entered: number;
  readonly removed: number;
  readonly passed: number;
}

/** What to relax when nothing survives. */
export interface Infeasible {
  /** Gate that removed the last candidates; null when the search space itself was empty. */
  readonly gate: GateName | null;
  readonly message: string;
  /** The option to change and the value that would let the best remaining candidate through. */
  readonly suggestion: { readonly option: string; readonly value: number | string } | null;
}

export interface SearchSpace {
  readonly sizeRule: SizeMatch['rule'];
  readonly sizeCentreB: number;
  readonly models: readonly string[];
  readonly quants: readonly string[];
  readonly backends: readonly string[];
  /** How backends were chosen (vendor-specific data, or any data when the vendor has none). */
  readonly backendRule: 'measured_on_vendor' | 'measured_on_any_gpu';
  readonly maxInstances: number;
  /** models × quants × backends × instances. */
  readonly size: number;
  /** Candidates dropped before the gates: no throughput prediction (provenance `unknown`) or no VRAM spec. */
  readonly unpredictable: number;
}

export interface PlanResult {
  readonly request: {
    readonly modelSizeB: number;
    readonly requestRate: number;
    readonly budgetUsd: number | null;
    readonly latencySloMs: number | null;
    readonly qualityTarget: number | null;
    readonly gpu: GpuSpec;
    readonly context: number;
    readonly maxInstances: number;
    readonly utilisationCap: number;
  };
  readonly space: SearchSpace;
  readonly gates: readonly GateCount[];
  /** Every candidate that passed all gates, ranked. */
  readonly feasible: readonly PlanCandidate[];
  readonly recommendation: PlanCandidate | null;
  /** The next four of the ranking. */
  readonly alternatives: readonly PlanCandidate[];
  readonly infeasible: Infeasible | null;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Trust order of provenances (TR133 §3.4: measurements before model predictions). */
export const PROVENANCE_RANK: Readonly<Record<Provenance, number>> = {
  measured: 0,
  derived: 1,
  extrapolated: 2,
  default: 3,
  unknown: 4,
};

/**
 * `compareCandidates(a, b)` is the ranking: monthly cost ascending, quality descending (TR133
 * §10.3), then the tiebreak: throughput provenance (a measured configuration before a derived one
 * before an extrapolated one), p95 ascending, model, quant and backend ids and the instance count.
 * A quality with provenance `unknown` is the labelled default (0.5), not a measurement, so at equal
 * cost it ranks after every known quality whatever its value (TR133 §3.4: conservative by default).
 * It is a total order, so the ranking never depends on search order.
 */
export function compareCandidates(a: PlanCandidate, b: PlanCandidate): number {
  const pa = a.prediction;
  const pb = b.prediction;
  return (
    pa.cost.monthly_usd - pb.cost.monthly_usd ||
    Number(pa.quality.provenance === 'unknown') - Number(pb.quality.provenance === 'unknown') ||
    pb.quality.score - pa.quality.score ||
    PROVENANCE_RANK[pa.throughput.provenance] - PROVENANCE_RANK[pb.throughput.provenance] ||
    (pa.latency.p95_ms ?? Number.POSITIVE_INFINITY) - (pb.latency.p95_ms ?? Number.POSITIVE_INFINITY) ||
    byString(a.model, b.model) ||
    byString(a.quant, b.quant) ||
    byString(a.backend, b.backend) ||
    a.instances - b.instances
  );
}

/** Quants measured in the coefficients for any of `models` (throughput or quality lookups). */
function measuredQuants(predictor: Predictor, models: ReadonlySet<string>): Set<string> {
  const c = predictor.coefficients;
  const out = new Set<string>();
  const scan = (table: Readonly<Record<string, unknown>>, quantIndex: number) => {
    for (const key of Object.keys(table)) {
      const parts = splitKey(key);
      if (models.has(parts[0]!)) out.add(parts[quantIndex]!);
    }
  };
  scan(c.throughput.lookup, 2);
  scan(c.throughput.lookup_gpu, 2);
  scan(c.quality.lookup, 1);
  return out;
}

/**
 * Backends with measured throughput at one of the searched quants on a GPU of the target's vendor
 * (the hardware class); when the vendor has none, on any GPU.
 */
function searchBackends(
  predictor: Predictor,
  gpu: GpuSpec,
  quants: ReadonlySet<string>,
): { backends: string[]; rule: SearchSpace['backendRule'] } {
  const c = predictor.coefficients;
  const cells: { backend: string; quant: string; gpu: string }[] = [];
  for (const key of Object.keys(c.throughput.lookup)) {
    const [, backend, quant] = splitKey(key);
    cells.push({ backend: backend!, quant: quant!, gpu: c.throughput.reference_gpu });
  }
  for (const key of Object.keys(c.throughput.lookup_gpu)) {
    const [, backend, quant, g] = splitKey(key);
    cells.push({ backend: backend!, quant: quant!, gpu: g! });
  }
  const usable = cells.filter((cell) => quants.has(cell.quant));
  const vendorOf = (id: string) => predictor.resolver.gpu(id)?.vendor;
  const sameVendor = usable.filter((cell) => vendorOf(cell.gpu) === gpu.vendor);
  const chosen = sameVendor.length > 0 ? sameVendor : usable;
  return {
    backends: [...new Set(chosen.map((cell) => cell.backend))].sort(byString),
    rule: sameVendor.length > 0 || usable.length === 0 ? 'measured_on_vendor' : 'measured_on_any_gpu',
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/** TR133 §10.4 warnings, plus two provenance notes (unknown quality, extrapolated throughput). */
export function candidateWarnings(p: FullPrediction, instances: number): PlanWarning[] {
  const out: PlanWarning[] = [];
  if (p.latency.rho > WARNING_THRESHOLDS.utilisation) {
    out.push({
      code: 'utilisation',
      message: `utilisation ${pct(p.latency.rho)} > ${pct(WARNING_THRESHOLDS.utilisation)}: near saturation, tail latency may spike`,
    });
  }
  if (p.quality.tier === 'concerning' || p.quality.tier === 'unacceptable') {
    const drop = p.quality.drop_pp === null ? '' : ` (${p.quality.drop_pp.toFixed(1)} pp drop from baseline)`;
    out.push({ code: 'quality_tier', message: `quality tier ${p.quality.tier}${drop}` });
  }
  if (instances > WARNING_THRESHOLDS.instances) {
    out.push({
      code: 'instances',
      message: `N = ${instances} > ${WARNING_THRESHOLDS.instances}: scaling predictions are less reliable at high N`,
    });
  }
  if (p.vram && p.vram.utilisation > WARNING_THRESHOLDS.vramShare) {
    out.push({
      code: 'vram',
      message: `VRAM ${p.vram.gb.toFixed(2)} of ${p.vram.gpu_vram_gb} GB (${pct(p.vram.utilisation)}) > ${pct(WARNING_THRESHOLDS.vramShare)}: risk of OOM with larger inputs`,
    });
  }
  if (p.quality.provenance === 'unknown') {
    out.push({
      code: 'quality_unknown',
      message: `quality not measured or derivable for ${p.query.model} ${p.query.quant}: ${p.quality.score} is the labelled default`,
    });
  }
  if (p.throughput.provenance === 'extrapolated') {
    out.push({
      code: 'throughput_extrapolated',
      message: `throughput extrapolated (${p.throughput.route} route): ${p.query.model} on ${p.query.backend} is not measured`,
    });
  }
  return out;
}

function money(x: number): string {
  return `$${x.toFixed(2)}`;
}

function ceilTo(x: number, step: number): number {
  return Math.ceil(x / step - 1e-9) * step;
}

function label(c: PlanCandidate): string {
  return `${c.model} / ${c.quant} / ${c.backend} / N=${c.instances}`;
}

/** Capacity C = N·η/S (req/s) of a candidate, from its prediction. */
function capacityRps(p: FullPrediction): number {
  return (p.query.concurrency * p.scaling.eta) / (p.latency.service_ms / 1000);
}

function explain(
  gate: GateName,
  before: readonly PlanCandidate[],
  request: PlanResult['request'],
  gpus: readonly GpuSpec[],
): Infeasible {
  const n = before.length;
  const head = `No viable configuration: the ${gate} gate removed the last ${n} candidate${n === 1 ? '' : 's'}`;
  switch (gate) {
    case 'vram': {
      const best = [...before].sort(
        (a, b) => a.prediction.vram!.gb - b.prediction.vram!.gb || compareCandidates(a, b),
      )[0]!;
      const need = best.prediction.vram!.gb;
      const fitting = gpus
        .filter((g) => g.vramGb >= need)
        .sort((a, b) => a.costPerHour - b.costPerHour || a.vramGb - b.vramGb || byString(a.id, b.id));
      const names = fitting.slice(0, 3).map((g) => `${g.id} (${g.vramGb} GB, $${g.costPerHour}/h)`);
      const where = names.length > 0 ? `, e.g. ${names.join(', ')}` : '';
      return {
        gate,
        message:
          `${head}. The smallest need is ${need.toFixed(2)} GB (${best.model} ${best.quant} at context ${request.context}) ` +
          `and ${request.gpu.name} has ${request.gpu.vramGb} GB. Use --hardware with at least ${Math.ceil(need)} GB${where}, ` +
          'or a smaller --context or --model-size.',
        suggestion: fitting[0] ? { option: 'hardware', value: fitting[0].id } : null,
      };
    }
    case 'quality': {
      const best = [...before].sort(
        (a, b) => b.prediction.quality.score - a.prediction.quality.score || compareCandidates(a, b),
      )[0]!;
      const q = Math.floor(best.prediction.quality.score * 1000 + 1e-9) / 1000;
      return {
        gate,
        message:
          `${head}. The best quality among configurations that fit is ${best.prediction.quality.score.toFixed(3)} ` +
          `(${best.model} ${best.quant}); lower --quality-target to at most ${q.toFixed(3)}.`,
        suggestion: { option: 'quality-target', value: q },
      };
    }
    case 'latency': {
      const ok = before.filter((c) => c.prediction.latency.status === 'ok');
      if (ok.length > 0) {
        const best = [...ok].sort(
          (a, b) => a.prediction.latency.p95_ms! - b.prediction.latency.p95_ms! || compareCandidates(a, b),
        )[0]!;
        const slo = Math.ceil(best.prediction.latency.p95_ms! - 1e-9);
        return {
          gate,
          message:
            `${head}. The lowest p95 below the utilisation cap is ${best.prediction.latency.p95_ms!.toFixed(0)} ms ` +
            `(${label(best)}); raise --latency-slo to at least ${slo} ms.`,
          suggestion: { option: 'latency-slo', value: slo },
        };
      }
      const best = [...before].sort(
        (a, b) => capacityRps(b.prediction) - capacityRps(a.prediction) || compareCandidates(a, b),
      )[0]!;
      const sustainable = request.utilisationCap * capacityRps(best.prediction);
      // Strictly below the cap: ρ = cap is already infeasible.
      const rate = Math.max(0, Math.ceil(sustainable * 1000) - 1) / 1000;
      const growing =
        best.instances === request.maxInstances &&
        before.some(
          (c) =>
            c.model === best.model &&
            c.quant === best.quant &&
            c.backend === best.backend &&
            c.instances === best.instances - 1 &&
            capacityRps(c.prediction) < capacityRps(best.prediction),
        );
      return {
        gate,
        message:
          `${head}: every candidate is at or above the ${pct(request.utilisationCap)} utilisation cap. ` +
          `The most capacity is ${capacityRps(best.prediction).toFixed(3)} req/s (${label(best)}), which sustains ` +
          `${rate} req/s under the cap; lower --request-rate to at most ${rate}` +
          (growing ? ' or raise --max-instances (capacity still grows with N).' : '.'),
        suggestion: { option: 'request-rate', value: rate },
      };
    }
    case 'budget': {
      const best = [...before].sort(compareCandidates)[0]!;
      const cost = ceilTo(best.prediction.cost.monthly_usd, 0.01);
      return {
        gate,
        message:
          `${head}. The cheapest configuration that passes the other gates costs ${money(best.prediction.cost.monthly_usd)}/month ` +
          `(${label(best)}); raise --budget to at least ${money(cost)}.`,
        suggestion: { option: 'budget', value: Number(cost.toFixed(2)) },
      };
    }
  }
}

/**
 * `planSearch(predictor, request)` enumerates the search space, runs the four gates in order and
 * ranks the survivors (module JSDoc). Throws `PipelineError` for an out-of-range request
 * (non-positive size or context, negative rate, budget or SLO, quality outside [0, 1], instances < 1).
 */
export function planSearch(predictor: Predictor, request: PlanRequest): PlanResult {
  const c = predictor.coefficients;
  const gpu = request.gpu ?? predictor.referenceGpu;
  const context = request.context ?? c.throughput.default_context;
  const maxInstances = request.maxInstances ?? DEFAULT_MAX_INSTANCES;
  checkRequest(request, context, maxInstances);
  const req: PlanResult['request'] = {
    modelSizeB: request.modelSizeB,
    requestRate: request.requestRate,
    budgetUsd: request.budgetUsd ?? null,
    latencySloMs: request.latencySloMs ?? null,
    qualityTarget: request.qualityTarget ?? null,
    gpu,
    context,
    maxInstances,
    utilisationCap: c.latency.safety_factor,
  };

  // 1. Search space: size class × quants × backends × N.
  const size = matchModelsBySize(predictor.registry.models, request.modelSizeB);
  const models: readonly ModelSpec[] = size.models;
  const modelIds = new Set(models.map((m) => m.id));
  const knownQuant = (id: string) => predictor.resolver.quant(id) !== undefined;
  const quantSet = new Set<string>(SPEC_QUANTS.filter(knownQuant));
  for (const q of measuredQuants(predictor, modelIds)) if (knownQuant(q)) quantSet.add(q);
  const quants = [...quantSet].sort((a, b) => quantOrder(a) - quantOrder(b) || byString(a, b));
  const { backends, rule } = searchBackends(predictor, gpu, quantSet);
  const spaceSize = models.length * quants.length * backends.length * maxInstances;

  // 2. Predict every candidate once.
  const all: PlanCandidate[] = [];
  let unpredictable = 0;
  for (const model of models) {
    for (const quant of quants) {
      for (const backend of backends) {
        const base: ResolvedQuery = predictor.resolve({
          model: model.id,
          quant,
          backend,
          gpu: gpu.id,
          context,
          requestRate: request.requestRate,
        });
        for (let n = 1; n <= maxInstances; n++) {
          const prediction = predictor.predict({ ...base, concurrency: n });
          if (prediction.vram === null || prediction.throughput.provenance === 'unknown') {
            unpredictable++;
            continue;
          }
          all.push({
            model: model.id,
            quant,
            backend,
            instances: n,
            prediction,
            warnings: candidateWarnings(prediction, n),
          });
        }
      }
    }
  }

  // 3. Gates in order; each sees only the survivors of the previous one.
  const tests: Record<
    GateName,
    { applied: boolean; threshold: number | null; pass: (c: PlanCandidate) => boolean }
  > = {
    vram: { applied: true, threshold: gpu.vramGb, pass: (x) => x.prediction.vram!.fits },
    quality: {
      applied: request.qualityTarget !== undefined,
      threshold: request.qualityTarget ?? null,
      pass: (x) =>
        request.qualityTarget === undefined || x.prediction.quality.score >= request.qualityTarget - EPS,
    },
    latency: {
      applied: true,
      threshold: request.latencySloMs ?? null,
      pass: (x) =>
        x.prediction.latency.status === 'ok' &&
        (request.latencySloMs === undefined ||
          (x.prediction.latency.p95_ms ?? Infinity) <= request.latencySloMs + EPS),
    },
    budget: {
      applied: request.budgetUsd !== undefined,
      threshold: request.budgetUsd ?? null,
      pass: (x) =>
        request.budgetUsd === undefined || x.prediction.cost.monthly_usd <= request.budgetUsd + EPS,
    },
  };
  const gates: GateCount[] = [];
  let survivors: PlanCandidate[] = all;
  let lastGate: { gate: GateName; before: PlanCandidate[] } | null = null;
  for (const gate of GATES) {
    const t = tests[gate];
    const passed = survivors.filter(t.pass);
    gates.push({
      gate,
      applied: t.applied,
      threshold: t.threshold,
      entered: survivors.length,
      removed: survivors.length - passed.length,
      passed: passed.length,
    });
    if (survivors.length > 0 && passed.length === 0) lastGate = { gate, before: survivors };
    survivors = passed;
  }

  // 4. Rank.
  const feasible = survivors.sort(compareCandidates);
  let infeasible: Infeasible | null = null;
  if (feasible.length === 0) {
    infeasible = lastGate
      ? explain(lastGate.gate, lastGate.before, req, predictor.registry.gpus)
      : {
          gate: null,
          message:
            models.length === 0
              ? 'No viable configuration: the registry has no model to search.'
              : backends.length === 0
                ? `No viable configuration: the artifact has no throughput measurement for any backend at the searched quants (${quants.join(', ')}).`
                : 'No viable configuration: no candidate could be predicted.',
          suggestion: null,
        };
  }
  return {
    request: req,
    space: {
      sizeRule: size.rule,
      sizeCentreB: size.centreB,
      models: models.map((m) => m.id),
      quants,
      backends,
      backendRule: rule,
      maxInstances,
      size: spaceSize,
      unpredictable,
    },
    gates,
    feasible,
    recommendation: feasible[0] ?? null,
    alternatives: feasible.slice(1, 5),
    infeasible,
  };
}

/** Spec quants first in the spec's order (highest precision first), then the rest. */
function quantOrder(id: string): number {
  const i = (SPEC_QUANTS as readonly string[]).indexOf(id);
  return i === -1 ? SPEC_QUANTS.length : i;
}

function checkRequest(r: PlanRequest, context: number, maxInstances: number): void {
  const bad = (option: string, what: string, value: number) =>
    new PipelineError('argument', `--${option} must be ${what}, got ${value}`);
  if (!(Number.isFinite(r.modelSizeB) && r.modelSizeB > 0))
    throw bad('model-size', 'a positive size', r.modelSizeB);
  if (!(Number.isFinite(r.requestRate) && r.requestRate >= 0))
    throw bad('request-rate', 'a number ≥ 0', r.requestRate);
  if (r.budgetUsd !== undefined && !(Number.isFinite(r.budgetUsd) && r.budgetUsd >= 0))
    throw bad('budget', 'a number ≥ 0', r.budgetUsd);
  if (r.latencySloMs !== undefined && !(Number.isFinite(r.latencySloMs) && r.latencySloMs > 0))
    throw bad('latency-slo', 'a number > 0', r.latencySloMs);
  if (r.qualityTarget !== undefined && !(r.qualityTarget >= 0 && r.qualityTarget <= 1))
    throw bad('quality-target', 'between 0 and 1', r.qualityTarget);
  if (!(Number.isInteger(context) && context >= 1)) throw bad('context', 'an integer ≥ 1', context);
  if (!(Number.isInteger(maxInstances) && maxInstances >= 1))
    throw bad('max-instances', 'an integer ≥ 1', maxInstances);
}
