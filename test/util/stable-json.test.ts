import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { stableStringify } from '../../pipeline/util/stable-json.ts';

describe('stableStringify', () => {
  it('stableStringify(value) sorts keys at every depth, indents by two and ends with a newline', () => {
    const text = stableStringify({ b: 1, a: { d: [3, 'x', { z: true, y: null }], c: 'c' } });
    expect(text).toBe(
      '{\n  "a": {\n    "c": "c",\n    "d": [\n      3,\n      "x",\n      {\n        "y": null,\n        "z": true\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('stableStringify leaves out undefined members', () => {
    expect(stableStringify({ a: undefined, b: 2 })).toBe('{\n  "b": 2\n}\n');
  });

  it('stableStringify refuses a non-finite number and names its path from the root', () => {
    expect(() => stableStringify({ a: { b: [1, Number.NaN] } })).toThrow(
      'stableStringify: non-finite number at $.a.b[1]',
    );
    expect(() => stableStringify(Number.POSITIVE_INFINITY)).toThrow('non-finite number at $');
  });

  test.prop([fc.dictionary(fc.string(), fc.jsonValue())])(
    'stableStringify is JSON.parse-able back to the same value, whatever the key order',
    (value) => {
      const text = stableStringify(value);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      const reversed = Object.fromEntries(Object.entries(value).reverse());
      expect(stableStringify(reversed)).toBe(text);
    },
  );
});
