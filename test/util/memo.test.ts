import { describe, expect, it } from 'vitest';
import { ObjectKeyCache, ObjectPairCache, TextCodes, TupleCache } from '../../pipeline/util/memo.ts';

describe('TupleCache', () => {
  it('cache.get(parts, compute) computes once per distinct tuple and returns the stored value after', () => {
    const cache = new TupleCache<string>();
    let calls = 0;
    const get = (parts: (string | number | null)[]) =>
      cache.get(parts, () => {
        calls++;
        return parts.join('/');
      });
    expect(get(['a', 1, null])).toBe('a/1/');
    expect(get(['a', 1, null])).toBe('a/1/');
    expect(calls).toBe(1);
    expect(get(['a', 1, 2])).toBe('a/1/2');
    expect(calls).toBe(2);
  });

  it('TupleCache tells null, empty text, 0 and "0" apart (no joined-string collisions)', () => {
    const cache = new TupleCache<number>();
    let n = 0;
    const id = (parts: (string | number | null)[]) => cache.get(parts, () => ++n);
    const ids = [
      id(['m', null]),
      id(['m', '']),
      id(['m', 0]),
      id(['m', '0']),
      id(['m|', '']),
      id(['m', '|']),
    ];
    expect(new Set(ids).size).toBe(6);
  });

  it('TupleCache caches undefined results too', () => {
    const cache = new TupleCache<number | undefined>();
    let calls = 0;
    for (let i = 0; i < 3; i++)
      cache.get(['x'], () => {
        calls++;
        return undefined;
      });
    expect(calls).toBe(1);
  });
});

describe('ObjectPairCache', () => {
  it('cache.get(a, b, compute) computes once per (a, b) object pair', () => {
    const cache = new ObjectPairCache<object, object, number>();
    const a = {};
    const b = {};
    const c = {};
    let calls = 0;
    const compute = () => ++calls;
    expect(cache.get(a, b, compute)).toBe(1);
    expect(cache.get(a, b, compute)).toBe(1);
    expect(cache.get(a, c, compute)).toBe(2);
    expect(cache.get(b, a, compute)).toBe(3);
  });
});

describe('ObjectKeyCache', () => {
  it('cache.get(object, key, compute) computes once per (object, key)', () => {
    const cache = new ObjectKeyCache<object, string>();
    const a = {};
    const b = {};
    let calls = 0;
    const compute = (v: string) => () => {
      calls++;
      return v;
    };
    expect(cache.get(a, 'x', compute('ax'))).toBe('ax');
    expect(cache.get(a, 'x', compute('again'))).toBe('ax');
    expect(cache.get(a, 'y', compute('ay'))).toBe('ay');
    expect(cache.get(b, 'x', compute('bx'))).toBe('bx');
    expect(calls).toBe(3);
  });
});

describe('TextCodes', () => {
  it('gives equal texts one code and distinct texts distinct codes, past the few it compares', () => {
    const codes = new TextCodes();
    const texts = Array.from({ length: 100 }, (_, i) => `gpu-${i % 50}`);
    const got = texts.map((t) => codes.code(t));
    expect(codes.size).toBe(50);
    expect(new Set(got).size).toBe(50);
    // A copy built at run time (not the same string object) gets the same code.
    expect(codes.code(['gpu', '49'].join('-'))).toBe(got[49]);
    expect(got.slice(0, 50)).toEqual(got.slice(50));
  });
});
