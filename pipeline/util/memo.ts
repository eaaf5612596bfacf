/**
 * A cache keyed by a tuple of primitives (`['llama3.2-1b', 'Q4_K_M', 'ollama', 2048]`), held as
 * nested `Map`s so a lookup hashes each (usually interned) part instead of building a joined string.
 * Predictions depend only on a record's configuration, and a corpus has far fewer configurations
 * than records: `TupleCache` lets a per-record loop compute each configuration once.
 */
export type TuplePart = string | number | boolean | null;

export class TupleCache<V> {
  readonly #root = new Map<TuplePart, unknown>();

  /**
   * `cache.get(parts, compute)` returns the value stored under `parts`, computing and storing it on
   * the first request.
   * @example cache.get([model, quant], () => predict(model, quant))
   */
  get(parts: readonly TuplePart[], compute: () => V): V {
    let node = this.#root;
    const last = parts.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(parts[i]!) as Map<TuplePart, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(parts[i]!, next);
      }
      node = next;
    }
    const key = parts[last]!;
    if (node.has(key)) return node.get(key) as V;
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
    let byB = this.#byA.get(a);
    if (!byB) {
      byB = new WeakMap();
      this.#byA.set(a, byB);
    }
    if (byB.has(b)) return byB.get(b) as V;
    const value = compute();
    byB.set(b, value);
    return value;
  }
}

/**
 * A cache keyed by an object (held weakly) and a text: `get(records, 'record|model,backend', compute)`
 * computes once per (object, key) and forgets the object's entries when it is no longer used.
 */
export class ObjectKeyCache<A extends object, V> {
  readonly #byObject = new WeakMap<A, Map<string, V>>();

  get(object: A, key: string, compute: () => V): V {
    let byKey = this.#byObject.get(object);
    if (!byKey) {
      byKey = new Map();
      this.#byObject.set(object, byKey);
    }
    if (byKey.has(key)) return byKey.get(key) as V;
    const value = compute();
    byKey.set(key, value);
    return value;
  }
}
