import { describe, expect, it } from 'vitest';
import { pct, qualityRoute, textTable, usd } from '../../pipeline/commands/format.ts';

describe('textTable', () => {
  it('textTable(headers, rows) pads columns and right-aligns numeric ones', () => {
    expect(
      textTable(
        ['id', 'GB'],
        [
          ['a', 8],
          ['bb', 24],
        ],
      ),
    ).toBe('id  GB\na    8\nbb  24\n');
  });

  it('textTable(headers, rows, align) honours explicit alignment and prints null as a dash', () => {
    expect(
      textTable(
        ['x', 'y'],
        [
          [null, 'b'],
          [true, 'cc'],
        ],
        ['right', 'right'],
      ),
    ).toBe('  x   y\n  —   b\nyes  cc\n');
  });
});

describe('usd', () => {
  it('usd(x) prints cents from $1 and three significant digits below', () => {
    expect(usd(25.2)).toBe('$25.20');
    expect(usd(1152)).toBe('$1152.00');
    expect(usd(0.0664)).toBe('$0.0664');
    expect(usd(0.035)).toBe('$0.0350');
    expect(usd(0)).toBe('$0.00');
    expect(usd(Number.NaN)).toBe('—');
  });
});

describe('pct', () => {
  it('pct(x) prints a fraction as a percentage', () => {
    expect(pct(0.2261)).toBe('22.6%');
    expect(pct(null)).toBe('—');
  });
});

describe('qualityRoute', () => {
  it('qualityRoute(p) names the TR133 §7.1 tier from the provenance', () => {
    const q = (provenance: 'measured' | 'derived' | 'extrapolated' | 'unknown') => ({
      score: 0.5,
      tier: 'unknown',
      drop_pp: null,
      provenance,
    });
    expect(qualityRoute(q('measured'))).toBe('lookup');
    expect(qualityRoute(q('derived'))).toBe('FP16 baseline + quant delta');
    expect(qualityRoute(q('unknown'))).toBe('default (unknown)');
  });
});
