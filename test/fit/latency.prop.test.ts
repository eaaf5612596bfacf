import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { fitLatency, predictLatency } from '../../pipeline/fit/latency.ts';

const coefficients = fitLatency([]).coefficients;

const query = fc.record({
  tokPerS: fc.double({ min: 0.1, max: 5000, noNaN: true }),
  n: fc.integer({ min: 1, max: 64 }),
  eta: fc.double({ min: 1e-3, max: 1, noNaN: true }),
  requestRate: fc.double({ min: 0, max: 1000, noNaN: true }),
});

describe('predictLatency properties', () => {
  test.prop([query])(
    'predictLatency outputs are finite and non-negative or null, with a consistent status',
    (q) => {
      const p = predictLatency(coefficients, { model: 'm', backend: 'b', ...q });
      for (const v of [p.serviceMs, p.capacityRps, p.rho]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(0);
      }
      if (p.rho >= 1) {
        expect(p).toMatchObject({ status: 'saturated', waitMs: null, p95Ms: null });
      } else {
        expect(Number.isFinite(p.waitMs!)).toBe(true);
        expect(p.p95Ms!).toBeGreaterThanOrEqual(p.serviceMs);
        expect(p.status).toBe(p.rho >= coefficients.safety_factor ? 'infeasible' : 'ok');
      }
    },
  );

  test.prop([query, fc.double({ min: 0, max: 10, noNaN: true })])(
    'predictLatency p95 does not fall as the request rate rises',
    (q, extra) => {
      const a = predictLatency(coefficients, { model: 'm', backend: 'b', ...q });
      const b = predictLatency(coefficients, {
        model: 'm',
        backend: 'b',
        ...q,
        requestRate: q.requestRate + extra,
      });
      if (b.p95Ms !== null) expect(b.p95Ms).toBeGreaterThanOrEqual(a.p95Ms!);
      expect(b.rho).toBeGreaterThanOrEqual(a.rho);
    },
  );
});
