/**
 * Composite keys such as `"llama3.2-1b|ollama|FP16"` (the reference artifact's layout). A name that
 * itself contains `|` would collide with another tuple, so each part is escaped: `%` → `%25`,
 * `|` → `%7C`. `splitKey` reverses it. Lookup tables keyed by user data are `Map`s or
 * null-prototype objects (`__proto__` is just a name).
 */
export function compositeKey(...parts: readonly string[]): string {
  return parts.map(escapePart).join('|');
}

export function splitKey(key: string): string[] {
  return key.split('|').map(unescapePart);
}

function escapePart(part: string): string {
  if (!part.includes('%') && !part.includes('|')) return part;
  return part.replace(/%/g, '%25').replace(/\|/g, '%7C');
}

function unescapePart(part: string): string {
  return part.replace(/%7C/gi, '|').replace(/%25/g, '%');
}

/** A dictionary with no prototype, safe for keys like `__proto__` or `constructor`. */
export function dict<V>(entries?: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}

/**
 * Property names every plain object inherits (`Object.prototype`'s own names). A table keyed by
 * user data that is (or is ever parsed into) a plain object misbehaves on them: zod's `z.record`
 * drops a `__proto__` key, and `hasOwnProperty` or `toString` as a key shadow the method. Names
 * that are one of these never become keys: normalise rejects them (`bad_name`).
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'constructor',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'toString',
  'valueOf',
]);

/**
 * `isReservedKey(name)` is true when `name` is an `Object.prototype` property name (exact match).
 * @example isReservedKey('__proto__') // true
 */
export function isReservedKey(name: string): boolean {
  return RESERVED_KEYS.has(name);
}
