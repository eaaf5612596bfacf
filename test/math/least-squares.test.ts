import { describe, expect, it } from 'vitest';
import {
  gramSystem,
  linearFit,
  nonNegativeLeastSquares,
  nonNegativeLeastSquaresGram,
  slopeThroughOrigin,
  weightedLeastSquares,
} from '../../pipeline/math/least-squares.ts';

describe('weightedLeastSquares', () => {
  it('weightedLeastSquares(X, y) recovers exact coefficients', () => {
    const X = Object.freeze(
      [
        [1, 0],
        [1, 1],
        [1, 2],
        [1, 3],
      ].map((r) => Object.freeze(r)),
    );
    const fit = weightedLeastSquares(X, Object.freeze([1, 3, 5, 7]))!;
    expect(fit.beta[0]).toBeCloseTo(1, 10);
    expect(fit.beta[1]).toBeCloseTo(2, 10);
    expect(fit.sse).toBeCloseTo(0, 12);
    expect(fit.rankDeficient).toBe(false);
  });

  it('weightedLeastSquares(X, y, w) with weight 2 equals the row given twice', () => {
    const X = [
      [1, 0],
      [1, 1],
      [1, 2],
    ];
    const y = [0, 2, 3];
    const weighted = weightedLeastSquares(X, y, [1, 2, 1])!;
    const duplicated = weightedLeastSquares([...X, [1, 1]], [...y, 2])!;
    expect(weighted.beta[0]).toBeCloseTo(duplicated.beta[0]!, 10);
    expect(weighted.beta[1]).toBeCloseTo(duplicated.beta[1]!, 10);
  });

  it('weightedLeastSquares with collinear columns flags rank deficiency and stays finite', () => {
    const X = [
      [1, 2],
      [2, 4],
      [3, 6],
    ];
    const fit = weightedLeastSquares(X, [1, 2, 3])!;
    expect(fit.rankDeficient).toBe(true);
    expect(fit.rank).toBe(1);
    expect(fit.beta.every(Number.isFinite)).toBe(true);
    expect(fit.sse).toBeCloseTo(0, 10);
  });

  it('weightedLeastSquares with an all-zero column gives it 0', () => {
    const fit = weightedLeastSquares(
      [
        [1, 0],
        [2, 0],
      ],
      [2, 4],
    )!;
    expect(fit.beta[0]).toBeCloseTo(2, 10);
    expect(fit.beta[1]).toBe(0);
    expect(fit.rankDeficient).toBe(true);
  });

  it('weightedLeastSquares with no rows is null and a shape mismatch throws', () => {
    expect(weightedLeastSquares([], [])).toBeNull();
    expect(() => weightedLeastSquares([[1]], [1, 2])).toThrow(/1 rows of X but 2 values/);
  });
});

describe('nonNegativeLeastSquares', () => {
  it('nonNegativeLeastSquares(X, y) holds a coefficient at 0 when the free fit is negative', () => {
    const fit = nonNegativeLeastSquares(
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
      [5, 3, 1],
    )!;
    expect(fit.beta[0]).toBeCloseTo(3, 10);
    expect(fit.beta[1]).toBe(0);
    expect(fit.atBound).toEqual([false, true]);
  });

  it('nonNegativeLeastSquares matches ordinary least squares when that is feasible', () => {
    const X = [
      [1, 0.5],
      [1, 1],
      [1, 2],
      [1, 4],
    ];
    const y = [2.1, 2.9, 5.2, 8.8];
    const ols = weightedLeastSquares(X, y)!;
    const nn = nonNegativeLeastSquares(X, y)!;
    expect(nn.beta[0]).toBeCloseTo(ols.beta[0]!, 10);
    expect(nn.beta[1]).toBeCloseTo(ols.beta[1]!, 10);
    expect(nn.sse).toBeCloseTo(ols.sse, 10);
  });

  it('nonNegativeLeastSquares with all-negative targets returns zeros', () => {
    const fit = nonNegativeLeastSquares(
      [
        [1, 1],
        [1, 2],
      ],
      [-1, -2],
    )!;
    expect(fit.beta).toEqual([0, 0]);
    expect(fit.atBound).toEqual([true, true]);
    expect(fit.sse).toBeCloseTo(5, 12);
  });
});

describe('slopeThroughOrigin', () => {
  it('slopeThroughOrigin(x, y, w) is Σwxy / Σwx²', () => {
    expect(slopeThroughOrigin([1, 2], [2, 4])).toBeCloseTo(2, 12);
    expect(slopeThroughOrigin([1, 2], [1, 6], [3, 1])).toBeCloseTo((3 * 1 + 12) / (3 + 4), 12);
  });

  it('slopeThroughOrigin with all x zero is null', () => {
    expect(slopeThroughOrigin([0, 0], [1, 2])).toBeNull();
    expect(slopeThroughOrigin([], [])).toBeNull();
  });
});

describe('linearFit', () => {
  it('linearFit(x, y) recovers slope and intercept', () => {
    const fit = linearFit([0, 1, 2], [1, 3, 5])!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1, 12);
  });

  it('linearFit with all x equal or one point is null', () => {
    expect(linearFit([2, 2, 2], [1, 2, 3])).toBeNull();
    expect(linearFit([1], [1])).toBeNull();
  });
});

describe('nonNegativeLeastSquaresGram', () => {
  const X = [
    [1, 0, 2],
    [1, 1, 0.5],
    [1, 2, 3],
    [1, 3, 1],
    [1, 4, 2.5],
  ];
  const y = [5, 3.2, 6.1, 2.2, 4];
  const w = [1, 2, 1, 3, 1];

  it('nonNegativeLeastSquaresGram(gramSystem(X, y, w)) matches the row form', () => {
    const rows = nonNegativeLeastSquares(X, y, w)!;
    const gram = nonNegativeLeastSquaresGram(gramSystem(X, y, w));
    for (const [j, b] of gram.beta.entries()) expect(b).toBeCloseTo(rows.beta[j]!, 10);
    expect(gram.sse).toBeCloseTo(rows.sse, 9);
    expect(gram.atBound).toEqual(rows.atBound);
  });

  it('gramSystem of all rows minus some rows is the system of the rest', () => {
    const all = gramSystem(X, y, w);
    const head = gramSystem(X.slice(0, 2), y.slice(0, 2), w.slice(0, 2));
    const rest = gramSystem(X.slice(2), y.slice(2), w.slice(2));
    const diff = {
      gram: all.gram.map((row, j) => row.map((v, k) => v - head.gram[j]![k]!)),
      xty: all.xty.map((v, j) => v - head.xty[j]!),
      yty: all.yty - head.yty,
    };
    const a = nonNegativeLeastSquaresGram(diff);
    const b = nonNegativeLeastSquaresGram(rest);
    for (const [j, v] of a.beta.entries()) expect(v).toBeCloseTo(b.beta[j]!, 9);
  });

  it('nonNegativeLeastSquaresGram with a duplicated column keeps the first and stays finite', () => {
    const fit = nonNegativeLeastSquaresGram(
      gramSystem(
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
        [2, 4, 6],
      ),
    );
    expect(fit.beta).toEqual([2, 0]);
    expect(fit.atBound).toEqual([false, true]);
  });
});
