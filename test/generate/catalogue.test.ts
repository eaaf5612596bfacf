import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE_BACKENDS,
  CATALOGUE_GPUS,
  CATALOGUE_MODELS,
  CATALOGUE_QUANTS,
  ollamaTagFor,
  UNKNOWN_MODEL_SPELLINGS,
} from '../../pipeline/generate/catalogue.ts';
import { GENERATOR_TRUTH } from '../../pipeline/generate/truth.ts';
import { createResolver, parseRegistry } from '../../pipeline/registry.ts';

const read = (name: string): string =>
  readFileSync(new URL(`../../datasets/registry/${name}.csv`, import.meta.url), 'utf8');
const resolver = createResolver(
  parseRegistry({
    models: read('models'),
    quants: read('quants'),
    gpus: read('gpus'),
    backends: read('backends'),
    tags: read('tags'),
  }),
);

describe('generator catalogue vs the registry', () => {
  it('every model spelling, tagged form included, resolves to its canonical id', () => {
    for (const m of CATALOGUE_MODELS) {
      for (const s of [...m.spellings, ...CATALOGUE_QUANTS.map((q) => ollamaTagFor(m, q.id))]) {
        expect(resolver.resolveModel(s), s).toMatchObject({ id: m.id, known: true });
      }
    }
  });

  it('a tagged spelling carries the quant it spells out', () => {
    const m = CATALOGUE_MODELS.find((x) => x.id === 'llama3.2-1b')!;
    expect(resolver.resolveModel(ollamaTagFor(m, 'Q4_K_M')).quant).toBe('Q4_K_M');
  });

  it('every quant, backend and GPU spelling resolves to its canonical id', () => {
    for (const q of CATALOGUE_QUANTS)
      for (const s of q.spellings) expect(resolver.resolveQuant(s).id, s).toBe(q.id);
    for (const b of CATALOGUE_BACKENDS)
      for (const s of b.spellings) expect(resolver.resolveBackend(s).id, s).toBe(b.id);
    for (const g of CATALOGUE_GPUS) expect(resolver.resolveGpu(g.spelling).id, g.spelling).toBe(g.id);
  });

  it('the unknown spellings are unknown to the registry', () => {
    for (const s of UNKNOWN_MODEL_SPELLINGS) expect(resolver.resolveModel(s).known, s).toBe(false);
  });

  it('architectures, bits per weight, bandwidths, memory and rates equal the registry numbers the fits use', () => {
    for (const m of CATALOGUE_MODELS) {
      expect(resolver.model(m.id)).toMatchObject({
        paramsB: m.paramsB,
        layers: m.layers,
        kvHeads: m.kvHeads,
        headDim: m.headDim,
      });
    }
    for (const q of CATALOGUE_QUANTS) expect(resolver.quant(q.id)?.bitsPerWeight, q.id).toBe(q.bitsPerWeight);
    for (const g of CATALOGUE_GPUS) {
      expect(resolver.gpu(g.id)).toMatchObject({
        bandwidthGbs: g.bandwidthGbs,
        vramGb: g.vramGb,
        costPerHour: g.costPerHour,
      });
      expect(GENERATOR_TRUTH.cost_rates[g.id]).toBe(g.costPerHour);
    }
  });
});
