/**
 * TR133 §12's ten spot checks, as configured in refit.config.yaml, evaluated on coefficients
 * fitted from the bundled corpus (the headline split's training records, as `npm run refit` does).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { coefficientsOf, fitAll } from '../pipeline/fit/index.ts';
import { type LoadedCorpus, loadCorpus } from '../pipeline/ingest/load.ts';
import { createPredictor } from '../pipeline/predict.ts';
import { splitAll, splitSide } from '../pipeline/split/index.ts';
import { runSpotChecks, type SpotCheckResult } from '../pipeline/validate/spot-checks.ts';

const CONFIG = join(import.meta.dirname, '..', 'refit.config.yaml');

describe('spot checks on the bundled corpus', () => {
  let corpus: LoadedCorpus;
  let results: SpotCheckResult[];

  beforeAll(async () => {
    corpus = await loadCorpus(CONFIG);
    const c = corpus.config;
    const split = splitAll(corpus.records, {
      unit: c.split.unit,
      seed: c.seed,
      testFraction: c.split.test_fraction,
      stratify: c.split.stratify,
    });
    const train = splitSide(split, 'train');
    const fitted = fitAll(train, {
      config: c,
      specs: corpus.resolver,
      quantIds: corpus.registry.quants.map((q) => q.id),
    });
    results = runSpotChecks(c.spot_checks, createPredictor(coefficientsOf(fitted), corpus.registry).quantity);
  });

  it('the config carries all ten TR133 §12 spot checks', () => {
    expect(corpus.config.spot_checks).toHaveLength(10);
  });

  it.each([
    'vram-llama3.2-3b-fp16',
    'vram-llama3.1-8b-fp16',
    'vram-q4-below-fp16',
    'throughput-1b-faster-than-3b',
    'quality-fp16-not-below-q2k',
    'scaling-eta-at-1',
    'scaling-eta-8-below-1',
    'cost-faster-is-cheaper',
    'cost-formula',
    'cost-monthly',
  ])('spot check %s passes on coefficients fitted from the corpus', (id) => {
    const r = results.find((x) => x.id === id);
    expect(r, `no result for ${id}`).toBeDefined();
    expect(r!.status, r!.detail).toBe('pass');
    expect(Number.isFinite(r!.value)).toBe(true);
  });
});
