import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../pipeline/fit/types.ts';
import { computeMetrics } from '../../pipeline/math/metrics.ts';
import {
  DEFAULT_GATE_OPTIONS,
  DEFAULT_SCORE_OPTIONS,
  evaluateTargets,
  gateStatus,
  pointError,
  scoreModel,
  type TargetResult,
  type ValidationPoint,
} from '../../pipeline/validate/score.ts';

function point(
  id: string,
  actual: number,
  predicted: number,
  provenance: Provenance = 'measured',
  backend = 'ollama',
): ValidationPoint {
  return Object.freeze({
    id,
    model: 'llama3.2-1b',
    backend,
    quant: 'FP16',
    gpu: 'rtx-4080-laptop',
    actual,
    predicted,
    provenance,
    inputs: Object.freeze({ context: 2048 }),
  });
}

describe('evaluateTargets', () => {
  it('evaluateTargets(metrics, targets) compares each set target in r2, rmse, mae, mape order', () => {
    const m = computeMetrics([1, 2, 3, 4], [1, 2, 3, 5]); // r2 0.8, rmse 0.5, mae 0.25, mape 0.0625
    const results = evaluateTargets(m, { mape_max: 0.05, r2_min: 0.75, rmse_max: 0.4, mae_max: 0.25 });
    expect(results.map((r) => [r.metric, r.op, r.status])).toEqual([
      ['r2', '>=', 'pass'],
      ['rmse', '<=', 'fail'],
      ['mae', '<=', 'pass'],
      ['mape', '<=', 'fail'],
    ]);
    expect(results[0]!.value).toBeCloseTo(0.8, 10);
    expect(results[0]!.target).toBe(0.75);
  });

  it('evaluateTargets(metrics, targets) leaves out targets that are not set', () => {
    expect(evaluateTargets(computeMetrics([1, 2], [1, 2]), {})).toEqual([]);
  });

  it('evaluateTargets(metrics, targets) is insufficient with fewer than 2 points, never a pass', () => {
    const none = evaluateTargets(computeMetrics([], []), { r2_min: 0.5, rmse_max: 100 });
    expect(none.map((r) => r.status)).toEqual(['insufficient', 'insufficient']);
    const one = evaluateTargets(computeMetrics([5], [5]), { rmse_max: 100 });
    expect(one[0]!.status).toBe('insufficient');
    expect(one[0]!.value).toBe(0);
  });

  it('evaluateTargets(metrics, targets) marks R² insufficient for constant actuals but still judges RMSE', () => {
    const results = evaluateTargets(computeMetrics([2, 2, 2], [2, 2.1, 1.9]), { r2_min: 0.5, rmse_max: 1 });
    expect(results.map((r) => [r.metric, r.value === null, r.status])).toEqual([
      ['r2', true, 'insufficient'],
      ['rmse', false, 'pass'],
    ]);
  });

  it('evaluateTargets(metrics, targets) marks MAPE insufficient when every actual is zero', () => {
    const [mape] = evaluateTargets(computeMetrics([0, 0], [1, 1]), { mape_max: 0.5 });
    expect(mape!.status).toBe('insufficient');
  });

  it('evaluateTargets(metrics, targets) passes a value exactly at the target', () => {
    const [rmse] = evaluateTargets(computeMetrics([0, 0], [1, -1]), { rmse_max: 1 });
    expect(rmse!.status).toBe('pass');
  });
});

describe('pointError', () => {
  it('pointError(point) gives ŷ − y, |e| and |e|/|y|, null relative error for y = 0', () => {
    const e = pointError(point('a', 10, 8));
    expect(e.error).toBe(-2);
    expect(e.absError).toBe(2);
    expect(e.relError).toBeCloseTo(0.2, 12);
    expect(pointError(point('b', 0, 1)).relError).toBeNull();
  });
});

describe('scoreModel', () => {
  const points = [
    point('m1', 100, 101, 'measured', 'ollama'),
    point('m2', 50, 49, 'measured', 'vllm'),
    point('m3', 80, 80, 'measured', 'ollama'),
    point('d1', 100, 140, 'derived', 'vllm'),
    point('e1', 10, 20, 'extrapolated', 'ollama'),
    point('x1', 60, 45, 'default', 'tgi'),
  ];

  it('scoreModel(points, targets) separates in-corpus lookups from out-of-sample predictions', () => {
    const s = scoreModel(points, { r2_min: 0.8 });
    expect(s.metrics.n).toBe(6);
    expect(s.inCorpus.n).toBe(3);
    expect(s.outOfSample.n).toBe(3);
    expect(s.inCorpus.mae).toBeCloseTo(2 / 3, 10);
    expect(s.outOfSample.mae).toBeCloseTo((40 + 10 + 15) / 3, 10);
    expect(s.inCorpus.r2!).toBeGreaterThan(s.outOfSample.r2 ?? Number.NEGATIVE_INFINITY);
  });

  it('scoreModel(points, targets) scores each backend, keys sorted', () => {
    const s = scoreModel(points, {});
    expect(Object.keys(s.byBackend)).toEqual(['ollama', 'tgi', 'vllm']);
    expect(s.byBackend.ollama!.n).toBe(3);
    expect(s.byBackend.tgi!.status).toBe('insufficient');
    expect(s.byBackend.vllm!.mae).toBeCloseTo((1 + 40) / 2, 10);
  });

  it('scoreModel(points, targets) matches computeMetrics on the same points', () => {
    const s = scoreModel(points, { rmse_max: 10 });
    const direct = computeMetrics(
      points.map((p) => p.actual),
      points.map((p) => p.predicted),
    );
    expect(s.metrics).toEqual(direct);
    expect(s.targets).toEqual([{ metric: 'rmse', op: '<=', target: 10, value: direct.rmse, status: 'fail' }]);
  });

  it('scoreModel(points, targets, { worstK }) ranks the worst points by absolute and relative error', () => {
    const s = scoreModel(points, {}, { worstK: 2 });
    expect(s.worst.byAbsolute.map((p) => p.id)).toEqual(['d1', 'x1']);
    expect(s.worst.byRelative.map((p) => p.id)).toEqual(['e1', 'd1']);
    expect(s.worst.byRelative[0]!.relError).toBeCloseTo(1, 12);
    expect(s.worst.byAbsolute[0]!.inputs).toEqual({ context: 2048 });
  });

  it('scoreModel(points) breaks ties by id and keeps the documented default K', () => {
    expect(DEFAULT_SCORE_OPTIONS.worstK).toBe(5);
    const tied = [point('b', 10, 11), point('a', 10, 9), point('c', 10, 10)];
    expect(scoreModel(tied, {}).worst.byAbsolute.map((p) => p.id)).toEqual(['a', 'b', 'c']);
  });

  it('scoreModel(points, targets) skips non-finite points and counts them', () => {
    const s = scoreModel(
      [...points, point('nan', 10, Number.NaN), point('inf', Number.POSITIVE_INFINITY, 1)],
      {},
    );
    expect(s.skipped).toBe(2);
    expect(s.metrics.n).toBe(6);
    expect(Number.isFinite(s.metrics.rmse!)).toBe(true);
  });

  it('scoreModel([], targets) reports every target insufficient', () => {
    const s = scoreModel([], { r2_min: 0.9, mape_max: 0.25 });
    expect(s.metrics.n).toBe(0);
    expect(s.targets.every((t) => t.status === 'insufficient')).toBe(true);
    expect(s.worst.byAbsolute).toEqual([]);
  });

  it('scoreModel(points, targets, { worstK: -1 }) rejects a bad option', () => {
    expect(() => scoreModel(points, {}, { worstK: -1 })).toThrow(/worstK/);
  });
});

describe('gateStatus', () => {
  const pass: TargetResult = { metric: 'r2', op: '>=', target: 0.95, value: 0.97, status: 'pass' };
  const fail: TargetResult = { metric: 'mape', op: '<=', target: 0.25, value: 0.3, status: 'fail' };
  const insufficient: TargetResult = {
    metric: 'rmse',
    op: '<=',
    target: 0.1,
    value: null,
    status: 'insufficient',
  };

  it('gateStatus(results) passes only when every target passes', () => {
    const g = gateStatus({ vram: { targets: [pass] }, throughput: { targets: [pass] } });
    expect(g).toMatchObject({ status: 'pass', total: 2, passed: 2, failed: [], insufficient: [] });
  });

  it('gateStatus(results) fails on a missed target and names the model', () => {
    const g = gateStatus({ vram: { targets: [pass] }, latency: { targets: [fail] } });
    expect(g.status).toBe('fail');
    expect(g.failed).toEqual([{ model: 'latency', ...fail }]);
  });

  it('gateStatus(results) counts insufficient as not met by default', () => {
    expect(DEFAULT_GATE_OPTIONS.insufficient).toBe('not-met');
    const g = gateStatus({ quality: { targets: [insufficient] }, vram: { targets: [pass] } });
    expect(g.status).toBe('fail');
    expect(g.policy).toBe('not-met');
    expect(g.insufficient.map((e) => e.model)).toEqual(['quality']);
  });

  it("gateStatus(results, { insufficient: 'ignore' }) lets insufficient targets through but still reports them", () => {
    const g = gateStatus(
      { quality: { targets: [insufficient] }, vram: { targets: [pass] } },
      { insufficient: 'ignore' },
    );
    expect(g.status).toBe('pass');
    expect(g.insufficient).toHaveLength(1);
  });

  it('gateStatus({}) passes vacuously with no targets', () => {
    expect(gateStatus({})).toMatchObject({ status: 'pass', total: 0 });
  });
});
