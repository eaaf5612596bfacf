/**
 * The 128-bit content hash a record id is cut from.
 *
 * A record's content is its configuration (category, canonical names, metric: shared by many
 * rows) and its numbers. The configuration is hashed once, with sha1 of its content text
 * (`configWords`); each row then mixes those four words with the bits of its numbers through the
 * block function and finaliser of MurmurHash3 (x86, 128-bit), which costs ~0.1 µs where writing
 * and sha1-hashing a JSON text per row cost ~3 µs. Numbers are hashed by their IEEE-754 bits, read
 * little-endian whatever the platform, with −0 taken as 0 and every NaN (null) as one NaN, so two
 * rows hash alike exactly when their JSON content is alike.
 *
 * The hash is not cryptographic: a crafted pair of rows could collide. A collision only makes the
 * second row an exact duplicate (`id#2`); both rows are kept with their own values.
 */
import { createHash } from 'node:crypto';

/** Bytes of a content hash. */
export const CONTENT_HASH_BYTES = 16;

/** 32-bit words of a row's numbers: two per value column (this many columns at most). */
const MAX_VALUES = 6;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x;
}

/**
 * The four 32-bit words a configuration contributes: the first 16 bytes of sha1 of `text`, the
 * configuration's content text with its numbers left out.
 */
export function configWords(text: string): number[] {
  const digest = createHash('sha1').update(text).digest();
  return [0, 4, 8, 12].map((at) => digest.readUInt32BE(at));
}

const scratch = new DataView(new ArrayBuffer(8));
const block = new Uint32Array(4 + 2 * MAX_VALUES);

/**
 * Writes the content hash of a row with configuration words `config` and numbers `values` (at most
 * six) into `out[at .. at + 16)`, big-endian word by word.
 * @example contentHash(configWords(text), [1, 40.5, 1, NaN, NaN], bytes, 0)
 */
export function contentHash(
  config: ArrayLike<number>,
  values: ArrayLike<number>,
  out: Uint8Array,
  at: number,
): void {
  block[0] = config[0]!;
  block[1] = config[1]!;
  block[2] = config[2]!;
  block[3] = config[3]!;
  for (let i = 0; i < MAX_VALUES; i++) {
    let v = i < values.length ? values[i]! : Number.NaN;
    if (v === 0) v = 0; // −0 → 0
    if (Number.isNaN(v)) v = Number.NaN;
    scratch.setFloat64(0, v, true);
    block[4 + 2 * i] = scratch.getUint32(0, true);
    block[5 + 2 * i] = scratch.getUint32(4, true);
  }
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  for (let b = 0; b < block.length; b += 4) {
    let k1 = block[b]!;
    let k2 = block[b + 1]!;
    let k3 = block[b + 2]!;
    let k4 = block[b + 3]!;
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const len = block.length * 4;
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  writeWord(out, at, h1);
  writeWord(out, at + 4, h2);
  writeWord(out, at + 8, h3);
  writeWord(out, at + 12, h4);
}

function writeWord(out: Uint8Array, at: number, w: number): void {
  out[at] = w >>> 24;
  out[at + 1] = (w >>> 16) & 0xff;
  out[at + 2] = (w >>> 8) & 0xff;
  out[at + 3] = w & 0xff;
}
