/**
 * Ids for the pending rows, and the record objects, made once each, in id order.
 *
 * Content ids are the first `idLength` hex digits of the row's content hash; exact duplicates (same
 * hash) are ordered by source and line and get `#2`, `#3`, …. Explicit ids: the first in hash order
 * keeps it; every other row with that id (in the same category) is rejected as `duplicate_id`.
 * Records are built here, in id order, so they also lie in memory in that order and the passes of
 * the split and the fits over a large corpus read memory sequentially.
 */
import {
  type AnyRecord,
  CATEGORIES,
  type Category,
  type CostRecord,
  type Issue,
  type LatencyRecord,
  type QualityRecord,
  type RecordSet,
  type ScalingRecord,
  type ThroughputRecord,
  type VramRecord,
} from '../records.ts';
import { buildRecord } from './layout.ts';
import { HASH_BYTES, type PendingStore } from './store.ts';

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const HASH_CODE = '#'.charCodeAt(0);
const DIGIT_0 = '0'.charCodeAt(0);
const idCodes: number[] = [];

/**
 * The id of a row: the first `digits` hex digits of its hash, then `#copy` from the second exact
 * duplicate on. Written as one flat string from character codes: a string built by `+=` is a tree
 * of concatenations, which costs five objects per id and is slower to hash and compare.
 */
function idOf(hash: Uint8Array, row: number, digits: number, copy: number): string {
  idCodes.length = 0;
  for (let k = 0; idCodes.length < digits; k++) {
    const byte = hash[row * HASH_BYTES + k]!;
    idCodes.push(HEX_CODES[byte >> 4]!);
    if (idCodes.length < digits) idCodes.push(HEX_CODES[byte & 15]!);
  }
  if (copy > 1) {
    idCodes.push(HASH_CODE);
    const at = idCodes.length;
    for (let n = copy; n > 0; n = Math.floor(n / 10)) idCodes.splice(at, 0, DIGIT_0 + (n % 10));
  }
  return String.fromCharCode(...idCodes);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Orders rows by (hash bytes, source, line, row). */
function hashComparator(store: PendingStore): (a: number, b: number) => number {
  const { hash, configs, config, line } = store;
  return (a, b) => {
    const pa = a * HASH_BYTES;
    const pb = b * HASH_BYTES;
    for (let k = 0; k < HASH_BYTES; k++) {
      const d = hash[pa + k]! - hash[pb + k]!;
      if (d !== 0) return d;
    }
    return byText(configs[config[a]!]!.source, configs[config[b]!]!.source) || line[a]! - line[b]! || a - b;
  };
}

/**
 * The rows in (hash, source, line) order, in linear time on average: a counting sort on the hash's
 * first two bytes (uniform, so 65,536 buckets of n / 65,536 rows), then a sort inside each bucket.
 */
function sortByHash(store: PendingStore, rows: Uint32Array): Uint32Array {
  const BUCKETS = 65_536;
  const { hash } = store;
  const bucketOf = (row: number) => (hash[row * HASH_BYTES]! << 8) | hash[row * HASH_BYTES + 1]!;
  const starts = new Int32Array(BUCKETS + 1);
  for (let i = 0; i < rows.length; i++) starts[bucketOf(rows[i]!) + 1]!++;
  for (let b = 0; b < BUCKETS; b++) starts[b + 1]! += starts[b]!;
  const next = starts.slice(0, BUCKETS);
  const out = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[next[bucketOf(rows[i]!)]!++] = rows[i]!;
  const compare = hashComparator(store);
  for (let b = 0; b < BUCKETS; b++) {
    const lo = starts[b]!;
    const hi = starts[b + 1]!;
    if (hi - lo < 2) continue;
    if (hi - lo <= 16) {
      // Insertion sort: buckets hold a few rows each.
      for (let i = lo + 1; i < hi; i++) {
        const row = out[i]!;
        let j = i - 1;
        while (j >= lo && compare(out[j]!, row) > 0) {
          out[j + 1] = out[j]!;
          j--;
        }
        out[j + 1] = row;
      }
    } else out.subarray(lo, hi).sort(compare);
  }
  return out;
}

/** The store's columns permuted into `order`. */
function gather(store: PendingStore, order: Uint32Array) {
  const n = order.length;
  const config = new Uint32Array(n);
  const line = new Float64Array(n);
  const [v0, v1, v2, v3, v4] = Array.from({ length: 5 }, () => new Float64Array(n)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let k = 0; k < n; k++) config[k] = store.config[order[k]!]!;
  for (let k = 0; k < n; k++) line[k] = store.line[order[k]!]!;
  const columns = [v0, v1, v2, v3, v4];
  for (let c = 0; c < columns.length; c++) {
    const from = store.values[c]!;
    const to = columns[c]!;
    for (let k = 0; k < n; k++) to[k] = from[order[k]!]!;
  }
  // A hash is HASH_BYTES / 4 whole words: copied a word at a time.
  const words = HASH_BYTES / 4;
  const from = new Uint32Array(store.hash.buffer, store.hash.byteOffset, store.n * words);
  const to = new Uint32Array(n * words);
  for (let k = 0; k < n; k++) {
    const a = order[k]! * words;
    const b = k * words;
    for (let w = 0; w < words; w++) to[b + w] = from[a + w]!;
  }
  return { config, line, v0, v1, v2, v3, v4, hash: new Uint8Array(to.buffer) };
}

/** Columns a record is built from: gathered into id order, or the store's own. */
interface Columns {
  readonly config: Uint32Array;
  readonly line: Float64Array;
  readonly v0: Float64Array;
  readonly v1: Float64Array;
  readonly v2: Float64Array;
  readonly v3: Float64Array;
  readonly v4: Float64Array;
}

/** The record at position `k` of the columns. */
function recordAt(g: Columns, configs: PendingStore['configs'], k: number, id: string): AnyRecord {
  return buildRecord(
    configs[g.config[k]!]!,
    id,
    g.line[k]!,
    g.v0[k]!,
    g.v1[k]!,
    g.v2[k]!,
    g.v3[k]!,
    g.v4[k]!,
  );
}

function sameHash(hash: Uint8Array, a: number, b: number): boolean {
  const pa = a * HASH_BYTES;
  const pb = b * HASH_BYTES;
  for (let k = 0; k < HASH_BYTES; k++) if (hash[pa + k] !== hash[pb + k]) return false;
  return true;
}

/**
 * Gives each stored row its id and builds the records, grouped by category, each sorted by id.
 * Rejections for repeated explicit ids are appended to `issues`.
 */
export function assignIds(store: PendingStore, idLength: number, issues: Issue[]): RecordSet {
  const byCategory = new Map<Category, AnyRecord[]>(CATEGORIES.map((c) => [c, []]));
  const { configs, config } = store;
  // The store's own columns, read by row (explicit ids), in the shape `recordAt` reads.
  const [v0, v1, v2, v3, v4] = store.values as Float64Array[];
  const stored = { config, line: store.line, v0: v0!, v1: v1!, v2: v2!, v3: v3!, v4: v4! };

  const contentRows = new Uint32Array(store.n - store.explicit.size);
  if (store.explicit.size === 0) for (let row = 0; row < store.n; row++) contentRows[row] = row;
  else for (let row = 0, k = 0; row < store.n; row++) if (!store.explicit.has(row)) contentRows[k++] = row;
  // Sorting by (hash, provenance) puts duplicates side by side and the records in id order.
  const order = sortByHash(store, contentRows);
  // The columns in that order, one at a time: each loop's reads are independent, so the processor
  // overlaps their cache misses; the loop that builds the records then reads memory in sequence.
  const sorted = gather(store, order);
  const n = order.length;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && sameHash(sorted.hash, start, end)) end++;
    // Each record goes to its own category's list (a crafted hash collision may join two).
    if (end - start < 10) {
      for (let k = start; k < end; k++) {
        const r = recordAt(sorted, configs, k, idOf(sorted.hash, start, idLength, k - start + 1));
        byCategory.get(r.category)!.push(r);
      }
    } else {
      // Ids compare as text: from ten copies on, `#10` sorts before `#2`.
      const run: AnyRecord[] = [];
      for (let k = start; k < end; k++)
        run.push(recordAt(sorted, configs, k, idOf(sorted.hash, start, idLength, k - start + 1)));
      run.sort((a, b) => byText(a.id, b.id));
      for (const r of run) byCategory.get(r.category)!.push(r);
    }
    start = end;
  }

  const explicit = new Map<string, number[]>();
  for (const [row, id] of store.explicit) {
    const key = `${configs[config[row]!]!.category}\u0000${id}`;
    const members = explicit.get(key);
    if (members) members.push(row);
    else explicit.set(key, [row]);
  }
  const withExplicit = new Set<Category>();
  const compare = hashComparator(store);
  // Groups in id order, so the duplicate_id issues do not depend on the order rows were added.
  for (const key of [...explicit.keys()].sort()) {
    const [keep, ...rest] = explicit.get(key)!.sort(compare) as [number, ...number[]];
    const kept = configs[config[keep]!]!;
    const id = store.explicit.get(keep)!;
    byCategory.get(kept.category)!.push(recordAt(stored, configs, keep, id));
    withExplicit.add(kept.category);
    for (const row of rest) {
      issues.push({
        source: configs[config[row]!]!.source,
        line: store.line[row]!,
        severity: 'reject',
        code: 'duplicate_id',
        message: `id ${store.explicit.get(row)} already used by ${kept.source}:${store.line[keep]}`,
      });
    }
  }
  for (const c of withExplicit) byCategory.get(c)!.sort((a, b) => byText(a.id, b.id));
  return {
    throughput: byCategory.get('throughput') as ThroughputRecord[],
    vram: byCategory.get('vram') as VramRecord[],
    quality: byCategory.get('quality') as QualityRecord[],
    latency: byCategory.get('latency') as LatencyRecord[],
    cost: byCategory.get('cost') as CostRecord[],
    scaling: byCategory.get('scaling') as ScalingRecord[],
  };
}
