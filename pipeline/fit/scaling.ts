/**
 * Scaling model (TR133 §6): per-agent efficiency η(N) for N concurrent agents on one backend.
 *
 * Standard-form Amdahl η(N) = 1/(σN + 1 − σ) with σ the serial fraction (TR133's written s is 1 − σ;
 * see math/amdahl.ts), and the power law η(N) = N^−α that TR130 reports fits continuous-batching
 * backends better. Both have η(1) = 1 exactly, are non-increasing in N and stay in (0, 1].
 *
 * Fit, per (model, backend): each measured curve (model, backend, quant, gpu, source) is first divided by
 * its own N = 1 point, so η(1) = 1 holds in the data too (published curves use a separate baseline run
 * and carry η(1) between 0.95 and 1.02); then σ and α are the weighted least-squares fits on η.
 * Per backend: the family with the lower leave-one-model-out RMSE on N > 1 points (fit on the backend's
 * other models, predict the held-out model's curve) is kept; with one model, the in-sample RMSE decides.
 * Backend defaults are the weighted medians of the backend's per-pair σ and α (`derived`); config
 * `defaults.serial_fractions` (standard σ) fills backends with no data, then `serial_fraction_fallback`.
 */

import { z } from 'zod';
import {
  amdahlEta,
  type EtaPoint,
  fitPowerLawExponent,
  fitSerialFraction,
  powerLawEta,
} from '../math/amdahl.ts';
import { weightedMedian } from '../math/robust.ts';
import type { ScalingRecord } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict } from '../util/keys.ts';
import type { Diagnostics, FitResult, Provenance } from './types.ts';
import { residualSummary } from './types.ts';

export type ScalingFamily = 'amdahl' | 'power_law';
export const SCALING_FAMILIES: readonly ScalingFamily[] = ['amdahl', 'power_law'];

const unit = z.number().min(0).max(1);
const nullableRmse = z.number().nonnegative().nullable();

export const ScalingCoefficientsSchema = z.strictObject({
  /** The Amdahl form every σ below uses: η(N) = 1/(σN + 1 − σ). */
  form: z.literal('standard'),
  /** Fitted σ per `model|backend`. */
  serial_fractions: z.record(z.string(), unit),
  /** Fitted α per `model|backend` (η = N^−α). */
  power_law_alphas: z.record(z.string(), z.number().nonnegative()),
  /** σ per backend for models without data: derived from data, else config. */
  defaults: z.record(z.string(), unit),
  /** α per backend for models without data (derived from data only). */
  default_alphas: z.record(z.string(), z.number().nonnegative()),
  /** Where each `defaults` entry came from. */
  default_sources: z.record(z.string(), z.enum(['derived', 'config'])),
  /** σ for a backend with neither data nor a config default. */
  serial_fraction_fallback: unit,
  /** Family kept per backend with data, and the evidence. */
  families: z.record(
    z.string(),
    z.strictObject({
      family: z.enum(SCALING_FAMILIES as [ScalingFamily, ...ScalingFamily[]]),
      basis: z.enum(['lomo', 'in_sample']),
      models: z.number().int().nonnegative(),
      lomo_rmse_amdahl: nullableRmse,
      lomo_rmse_power_law: nullableRmse,
      in_sample_rmse_amdahl: z.number().nonnegative(),
      in_sample_rmse_power_law: z.number().nonnegative(),
    }),
  ),
  /** Per-pair fit quality (weighted RMSE on N > 1 points). */
  pair_fits: z.record(
    z.string(),
    z.strictObject({
      points: z.number().int().nonnegative(),
      weight: z.number().nonnegative(),
      rmse_amdahl: z.number().nonnegative(),
      rmse_power_law: z.number().nonnegative(),
    }),
  ),
  fitted: z.boolean(),
});
export type ScalingCoefficients = z.infer<typeof ScalingCoefficientsSchema>;

/** Options of `fitScaling`. */
export interface ScalingOptions {
  /**
   * Standard-form σ per backend for backends without scaling data (config `defaults.serial_fractions`).
   * @default {}
   */
  readonly defaultSerialFractions?: Readonly<Record<string, number>>;
  /**
   * σ when a backend has neither data nor a config default (config `defaults.serial_fraction_fallback`).
   * @default 0.5
   */
  readonly serialFractionFallback?: number;
  /**
   * Divide each curve by its own N = 1 point before fitting.
   * @default true
   */
  readonly normaliseByN1?: boolean;
  /**
   * Upper bound of the power-law exponent α.
   * @default 3
   */
  readonly alphaMax?: number;
}

export const DEFAULT_SCALING_OPTIONS: Required<ScalingOptions> = {
  defaultSerialFractions: {},
  serialFractionFallback: 0.5,
  normaliseByN1: true,
  alphaMax: 3,
};

/** Applies defaults and checks ranges; a bad option is a `PipelineError`. */
export function resolveScalingOptions(options: ScalingOptions = {}): Required<ScalingOptions> {
  const o: Required<ScalingOptions> = {
    defaultSerialFractions: options.defaultSerialFractions ?? DEFAULT_SCALING_OPTIONS.defaultSerialFractions,
    serialFractionFallback: options.serialFractionFallback ?? DEFAULT_SCALING_OPTIONS.serialFractionFallback,
    normaliseByN1: options.normaliseByN1 ?? DEFAULT_SCALING_OPTIONS.normaliseByN1,
    alphaMax: options.alphaMax ?? DEFAULT_SCALING_OPTIONS.alphaMax,
  };
  const inUnit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  if (!inUnit(o.serialFractionFallback)) {
    throw new PipelineError(
      'options',
      `scaling: serialFractionFallback must be in [0, 1], got ${o.serialFractionFallback}`,
    );
  }
  for (const backend of Object.keys(o.defaultSerialFractions)) {
    const v = o.defaultSerialFractions[backend]!;
    if (!inUnit(v)) {
      throw new PipelineError(
        'options',
        `scaling: defaultSerialFractions.${backend} must be in [0, 1], got ${v}`,
      );
    }
  }
  if (!(Number.isFinite(o.alphaMax) && o.alphaMax > 0)) {
    throw new PipelineError('options', `scaling: alphaMax must be a positive number, got ${o.alphaMax}`);
  }
  return o;
}

interface PairData {
  readonly model: string;
  readonly backend: string;
  readonly points: EtaPoint[];
}

function usable(r: ScalingRecord): boolean {
  return (
    Number.isFinite(r.nAgents) &&
    r.nAgents >= 1 &&
    Number.isFinite(r.eta) &&
    r.eta > 0 &&
    Number.isFinite(r.weight) &&
    r.weight > 0
  );
}

/** Weighted RMSE of a curve over the points with N > 1 (N = 1 carries no information after η(1) = 1). */
function curveRmse(points: readonly EtaPoint[], curve: (n: number) => number): number {
  let sse = 0;
  let w = 0;
  for (const p of points) {
    if (p.n <= 1) continue;
    sse += p.weight * (p.eta - curve(p.n)) ** 2;
    w += p.weight;
  }
  return w > 0 ? Math.sqrt(sse / w) : 0;
}

/**
 * Groups records into curves, normalises each by its N = 1 point (when asked and present) and returns
 * the points per (model, backend), sorted by key.
 */
function collectPairs(
  train: readonly ScalingRecord[],
  normalise: boolean,
  notes: string[],
): Map<string, PairData> {
  const curves = new Map<string, ScalingRecord[]>();
  for (const r of train) {
    if (!usable(r)) continue;
    const key = compositeKey(r.model, r.backend, r.quant, r.gpu, r.source);
    const list = curves.get(key);
    if (list) list.push(r);
    else curves.set(key, [r]);
  }
  const pairs = new Map<string, PairData>();
  for (const curveKey of [...curves.keys()].sort()) {
    // Sorted points make the floating-point sums, and so the fit, independent of record order.
    const list = curves
      .get(curveKey)!
      .sort((a, b) => a.nAgents - b.nAgents || a.eta - b.eta || a.weight - b.weight);
    const first = list[0]!;
    let factor = 1;
    if (normalise) {
      const base = list.filter((r) => r.nAgents === 1);
      const w = base.reduce((s, r) => s + r.weight, 0);
      if (w > 0) factor = base.reduce((s, r) => s + r.weight * r.eta, 0) / w;
      if (Math.abs(factor - 1) > 1e-9) {
        notes.push(`curve ${curveKey}: divided by its η(1) = ${factor.toPrecision(4)}`);
      }
    }
    const pairKey = compositeKey(first.model, first.backend);
    let pair = pairs.get(pairKey);
    if (!pair) {
      pair = { model: first.model, backend: first.backend, points: [] };
      pairs.set(pairKey, pair);
    }
    for (const r of list) pair.points.push({ n: r.nAgents, eta: r.eta / factor, weight: r.weight });
  }
  return new Map([...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface PairFit {
  readonly key: string;
  readonly model: string;
  readonly backend: string;
  readonly points: readonly EtaPoint[];
  readonly sigma: number;
  readonly alpha: number;
  readonly weight: number;
  readonly rmseAmdahl: number;
  readonly rmsePowerLaw: number;
}

/**
 * `fitScaling(train, options)` fits σ and α per (model, backend), picks a family per backend by
 * leave-one-model-out error and derives backend defaults. Never throws on data: pairs with no point at
 * N > 1 are skipped (noted), and with no usable data every backend falls back to config σ.
 * @example predictEta(fitScaling(records).coefficients, { model: 'llama3.2-1b', backend: 'vllm', n: 8 })
 */
export function fitScaling(
  train: readonly ScalingRecord[],
  options: ScalingOptions = {},
): FitResult<ScalingCoefficients> {
  const o = resolveScalingOptions(options);
  const notes: string[] = [];
  const rejected = train.filter((r) => !usable(r)).length;
  if (rejected > 0) notes.push(`${rejected} records with non-finite or non-positive η, N or weight ignored`);
  notes.push(o.normaliseByN1 ? 'each curve divided by its own N = 1 point' : 'curves used as published');

  // 1. Per-pair fits of both families.
  const fits: PairFit[] = [];
  for (const [key, pair] of collectPairs(train, o.normaliseByN1, notes)) {
    const amdahl = fitSerialFraction(pair.points);
    const power = fitPowerLawExponent(pair.points, o.alphaMax);
    if (!amdahl.identified) {
      notes.push(`pair ${key}: no point with N > 1, not fitted`);
      continue;
    }
    fits.push({
      key,
      model: pair.model,
      backend: pair.backend,
      points: pair.points,
      sigma: amdahl.value,
      alpha: power.value,
      weight: amdahl.weight,
      rmseAmdahl: curveRmse(pair.points, (n) => amdahlEta(amdahl.value, n)),
      rmsePowerLaw: curveRmse(pair.points, (n) => powerLawEta(power.value, n)),
    });
  }

  // 2. Per backend: derived defaults and the family choice.
  const byBackend = new Map<string, PairFit[]>();
  for (const f of fits) {
    const list = byBackend.get(f.backend);
    if (list) list.push(f);
    else byBackend.set(f.backend, [f]);
  }
  const families = dict<ScalingCoefficients['families'][string]>();
  const defaults = dict<number>();
  const defaultAlphas = dict<number>();
  const defaultSources = dict<'derived' | 'config'>();
  for (const backend of [...byBackend.keys()].sort()) {
    const list = byBackend.get(backend)!;
    const weights = list.map((f) => f.weight);
    defaults[backend] = weightedMedian(
      list.map((f) => f.sigma),
      weights,
    );
    defaultAlphas[backend] = weightedMedian(
      list.map((f) => f.alpha),
      weights,
    );
    defaultSources[backend] = 'derived';
    families[backend] = chooseFamily(list, o.alphaMax);
    const c = families[backend];
    notes.push(
      `backend ${backend}: ${c.family} kept (${c.basis}; ` +
        `amdahl ${fmt(c.basis === 'lomo' ? c.lomo_rmse_amdahl : c.in_sample_rmse_amdahl)} vs ` +
        `power_law ${fmt(c.basis === 'lomo' ? c.lomo_rmse_power_law : c.in_sample_rmse_power_law)})`,
    );
  }
  for (const backend of Object.keys(o.defaultSerialFractions).sort()) {
    if (Object.hasOwn(defaults, backend)) continue;
    defaults[backend] = o.defaultSerialFractions[backend]!;
    defaultSources[backend] = 'config';
  }

  // 3. Coefficients and in-sample residuals of the kept family.
  const serialFractions = dict<number>();
  const alphas = dict<number>();
  const pairFits = dict<ScalingCoefficients['pair_fits'][string]>();
  const errors: number[] = [];
  for (const f of fits) {
    serialFractions[f.key] = f.sigma;
    alphas[f.key] = f.alpha;
    pairFits[f.key] = {
      points: f.points.length,
      weight: f.weight,
      rmse_amdahl: f.rmseAmdahl,
      rmse_power_law: f.rmsePowerLaw,
    };
    const family = families[f.backend]!.family;
    for (const p of f.points) {
      const predicted = family === 'amdahl' ? amdahlEta(f.sigma, p.n) : powerLawEta(f.alpha, p.n);
      errors.push(predicted - p.eta);
    }
  }

  const status: Diagnostics['status'] =
    train.length === 0 ? 'empty' : fits.length === 0 ? 'fallback' : 'fitted';
  if (fits.length === 0) {
    notes.push(
      `no (model, backend) pair could be fitted: η from config defaults, else σ = ${o.serialFractionFallback}`,
    );
  }
  return {
    coefficients: {
      form: 'standard',
      serial_fractions: serialFractions,
      power_law_alphas: alphas,
      defaults,
      default_alphas: defaultAlphas,
      default_sources: defaultSources,
      serial_fraction_fallback: o.serialFractionFallback,
      families,
      pair_fits: pairFits,
      fitted: fits.length > 0,
    },
    diagnostics: { n: errors.length, converged: true, status, residuals: residualSummary(errors), notes },
  };
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}

/** Weighted in-sample RMSE over a backend's pairs, each with its own fitted parameter. */
function pooledInSample(list: readonly PairFit[], family: ScalingFamily): number {
  let sse = 0;
  let w = 0;
  for (const f of list) {
    const rmse = family === 'amdahl' ? f.rmseAmdahl : f.rmsePowerLaw;
    const wf = f.points.filter((p) => p.n > 1).reduce((s, p) => s + p.weight, 0);
    sse += rmse * rmse * wf;
    w += wf;
  }
  return w > 0 ? Math.sqrt(sse / w) : 0;
}

/**
 * Leave-one-model-out comparison: for each model of the backend, fit both families on the pooled points
 * of the other models and score the held-out curve (N > 1 points, weighted). Lower RMSE wins; a tie
 * keeps Amdahl. With a single model, the in-sample RMSEs decide (both families have one parameter).
 */
function chooseFamily(list: readonly PairFit[], alphaMax: number): ScalingCoefficients['families'][string] {
  const inSampleAmdahl = pooledInSample(list, 'amdahl');
  const inSamplePower = pooledInSample(list, 'power_law');
  const models = [...new Set(list.map((f) => f.model))].sort();
  if (models.length < 2) {
    return {
      family: inSamplePower < inSampleAmdahl ? 'power_law' : 'amdahl',
      basis: 'in_sample',
      models: models.length,
      lomo_rmse_amdahl: null,
      lomo_rmse_power_law: null,
      in_sample_rmse_amdahl: inSampleAmdahl,
      in_sample_rmse_power_law: inSamplePower,
    };
  }
  let sseA = 0;
  let sseP = 0;
  let w = 0;
  for (const held of models) {
    const rest = list.filter((f) => f.model !== held).flatMap((f) => f.points);
    const test = list.filter((f) => f.model === held).flatMap((f) => f.points);
    const sigma = fitSerialFraction(rest).value;
    const alpha = fitPowerLawExponent(rest, alphaMax).value;
    for (const p of test) {
      if (p.n <= 1) continue;
      sseA += p.weight * (p.eta - amdahlEta(sigma, p.n)) ** 2;
      sseP += p.weight * (p.eta - powerLawEta(alpha, p.n)) ** 2;
      w += p.weight;
    }
  }
  const lomoA = w > 0 ? Math.sqrt(sseA / w) : 0;
  const lomoP = w > 0 ? Math.sqrt(sseP / w) : 0;
  return {
    family: lomoP < lomoA ? 'power_law' : 'amdahl',
    basis: 'lomo',
    models: models.length,
    lomo_rmse_amdahl: lomoA,
    lomo_rmse_power_law: lomoP,
    in_sample_rmse_amdahl: inSampleAmdahl,
    in_sample_rmse_power_law: inSamplePower,
  };
}

/** An efficiency question: this model on this backend with N concurrent agents (N ≥ 1). */
export interface EtaQuery {
  readonly model: string;
  readonly backend: string;
  readonly n: number;
}

export interface EtaPrediction {
  /** Per-agent efficiency in (0, 1]; exactly 1 at N = 1. */
  readonly eta: number;
  readonly family: ScalingFamily;
  /** `measured`: fitted for this pair; `derived`: backend default from data; `default`: config/fallback. */
  readonly provenance: Provenance;
  /** σ used (Amdahl), else null. */
  readonly sigma: number | null;
  /** α used (power law), else null. */
  readonly alpha: number | null;
}

function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * `predictEta(coefficients, { model, backend, n })` is η(N) from the backend's kept family: the pair's
 * own parameter when fitted, else the backend's derived default, else (Amdahl) the config σ or the
 * fallback σ. Throws `PipelineError` for N < 1 or non-finite N.
 * @example predictEta(c, { model: 'llama3.2-1b', backend: 'ollama', n: 1 }).eta // 1
 */
export function predictEta(coefficients: ScalingCoefficients, query: EtaQuery): EtaPrediction {
  const { n } = query;
  if (!(Number.isFinite(n) && n >= 1)) {
    throw new PipelineError('argument', `scaling: n must be a finite number ≥ 1, got ${n}`);
  }
  const key = compositeKey(query.model, query.backend);
  const family = own(coefficients.families, query.backend)?.family ?? 'amdahl';
  if (family === 'power_law') {
    const measured = own(coefficients.power_law_alphas, key);
    const derived = own(coefficients.default_alphas, query.backend);
    const alpha = measured ?? derived;
    if (alpha !== undefined) {
      return {
        eta: powerLawEta(alpha, n),
        family,
        provenance: measured !== undefined ? 'measured' : 'derived',
        sigma: null,
        alpha,
      };
    }
  }
  const measured = own(coefficients.serial_fractions, key);
  const backendDefault = own(coefficients.defaults, query.backend);
  let sigma: number;
  let provenance: Provenance;
  if (measured !== undefined) {
    sigma = measured;
    provenance = 'measured';
  } else if (backendDefault !== undefined) {
    sigma = backendDefault;
    provenance = own(coefficients.default_sources, query.backend) === 'derived' ? 'derived' : 'default';
  } else {
    sigma = coefficients.serial_fraction_fallback;
    provenance = 'default';
  }
  return { eta: amdahlEta(sigma, n), family: 'amdahl', provenance, sigma, alpha: null };
}
