import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../pipeline/config.ts';
import { generatedConfig } from '../../pipeline/generate/config.ts';
import { GENERATOR_TRUTH } from '../../pipeline/generate/truth.ts';
import { CATEGORIES } from '../../pipeline/records.ts';

const options = {
  sources: {
    throughput: 'throughput.csv',
    vram: 'vram.csv',
    quality: 'quality.csv',
    latency: 'latency.csv',
    cost: 'cost.csv',
    scaling: 'scaling.csv',
  },
  registry: {
    models: '/r/models.csv',
    quants: '/r/quants.csv',
    gpus: '/r/gpus.csv',
    backends: '/r/backends.csv',
  },
  seed: '42',
};

describe('generatedConfig', () => {
  it('generatedConfig(options) is a valid refit config with one CSV source per category', () => {
    const config = parseConfig(generatedConfig(options));
    expect(config.sources.map((s) => [s.category, s.path, s.format])).toEqual(
      CATEGORIES.map((c) => [c, `${c}.csv`, 'csv']),
    );
    expect(config.registry).toEqual(options.registry);
  });

  it('generatedConfig(options) keeps the seed a string, even when it looks like a number', () => {
    const text = generatedConfig(options);
    expect(text).toContain('seed: "42"');
    expect(parseConfig(text).seed).toBe('42');
  });

  it('generatedConfig(options) without a root config uses the truth reference GPU and its rate', () => {
    const config = parseConfig(generatedConfig(options));
    expect(config.defaults.reference_gpu).toBe(GENERATOR_TRUTH.reference_gpu);
    expect(config.defaults.hw_cost_per_hour).toBe(GENERATOR_TRUTH.cost_rates[GENERATOR_TRUTH.reference_gpu]);
    expect(config.targets.record.vram.r2_min).toBe(0.95);
  });

  it('generatedConfig({ base }) copies targets, defaults, stability and spot checks from the root config', () => {
    const base = parseConfig(readFileSync(new URL('../../refit.config.yaml', import.meta.url), 'utf8'));
    const config = parseConfig(generatedConfig({ ...options, base }));
    expect(config.targets).toEqual(base.targets);
    expect(config.defaults).toEqual(base.defaults);
    expect(config.stability).toEqual(base.stability);
    expect(config.spot_checks).toEqual(base.spot_checks);
    expect(config.drift).toEqual(base.drift);
    expect(config.sources).toHaveLength(6);
  });
});
