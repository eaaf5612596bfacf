import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CONTENT_HASH_BYTES, configWords, contentHash } from '../../pipeline/normalise/content-hash.ts';

const hex = (words: readonly number[], values: readonly number[]): string => {
  const out = new Uint8Array(CONTENT_HASH_BYTES);
  contentHash(words, values, out, 0);
  return Buffer.from(out).toString('hex');
};

const WORDS = configWords('{"category": "throughput"}');

describe('contentHash', () => {
  it('is the same for JSON-equal numbers: −0 and 0, any NaN, and missing columns (NaN)', () => {
    expect(hex(WORDS, [1, -0])).toBe(hex(WORDS, [1, 0]));
    expect(hex(WORDS, [1, Number.NaN])).toBe(hex(WORDS, [1, 0 / 0]));
    expect(hex(WORDS, [1, 2])).toBe(hex(WORDS, [1, 2, Number.NaN, Number.NaN, Number.NaN]));
  });

  it('depends on the configuration and on the column a number is in', () => {
    expect(hex(WORDS, [1, 2])).not.toBe(hex(configWords('{"category": "vram"}'), [1, 2]));
    expect(hex(WORDS, [1, 2])).not.toBe(hex(WORDS, [2, 1]));
  });

  it('writes at the given offset and nowhere else', () => {
    const out = new Uint8Array(3 * CONTENT_HASH_BYTES);
    contentHash(WORDS, [5], out, CONTENT_HASH_BYTES);
    expect(out.subarray(0, CONTENT_HASH_BYTES).every((b) => b === 0)).toBe(true);
    expect(out.subarray(2 * CONTENT_HASH_BYTES).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(out.subarray(CONTENT_HASH_BYTES, 2 * CONTENT_HASH_BYTES)).toString('hex')).toBe(
      hex(WORDS, [5]),
    );
  });

  it('gives 200,000 distinct rows 200,000 distinct hashes, and a one-ulp change flips about half the bits', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(hex(WORDS, [1, 50 + i / 7, i % 3, 2048]));
    expect(seen.size).toBe(200_000);
    let flipped = 0;
    const trials = 2000;
    const a = new Uint8Array(CONTENT_HASH_BYTES);
    const b = new Uint8Array(CONTENT_HASH_BYTES);
    for (let i = 0; i < trials; i++) {
      const v = 1 + i / 3;
      contentHash(WORDS, [1, v], a, 0);
      contentHash(WORDS, [1, v + Number.EPSILON * v], b, 0);
      for (let k = 0; k < CONTENT_HASH_BYTES; k++) {
        let x = a[k]! ^ b[k]!;
        while (x) {
          flipped += x & 1;
          x >>= 1;
        }
      }
    }
    const share = flipped / (trials * CONTENT_HASH_BYTES * 8);
    expect(share).toBeGreaterThan(0.47);
    expect(share).toBeLessThan(0.53);
  });

  test.prop([fc.array(fc.double(), { maxLength: 5 })])('is a pure function of its inputs', (values) => {
    expect(hex(WORDS, values)).toBe(hex([...WORDS], [...values]));
  });
});
