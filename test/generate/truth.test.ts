import { describe, expect, it } from 'vitest';
import {
  GENERATOR_TRUTH,
  truthEta,
  truthKvGb,
  truthQuality,
  truthServiceMs,
  truthTokPerS,
  truthUsdPer1M,
  truthVramGb,
  truthWeightGb,
} from '../../pipeline/generate/truth.ts';

describe('truth formulas', () => {
  it('truthKvGb(model, ctx) is 2·L·ctx·kv_heads·head_dim·2 bytes in GiB', () => {
    // llama3.2-1b: 16 layers, 8 KV heads, head_dim 64 → 2·16·2048·8·64·2 = 67,108,864 bytes.
    expect(truthKvGb('llama3.2-1b', 2048)).toBeCloseTo(0.0625, 12);
    expect(truthKvGb('llama3.2-1b', 2048, 4)).toBeCloseTo(0.25, 12);
  });

  it('truthWeightGb(model, quant) is params · bits / 8', () => {
    expect(truthWeightGb('llama3.2-1b', 'FP16')).toBeCloseTo(2.48, 12);
    expect(truthWeightGb('llama3.1-8b', 'Q4_K_M')).toBeCloseTo((8.03 * 4.87) / 8, 12);
  });

  it('truthVramGb(model, quant, ctx) adds weights·overhead, KV, activation and the intercept', () => {
    const v = GENERATOR_TRUTH.vram;
    const expected = 2.48 * v.overhead_factor + 0.0625 + v.act_coeff * 16 * 4 + v.intercept_gb;
    expect(truthVramGb('llama3.2-1b', 'FP16', 2048)).toBeCloseTo(expected, 12);
  });

  it('truthTokPerS(...) is efficiency × quant multiplier × the FP16 bandwidth roofline', () => {
    // RTX 4080 Laptop: 432 GB/s; llama3.2-1b FP16 reads 2.48 GB per token.
    expect(truthTokPerS('llama3.2-1b', 'ollama', 'FP16', 'rtx-4080-laptop')).toBeCloseTo(
      (0.62 * 432) / 2.48,
      9,
    );
    expect(truthTokPerS('llama3.2-1b', 'ollama', 'Q4_K_M', 'rtx-4080-laptop')).toBeCloseTo(
      (1.9 * 0.62 * 432) / 2.48,
      9,
    );
  });

  it('truthEta(backend, n) is standard Amdahl with η(1) = 1', () => {
    expect(truthEta('vllm', 1)).toBe(1);
    expect(truthEta('ollama', 3)).toBeCloseTo(1 / (1 + 0.45 * 2), 12);
  });

  it('truthQuality(model, quant) is the FP16 baseline plus the quant delta', () => {
    expect(truthQuality('llama3.2-1b', 'FP16')).toBeCloseTo(0.544, 12);
    expect(truthQuality('llama3.2-1b', 'Q2_K')).toBeCloseTo(0.424, 12);
  });

  it('truthServiceMs(model, backend) is overhead plus 128 tokens at the default-quant reference throughput', () => {
    const tps = truthTokPerS('llama3.2-3b', 'ollama', 'Q4_K_M', 'rtx-4080-laptop');
    expect(truthServiceMs('llama3.2-3b', 'ollama')).toBeCloseTo(60 + (128 * 1000) / tps, 9);
  });

  it('truthUsdPer1M(gpu, tok/s) = rate / (tok/s · 3600) · 1e6 (TR133 §8.1)', () => {
    expect(truthUsdPer1M('rtx-4080-laptop', 100)).toBeCloseTo((0.035 / 360000) * 1e6, 12);
  });

  it('truth formulas throw on an id the truth does not know', () => {
    expect(() => truthEta('no-such-backend', 2)).toThrow(/serial fraction/);
    expect(() => truthTokPerS('no-such-model', 'ollama', 'FP16', 'rtx-4090')).toThrow(/no-such-model/);
  });
});
