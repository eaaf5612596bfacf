import { describe, expect, it } from 'vitest';
import { md1Wait, serviceCapacity, tailLatency } from '../../pipeline/math/queue.ts';

describe('serviceCapacity', () => {
  it('serviceCapacity(S, N, η) is N·η/S', () => {
    expect(serviceCapacity(1, 1, 1)).toBe(1);
    expect(serviceCapacity(0.5, 4, 0.5)).toBeCloseTo(4, 12);
    expect(serviceCapacity(2, 8, 0.25)).toBeCloseTo(1, 12);
  });
});

describe('md1Wait', () => {
  it('md1Wait(0.5, 1) gives ρ = 0.5 and W = 0.5/(2·1·0.5) = 0.5', () => {
    expect(md1Wait(0.5, 1)).toEqual({ rho: 0.5, wait: 0.5 });
  });

  it('md1Wait(λ, C) is half the M/M/1 wait ρ/(C(1 − ρ))', () => {
    const lambda = 1.4;
    const c = 2;
    const rho = lambda / c;
    expect(md1Wait(lambda, c).wait).toBeCloseTo(rho / (c * (1 - rho)) / 2, 12);
  });

  it('md1Wait(0, C) has no wait', () => {
    expect(md1Wait(0, 3)).toEqual({ rho: 0, wait: 0 });
  });

  it('md1Wait(λ, C) has no finite wait at ρ ≥ 1', () => {
    expect(md1Wait(1, 1)).toEqual({ rho: 1, wait: null });
    expect(md1Wait(5, 1)).toEqual({ rho: 5, wait: null });
  });
});

describe('tailLatency', () => {
  it('tailLatency(S, W, k) is S + k·W', () => {
    expect(tailLatency(1000, 500, 3)).toBe(2500);
    expect(tailLatency(722, 0, 3)).toBe(722);
  });
});
