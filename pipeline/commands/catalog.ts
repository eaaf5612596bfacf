/**
 * `capfit models` and `capfit hardware`: what the artifact and its embedded registry know. Models:
 * registry specs plus which are measured (throughput cells, quality cells) in the coefficients.
 * Hardware: the GPU table with each part's bandwidth ratio to the reference GPU, the factor the
 * throughput model scales measured tok/s by (TR133 Appendix B).
 */
import type { CommandContext, CommandOutput } from '../cli.ts';
import type { Artifact } from '../emit/artifact.ts';
import { HOURS_PER_MONTH } from '../fit/cost.ts';
import type { LoadedRegistry } from '../registry.ts';
import { splitKey } from '../util/keys.ts';
import { stableStringify } from '../util/stable-json.ts';
import { loadArtifact } from './artifact.ts';
import { textTable, usd } from './format.ts';
import { flag, type Values } from './options.ts';

export interface ModelEntry {
  readonly id: string;
  readonly family: string | null;
  readonly params_b: number | null;
  readonly active_params_b: number | null;
  /** True when the registry has the architecture numbers (VRAM and fallbacks can be predicted). */
  readonly in_registry: boolean;
  readonly throughput_measured: boolean;
  readonly quality_measured: boolean;
  /** Backends with measured throughput for the model, sorted. */
  readonly measured_backends: readonly string[];
  /** Quants with measured throughput or quality for the model, sorted. */
  readonly measured_quants: readonly string[];
}

/** `modelEntries(artifact, registry)`: registry models in registry order, then coefficient-only ids sorted. */
export function modelEntries(artifact: Artifact, registry: LoadedRegistry): ModelEntry[] {
  const backends = new Map<string, Set<string>>();
  const quants = new Map<string, Set<string>>();
  const quality = new Set<string>();
  const add = (map: Map<string, Set<string>>, model: string, value: string) => {
    const set = map.get(model) ?? new Set<string>();
    set.add(value);
    map.set(model, set);
  };
  for (const key of [
    ...Object.keys(artifact.throughput.lookup),
    ...Object.keys(artifact.throughput.lookup_gpu),
  ]) {
    const [model, backend, quant] = splitKey(key);
    add(backends, model!, backend!);
    add(quants, model!, quant!);
  }
  for (const key of Object.keys(artifact.quality.lookup)) {
    const [model, quant] = splitKey(key);
    quality.add(model!);
    add(quants, model!, quant!);
  }
  const sorted = (s: Set<string> | undefined) => [...(s ?? [])].sort();
  const entry = (
    id: string,
  ): Omit<ModelEntry, 'id' | 'family' | 'params_b' | 'active_params_b' | 'in_registry'> => ({
    throughput_measured: backends.has(id),
    quality_measured: quality.has(id),
    measured_backends: sorted(backends.get(id)),
    measured_quants: sorted(quants.get(id)),
  });
  const inRegistry = new Set(registry.models.map((m) => m.id));
  const out: ModelEntry[] = registry.models.map((m) => ({
    id: m.id,
    family: m.family,
    params_b: m.paramsB,
    active_params_b: m.activeParamsB,
    in_registry: true,
    ...entry(m.id),
  }));
  const extra = [...new Set([...backends.keys(), ...quality])].filter((id) => !inRegistry.has(id)).sort();
  for (const id of extra) {
    out.push({ id, family: null, params_b: null, active_params_b: null, in_registry: false, ...entry(id) });
  }
  return out;
}

export async function runModels(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const { artifact, registry } = await loadArtifact(values, ctx);
  const models = modelEntries(artifact, registry);
  if (flag(values, 'json')) return { stdout: stableStringify({ models }), exitCode: 0 };
  const rows = models.map((m) => [
    m.id,
    m.params_b,
    m.family,
    m.throughput_measured ? m.measured_backends.join(' ') : 'no',
    m.quality_measured ? 'yes' : 'no',
    m.in_registry ? '' : 'no registry spec',
  ]);
  const measured = models.filter((m) => m.throughput_measured || m.quality_measured).length;
  return {
    stdout:
      textTable(['model', 'params B', 'family', 'throughput measured on', 'quality measured', 'note'], rows) +
      `\n${models.length} models, ${measured} with measurements; the rest are predicted from registry specs (fallback routes)\n`,
    exitCode: 0,
  };
}

export interface HardwareEntry {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly segment: string;
  readonly vram_gb: number;
  readonly bandwidth_gbs: number;
  readonly cost_per_hour: number;
  readonly monthly_usd: number;
  /** bandwidth / reference bandwidth. */
  readonly bandwidth_ratio: number;
  readonly reference: boolean;
}

/** `hardwareEntries(registry, referenceId, hoursPerMonth)`: registry GPUs in registry order. */
export function hardwareEntries(
  registry: LoadedRegistry,
  referenceId: string,
  hoursPerMonth = HOURS_PER_MONTH,
): HardwareEntry[] {
  const ref = registry.gpus.find((g) => g.id === referenceId);
  return registry.gpus.map((g) => ({
    id: g.id,
    name: g.name,
    vendor: g.vendor,
    segment: g.segment,
    vram_gb: g.vramGb,
    bandwidth_gbs: g.bandwidthGbs,
    cost_per_hour: g.costPerHour,
    monthly_usd: g.costPerHour * hoursPerMonth,
    bandwidth_ratio: ref ? g.bandwidthGbs / ref.bandwidthGbs : 1,
    reference: g.id === referenceId,
  }));
}

export async function runHardware(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const { artifact, registry } = await loadArtifact(values, ctx);
  const reference = artifact.throughput.reference_gpu;
  const gpus = hardwareEntries(registry, reference, artifact.cost.hours_per_month);
  if (flag(values, 'json'))
    return { stdout: stableStringify({ reference_gpu: reference, gpus }), exitCode: 0 };
  const rows = gpus.map((g) => [
    g.id,
    g.name,
    g.vram_gb,
    g.bandwidth_gbs,
    usd(g.cost_per_hour),
    usd(g.monthly_usd),
    `${g.bandwidth_ratio.toFixed(2)}x${g.reference ? ' (reference)' : ''}`,
  ]);
  const align = ['left', 'left', 'right', 'right', 'right', 'right', 'left'] as const;
  const table = textTable(['id', 'name', 'VRAM GB', 'GB/s', '$/h', '$/month', 'BW ratio'], rows, align);
  return {
    stdout: `${table}\n${gpus.length} GPUs; bandwidth ratios are relative to ${reference}\n`,
    exitCode: 0,
  };
}
