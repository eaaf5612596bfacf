import { describe, expect, it } from 'vitest';
import { UNITS } from '../../pipeline/config.ts';
import {
  CATEGORY_FIELDS,
  checkDomain,
  convertUnit,
  fieldDef,
  parseNumber,
  parseUnit,
  unitsCompatible,
} from '../../pipeline/ingest/fields.ts';
import { CATEGORIES } from '../../pipeline/records.ts';

describe('parseNumber', () => {
  it.each([
    ['42', 42],
    [' 4.5e2 ', 450],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['7.', 7],
    ['+3', 3],
    ['-0', 0],
  ])('parseNumber(%j) accepts a plain number', (text, value) => {
    expect(parseNumber(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['1,5', 'decimal comma'],
    ['1,234', 'decimal comma'],
    ['12 GB', 'unit or text'],
    ['12GB', 'unit or text'],
    ['50%', 'unit or text'],
    ['--', 'not a plain number'],
    ['N/A', 'not a plain number'],
    ['0x10', 'unit or text'],
    ['1.2.3', 'not a plain number'],
    ['$5', 'not a plain number'],
  ])('parseNumber(%j) is bad_number (%s)', (text, reason) => {
    const r = parseNumber(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('bad_number');
      expect(r.reason).toContain(reason);
    }
  });

  it.each(['NaN', 'nan', 'Infinity', '-inf', '1e999', '-1e400'])('parseNumber(%j) is non_finite', (text) => {
    const r = parseNumber(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.code).toBe('non_finite');
  });
});

describe('convertUnit', () => {
  it('convertUnit(v, MB|MiB|GiB, GB) uses 10^6, 2^20 and 2^30 bytes', () => {
    expect(convertUnit(1500, 'MB', 'GB')).toBeCloseTo(1.5, 12);
    expect(convertUnit(1024, 'MiB', 'GB')).toBeCloseTo(1.073741824, 12);
    expect(convertUnit(1, 'GiB', 'GB')).toBeCloseTo(1.073741824, 12);
    expect(convertUnit(6150, 'MiB', 'GB')).toBeCloseTo(6.4487424, 12);
  });

  it('convertUnit(v, s|us, ms) scales time', () => {
    expect(convertUnit(2.1, 's', 'ms')).toBe(2100);
    expect(convertUnit(1500, 'us', 'ms')).toBe(1.5);
  });

  it('convertUnit(v, percent, fraction) is exact in decimal (101.7 → 1.017)', () => {
    expect(convertUnit(101.7, 'percent', 'fraction')).toBe(1.017);
    expect(convertUnit(40.06, 'percent', 'fraction')).toBe(0.4006);
    expect(convertUnit(0.5, 'fraction', 'percent')).toBe(50);
  });

  it('convertUnit across dimensions is undefined', () => {
    expect(convertUnit(1, 'ms', 'GB')).toBeUndefined();
    expect(unitsCompatible('percent', 'fraction')).toBe(true);
    expect(unitsCompatible('s', 'MiB')).toBe(false);
  });

  it('convertUnit(v, u, u) is the identity for every unit', () => {
    for (const u of UNITS) expect(convertUnit(3.25, u, u)).toBe(3.25);
  });
});

describe('parseUnit', () => {
  it.each([
    ['percent', 'percent'],
    ['%', 'percent'],
    ['Fraction', 'fraction'],
    ['MiB', 'MiB'],
    ['mib', 'MiB'],
    ['sec', 's'],
    ['µs', 'us'],
    ['tok/s', 'tok/s'],
  ])('parseUnit(%j) is %s', (text, unit) => {
    expect(parseUnit(text)).toBe(unit);
  });

  it('parseUnit(unknown) is undefined', () => {
    expect(parseUnit('furlongs')).toBeUndefined();
  });
});

describe('checkDomain', () => {
  it('checkDomain rejects negative VRAM as negative and zero tok/s as out_of_range', () => {
    expect(checkDomain(fieldDef('vram', 'vram_gb')!, -1)?.code).toBe('negative');
    expect(checkDomain(fieldDef('throughput', 'tok_per_s')!, 0)?.code).toBe('out_of_range');
    expect(checkDomain(fieldDef('throughput', 'tok_per_s')!, 0.1)).toBeUndefined();
  });

  it('checkDomain keeps η in (0, 2] and quality in [0, 1]', () => {
    const eta = fieldDef('scaling', 'eta')!;
    expect(checkDomain(eta, 0)?.code).toBe('out_of_range');
    expect(checkDomain(eta, 2)).toBeUndefined();
    expect(checkDomain(eta, 2.01)?.code).toBe('out_of_range');
    const score = fieldDef('quality', 'score')!;
    expect(checkDomain(score, 0)).toBeUndefined();
    expect(checkDomain(score, 1)).toBeUndefined();
    expect(checkDomain(score, 1.2)?.code).toBe('out_of_range');
  });

  it('checkDomain requires at least one agent and one concurrent request', () => {
    expect(checkDomain(fieldDef('scaling', 'n_agents')!, 0)?.code).toBe('out_of_range');
    expect(checkDomain(fieldDef('latency', 'concurrency')!, 0)?.code).toBe('out_of_range');
    expect(checkDomain(fieldDef('latency', 'concurrency')!, 1)).toBeUndefined();
  });
});

describe('CATEGORY_FIELDS', () => {
  it('CATEGORY_FIELDS gives every category model and backend as required strings and no repeated names', () => {
    for (const c of CATEGORIES) {
      const names = CATEGORY_FIELDS[c].map((f) => f.name);
      expect(new Set(names).size).toBe(names.length);
      expect(fieldDef(c, 'model')).toMatchObject({ type: 'string', required: true });
      expect(fieldDef(c, 'backend')).toMatchObject({ type: 'string', required: true });
    }
  });

  it('CATEGORY_FIELDS numeric fields with a unit use a known canonical unit', () => {
    for (const c of CATEGORIES) {
      for (const f of CATEGORY_FIELDS[c]) {
        if (f.unit !== undefined) expect(UNITS).toContain(f.unit);
        if (f.type === 'string') expect(f.unit).toBeUndefined();
      }
    }
  });
});
