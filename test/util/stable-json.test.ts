import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { stableJsonBytes, stableStringify } from '../../pipeline/util/stable-json.ts';

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

describe('stableJsonBytes', () => {
  const same = (value: unknown) =>
    expect(stableJsonBytes(value).equals(Buffer.from(stableStringify(value), 'utf8'))).toBe(true);

  test.prop([
    fc.jsonValue(),
    fc.dictionary(fc.string({ unit: 'binary' }), fc.array(fc.string({ unit: 'binary' }), { maxLength: 30 })),
  ])('stableJsonBytes is Buffer.from(stableStringify(value)), byte for byte', (json, texts) => {
    same(json);
    same(texts);
    same({ nested: { texts, json, empty: [], none: {} } });
  });

  it('stableJsonBytes writes escapes, non-ASCII, lone surrogates, undefined members and array holes as stableStringify does', () => {
    same({
      a: 'quote " back \\ tab \t',
      b: 'é ü 日本 🙂',
      c: '\ud800 lone',
      d: undefined,
      e: [1, undefined, 'x'],
    });
    // Long enough to be written in several 64 KB pieces.
    same({ ids: Array.from({ length: 20_000 }, (_, i) => `${i.toString(16).padStart(12, '0')}#${i % 3}`) });
  });

  it('stableJsonBytes refuses a non-finite number with the same message as stableStringify', () => {
    expect(() => stableJsonBytes({ a: { b: [1, Number.NaN] } })).toThrow(
      'stableStringify: non-finite number at $.a.b[1]',
    );
  });
});
