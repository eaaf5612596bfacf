import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { predictVram } from '../../pipeline/fit/vram.ts';
import { computeLimits, largestSatisfying } from '../../pipeline/plan/limits.ts';
import { fixture } from '../fixtures/artifact/load.ts';

describe('largestSatisfying', () => {
  it('largestSatisfying((x) => x * x <= 50, 1, 100) is 7', () => {
    expect(largestSatisfying((x) => x * x <= 50, 1, 100)).toBe(7);
  });

  it('largestSatisfying(ok, lo, hi) is lo − 1 when ok(lo) fails and hi when ok(hi) holds', () => {
    expect(largestSatisfying(() => false, 1, 10)).toBe(0);
    expect(largestSatisfying(() => true, 1, 10)).toBe(10);
    expect(largestSatisfying(() => true, 5, 5)).toBe(5);
  });

  test.prop([
    fc.integer({ min: -5, max: 40 }),
    fc.integer({ min: 0, max: 5000 }),
    fc.integer({ min: -1, max: 6000 }),
  ])('largestSatisfying(x ≤ t, lo, hi) finds min(t, hi) (or lo − 1) with O(log) calls', (lo, span, t) => {
    const hi = lo + span;
    let calls = 0;
    const got = largestSatisfying(
      (x) => {
        calls++;
        return x <= t;
      },
      lo,
      hi,
    );
    expect(got).toBe(t < lo ? lo - 1 : Math.min(t, hi));
    expect(calls).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(span + 2)) + 2);
  });

  it('largestSatisfying(ok, lo, hi) refuses hi < lo and non-integers', () => {
    expect(() => largestSatisfying(() => true, 3, 2)).toThrow(RangeError);
    expect(() => largestSatisfying(() => true, 0.5, 2)).toThrow(RangeError);
  });
});

describe('computeLimits', () => {
  const { artifact, predictor } = fixture();
  const r = predictor.resolver;
  const cases: [string, string, string, number][] = [
    ['llama3.1-8b', 'Q4_K_M', 'rtx-4060', 2048],
    ['llama3.2-3b', 'FP16', 'rtx-4060', 4096],
    ['llama3.2-1b', 'Q8_0', 'rtx-4070', 8192],
    ['phi-2', 'FP16', 'rtx-4070', 1024],
  ];

  for (const [modelId, quantId, gpuId, context] of cases) {
    it(`computeLimits(${modelId} ${quantId} on ${gpuId}) matches a brute-force scan`, () => {
      const model = r.model(modelId)!;
      const quant = r.quant(quantId)!;
      const gpu = r.gpu(gpuId)!;
      const limits = computeLimits(artifact.vram, { model, quant, gpu, context });
      const fits = (c: number, b: number) =>
        predictVram(artifact.vram, { model, quant, context: c, batch: b }).vramGb <= gpu.vramGb;
      let ctx = 0;
      while (fits(ctx + 1, 1)) ctx++;
      let seq = 0;
      while (fits(context, seq + 1)) seq++;
      expect(limits.maxContext.value).toBe(ctx);
      expect(limits.maxSequences.value).toBe(seq);
      expect(ctx).toBeGreaterThan(0);
      expect(limits.maxContext.capped).toBe(false);
      expect(limits.maxContext.vramGb).toBeLessThanOrEqual(gpu.vramGb);
    });
  }

  it('computeLimits(…) reports 0 when not even one token fits', () => {
    const limits = computeLimits(artifact.vram, {
      model: r.model('llama3.1-8b')!,
      quant: r.quant('FP16')!,
      gpu: r.gpu('rtx-4060')!,
      context: 2048,
    });
    expect(limits.maxContext.value).toBe(0);
    expect(limits.maxSequences.value).toBe(0);
    expect(limits.baseVramGb).toBeGreaterThan(8);
  });
});
