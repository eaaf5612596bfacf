import { describe, expect, it } from 'vitest';
import { compositeKey, dict, splitKey } from '../../pipeline/util/keys.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';

describe('compositeKey', () => {
  it('compositeKey joins parts with | like the reference artifact', () => {
    expect(compositeKey('llama3.2-1b', 'ollama', 'FP16')).toBe('llama3.2-1b|ollama|FP16');
  });

  it('compositeKey cannot collide through a | inside a name', () => {
    const a = compositeKey('a|b', 'c');
    const b = compositeKey('a', 'b|c');
    expect(a).not.toBe(b);
    expect(splitKey(a)).toEqual(['a|b', 'c']);
    expect(splitKey(b)).toEqual(['a', 'b|c']);
    expect(splitKey(compositeKey('50%7C', 'x'))).toEqual(['50%7C', 'x']);
  });

  it('dict() holds __proto__ and constructor as plain keys', () => {
    const d = dict<number>([
      ['__proto__', 1],
      ['constructor', 2],
    ]);
    expect(d.__proto__).toBe(1);
    expect(Object.keys(d).sort()).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('stableStringify', () => {
  it('stableStringify sorts keys at every depth and ends with a newline', () => {
    expect(stableStringify({ b: 1, a: { d: [2, { z: 1, y: 0 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      2,\n      {\n        "y": 0,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('stableStringify refuses NaN and names where it is', () => {
    expect(() => stableStringify({ a: [1, Number.NaN] })).toThrow(/\$\.a\[1\]/);
  });
});
