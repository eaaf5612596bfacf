/**
 * Caches. Predictions depend only on a record's configuration, seed-independent results only on
 * (records, config), resolved names only on the raw text: each cache here lets a hot loop compute
 * such a value once. All of them are `getOrInsert` on some map.
 */

/**
 * `getOrInsert(map, key, make)` is `map.get(key)`, inserting `make()` first when the key is absent
 * (`has`, not `undefined`, decides, so an undefined value is cached too).
 * @example getOrInsert(groups, model, () => []).push(record)
 */
export function getOrInsert<K, V>(map: Map<K, V> | WeakMap<K & object, V>, key: K, make: () => V): V {
  const m = map as Map<K, V>;
  if (m.has(key)) return m.get(key) as V;
  const value = make();
  m.set(key, value);
  return value;
}

/** A part of a `TupleCache` key. */
export type TuplePart = string | number | boolean | null;

/**
 * A cache keyed by a tuple of primitives (`['llama3.2-1b', 'Q4_K_M', 'ollama', 2048]`), held as
 * nested `Map`s so a lookup hashes each (usually interned) part instead of building a joined string.
 */
export class TupleCache<V> {
  readonly #root = new Map<TuplePart, unknown>();

  /**
   * `cache.get(parts, compute)` returns the value stored under `parts`, computing and storing it on
   * the first request.
   * @example cache.get([model, quant], () => predict(model, quant))
   */
  get(parts: readonly TuplePart[], compute: () => V): V {
    // The hot path of every per-configuration loop: one `get` per level, no closure per level.
    let node = this.#root;
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) {
      const part = parts[i]!;
      let next = node.get(part) as Map<TuplePart, unknown> | undefined;
      if (next === undefined) {
        next = new Map<TuplePart, unknown>();
        node.set(part, next);
      }
      node = next;
    }
    const key = parts[last]!;
    const hit = node.get(key);
    if (hit !== undefined || node.has(key)) return hit as V;
    const value = compute();
    node.set(key, value);
    return value;
  }
}

/**
 * A cache keyed by two objects, held weakly: `get(records, config, compute)` computes once per
 * (record array, config) pair, and forgets both when they are no longer used. For results that do
 * not depend on the split seed, which a refit would otherwise recompute for every seed.
 */
export class ObjectPairCache<A extends object, B extends object, V> {
  readonly #byA = new WeakMap<A, WeakMap<B, V>>();

  get(a: A, b: B, compute: () => V): V {
    return getOrInsert(
      getOrInsert(this.#byA, a, () => new WeakMap<B, V>()),
      b,
      compute,
    );
  }
}

/**
 * A cache keyed by an object (held weakly) and a text: `get(records, 'record|model,backend', compute)`
 * computes once per (object, key) and forgets the object's entries when it is no longer used.
 */
export class ObjectKeyCache<A extends object, V> {
  readonly #byObject = new WeakMap<A, Map<string, V>>();

  get(object: A, key: string, compute: () => V): V {
    return getOrInsert(
      getOrInsert(this.#byObject, object, () => new Map<string, V>()),
      key,
      compute,
    );
  }
}

/**
 * A text-keyed cache that holds at most `limit` entries: past it, it starts again. For lookups by
 * raw names from the data (a corpus repeats a few hundred spellings over millions of rows, but a
 * hostile file may not), so memory stays bounded.
 */
export class BoundedCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get(key: string, compute: () => V): V {
    if (this.#entries.has(key)) return this.#entries.get(key) as V;
    if (this.#entries.size >= this.#limit) this.#entries.clear();
    const value = compute();
    this.#entries.set(key, value);
    return value;
  }
}

/** Texts a `TextCodes` finds by comparison, before it hashes. */
const FEW_TEXTS = 32;

/**
 * Small whole-number codes for texts, the same code for equal texts. The first `FEW_TEXTS` distinct
 * texts are found by comparing with each (a string fresh from a file compares in a few ns, where
 * hashing it costs ~5 ns a character); later ones go through a `Map`. For the name columns of a
 * corpus, which hold a few dozen spellings over millions of rows.
 */
export class TextCodes {
  readonly #few: string[] = [];
  readonly #many = new Map<string, number>();

  /** Distinct texts coded so far. */
  get size(): number {
    return this.#few.length + this.#many.size;
  }

  /** @example codes.code('ollama') // 0, and 0 again for every later 'ollama' */
  code(text: string): number {
    const few = this.#few;
    for (let i = 0; i < few.length; i++) if (few[i] === text) return i;
    if (few.length < FEW_TEXTS) {
      few.push(text);
      return few.length - 1;
    }
    let code = this.#many.get(text);
    if (code === undefined) {
      code = FEW_TEXTS + this.#many.size;
      this.#many.set(text, code);
    }
    return code;
  }
}
