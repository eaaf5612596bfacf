import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeGeneratedCorpus } from '../../pipeline/commands/generate.ts';
import { coefficientsOf, fitAll } from '../../pipeline/fit/index.ts';
import { GENERATOR_TRUTH, truthServiceMs, truthTokPerS } from '../../pipeline/generate/truth.ts';
import { loadCorpus } from '../../pipeline/ingest/load.ts';
import { splitKey } from '../../pipeline/util/keys.ts';

// End to end: generated files → ingest → normalise → the six fits on every record, compared with the
// coefficients the rows were drawn from. Seeded, so the tolerances below are not flaky.
const scratch = mkdtempSync(join(tmpdir(), 'capfit-recovery-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('generated corpus → fits recover the truth', async () => {
  const { configPath } = await writeGeneratedCorpus({ records: 20_000, seed: 'recovery', out: scratch });
  const corpus = await loadCorpus(configPath);
  const fitted = fitAll(corpus.records, {
    config: corpus.config,
    specs: corpus.resolver,
    quantIds: corpus.registry.quants.map((q) => q.id),
  });
  const c = coefficientsOf(fitted);
  const truth = GENERATOR_TRUTH;
  const known = (model: string): boolean => Object.hasOwn(truth.quality_baselines, model);

  it('VRAM: overhead, intercept and activation coefficient', () => {
    expect(c.vram.variant).toBe('intercept_quadratic');
    expect(Math.abs(c.vram.overhead_factor - truth.vram.overhead_factor)).toBeLessThan(0.03);
    expect(Math.abs(c.vram.intercept_gb - truth.vram.intercept_gb)).toBeLessThan(0.1);
    expect(Math.abs(c.vram.act_coeff / truth.vram.act_coeff - 1)).toBeLessThan(0.1);
  });

  it('throughput: every reference-GPU lookup cell within 5 % of efficiency × multiplier × roofline', () => {
    const cells = Object.entries(c.throughput.lookup).filter(([key]) => known(splitKey(key)[0]!));
    expect(cells.length).toBeGreaterThan(30);
    for (const [key, tps] of cells) {
      const [model, backend, quant] = splitKey(key) as [string, string, string];
      const expected = truthTokPerS(model, backend, quant, truth.reference_gpu);
      expect(Math.abs(tps / expected - 1), key).toBeLessThan(0.05);
    }
  });

  it('scaling: the per-backend serial fractions', () => {
    for (const backend of ['ollama', 'vllm', 'tgi']) {
      expect(Math.abs(c.scaling.defaults[backend]! - truth.serial_fractions[backend]!), backend).toBeLessThan(
        0.05,
      );
    }
  });

  it('quality: quant deltas vs FP16', () => {
    for (const [quant, delta] of Object.entries(c.quality.quant_deltas)) {
      expect(Math.abs(delta - truth.quality_deltas[quant]!), quant).toBeLessThan(0.03);
    }
    expect(c.quality.quant_deltas.Q2_K).toBeLessThan(-0.08);
  });

  it('latency: service times of the known (model, backend) pairs within 3 %', () => {
    const pairs = Object.entries(c.latency.service_times).filter(([key]) => known(splitKey(key)[0]!));
    expect(pairs.length).toBeGreaterThan(20);
    for (const [key, ms] of pairs) {
      const [model, backend] = splitKey(key) as [string, string];
      expect(Math.abs(ms / truthServiceMs(model, backend) - 1), key).toBeLessThan(0.03);
    }
  });

  it('cost: the hourly rate implied by every GPU', () => {
    for (const [gpu, implied] of Object.entries(c.cost.implied_rates)) {
      expect(implied.rate, gpu).toBeCloseTo(truth.cost_rates[gpu]!, 5);
    }
  });
});
