/** Registry specs for fit tests: a model, a quant and a GPU with only the fields a test varies. */
import type { GpuSpec, ModelSpec, QuantSpec } from '../../pipeline/records.ts';

export const modelSpec = (id: string, paramsB: number, layers = 28, kvHeads = 8, headDim = 128): ModelSpec =>
  Object.freeze({
    id,
    family: 'test',
    paramsB,
    activeParamsB: paramsB,
    layers,
    kvHeads,
    headDim,
    attention: 'gqa',
    aliases: [],
  });

export const quantSpec = (
  id: string,
  bitsPerWeight: number,
  family: string,
  defaultTpsMultiplier: number,
): QuantSpec => Object.freeze({ id, bitsPerWeight, family, defaultTpsMultiplier, aliases: [] });

export const gpuSpec = (id: string, bandwidthGbs: number): GpuSpec =>
  Object.freeze({
    id,
    name: id,
    vendor: 'nv',
    segment: 'consumer',
    vramGb: 24,
    bandwidthGbs,
    costPerHour: 0.05,
    aliases: [],
  });
