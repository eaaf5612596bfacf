/**
 * The normaliser's rows before ids are assigned, held column by column: no object per row.
 *
 * A row is its configuration (an index into `configs`: source, category, canonical names and
 * metric, shared by every row that has them), its line, up to `VALUE_COLUMNS` numbers (the
 * category's measurement fields, `NaN` standing for null) and the 16 bytes of its content hash.
 * Typed arrays are invisible to the garbage collector's marking and cross a thread as one copy,
 * so a million pending rows cost ~70 MB and no GC work; record objects are made once, in id
 * order, when ids are assigned (`ids.ts`).
 */
import type { BaseRecord } from '../records.ts';
import { CONTENT_HASH_BYTES, contentHash } from './content-hash.ts';

/** Numeric columns a row has (the most any category needs: scaling's weight + four fields). */
export const VALUE_COLUMNS = 5;
/** Bytes of a content hash. */
export const HASH_BYTES = CONTENT_HASH_BYTES;

/** A record's canonical names. */
export type RecordNames = Pick<BaseRecord, 'model' | 'modelKnown' | 'quant' | 'backend' | 'gpu' | 'gpuKnown'>;

/** What every row of one configuration shares. Plain data, so it can cross a thread. */
export interface RowConfig extends RecordNames, Pick<BaseRecord, 'category' | 'source'> {
  /** The record's metric label (the category's default when the row names none). */
  readonly metric: string;
  /** What the configuration adds to each of its rows' content hashes (`configWords`). */
  readonly words: readonly number[];
}

/** The columns of `n` rows, trimmed to length: what `detach` hands to another store. */
export interface StoreColumns {
  readonly n: number;
  readonly config: Uint32Array;
  readonly line: Float64Array;
  readonly values: readonly Float64Array[];
  readonly hash: Uint8Array;
  readonly configs: readonly RowConfig[];
  /** Rows with an explicit id, as `[row, id]` pairs in row order. */
  readonly explicit: readonly (readonly [number, string])[];
}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** Growable columns of pending rows. */
export class PendingStore {
  n = 0;
  config = new Uint32Array(1024);
  line = new Float64Array(1024);
  values: Float64Array[] = Array.from({ length: VALUE_COLUMNS }, () => new Float64Array(1024));
  hash = new Uint8Array(1024 * HASH_BYTES);
  readonly configs: RowConfig[] = [];
  /** Explicit ids by row. */
  readonly explicit = new Map<number, string>();

  #reserve(rows: number): void {
    const need = this.n + rows;
    if (need <= this.config.length) return;
    let size = this.config.length;
    while (size < need) size *= 2;
    this.config = grown(this.config, size);
    this.line = grown(this.line, size);
    this.values = this.values.map((v) => grown(v, size));
    this.hash = grown(this.hash, size * HASH_BYTES);
  }

  /**
   * Adds one row: `values` in the category's column order (missing ones NaN), and its content hash
   * (`contentHash` of its configuration's words and its values). Returns the row's index.
   */
  push(config: number, line: number, values: ArrayLike<number>, explicitId: string | null): number {
    this.#reserve(1);
    const i = this.n++;
    this.config[i] = config;
    this.line[i] = line;
    for (let c = 0; c < VALUE_COLUMNS; c++) this.values[c]![i] = c < values.length ? values[c]! : Number.NaN;
    contentHash(this.configs[config]!.words, values, this.hash, i * HASH_BYTES);
    if (explicitId !== null) this.explicit.set(i, explicitId);
    return i;
  }

  /** Forgets every row from `n` on (configurations stay: they are shared and cheap). */
  truncate(n: number): void {
    if (n >= this.n) return;
    for (const row of this.explicit.keys()) if (row >= n) this.explicit.delete(row);
    this.n = n;
  }

  /** Every row as trimmed columns; this store then has no rows (its configurations stay). */
  detach(): StoreColumns {
    const n = this.n;
    const out: StoreColumns = {
      n,
      config: this.config.slice(0, n),
      line: this.line.slice(0, n),
      values: this.values.map((v) => v.slice(0, n)),
      hash: this.hash.slice(0, n * HASH_BYTES),
      // Copied, not moved: the rows this store takes next may share the configurations it knows.
      configs: this.configs.slice(),
      explicit: [...this.explicit],
    };
    this.explicit.clear();
    this.n = 0;
    return out;
  }

  /** Appends another store's detached rows (their configurations renumbered after this store's). */
  absorb(part: StoreColumns): void {
    this.#reserve(part.n);
    const offset = this.configs.length;
    for (const c of part.configs) this.configs.push(c);
    const at = this.n;
    for (let i = 0; i < part.n; i++) this.config[at + i] = part.config[i]! + offset;
    this.line.set(part.line, at);
    for (let c = 0; c < VALUE_COLUMNS; c++) this.values[c]!.set(part.values[c]!, at);
    this.hash.set(part.hash, at * HASH_BYTES);
    for (const [row, id] of part.explicit) this.explicit.set(at + row, id);
    this.n += part.n;
  }

  /** The detached form's typed arrays, to transfer instead of copy when it crosses a thread. */
  static transferables(part: StoreColumns): ArrayBuffer[] {
    return [part.config, part.line, ...part.values, part.hash].map((a) => a.buffer as ArrayBuffer);
  }
}
