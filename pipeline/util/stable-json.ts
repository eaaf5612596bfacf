/**
 * JSON with sorted object keys, two-space indent and a trailing newline, so the same value always
 * serialises to the same bytes and diffs in CI stay meaningful. Non-finite numbers are refused:
 * an artifact with NaN would silently become `null`.
 */
export function stableStringify(value: unknown): string {
  let sorted: unknown;
  try {
    sorted = sortKeys(value);
  } catch (err) {
    if (err !== NON_FINITE) throw err;
    // Paths are only built when needed: a splits file holds millions of ids.
    throw new Error(`stableStringify: non-finite number at ${pathOfNonFinite(value, '$') ?? '$'}`);
  }
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

const NON_FINITE = Symbol('non-finite');

function sortKeys(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw NON_FINITE;
    return value;
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      out[i] = typeof v === 'string' ? v : sortKeys(v);
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function pathOfNonFinite(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOfNonFinite(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      const found = pathOfNonFinite(v, `${path}.${key}`);
      if (found !== null) return found;
    }
  }
  return null;
}

/** Printable ASCII without `"` or `\`: JSON writes such a string as it is, between quotes. */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

const INDENTS: string[] = [];
const newline = (depth: number): string => (INDENTS[depth] ??= `\n${'  '.repeat(depth)}`);

/**
 * Where `stableJsonBytes` writes: first only counting bytes, then into a buffer of that size. Text is
 * gathered into a pending string and written 64 KB at a time (one native call per chunk, not per
 * piece).
 */
class JsonSink {
  size = 0;
  #pending = '';
  #pendingAscii = true;
  readonly #out: Buffer | null;

  constructor(out: Buffer | null) {
    this.#out = out;
  }

  /** Appends text; `ascii` says it is all below U+0080 (then its length is its size in bytes). */
  put(text: string, ascii: boolean): void {
    if (this.#out === null) {
      this.size += ascii ? text.length : Buffer.byteLength(text, 'utf8');
      return;
    }
    this.#pending += text;
    this.#pendingAscii &&= ascii;
    if (this.#pending.length >= 65_536) this.flush();
  }

  flush(): void {
    if (this.#out === null || this.#pending === '') return;
    this.size += this.#out.write(this.#pending, this.size, this.#pendingAscii ? 'latin1' : 'utf8');
    this.#pending = '';
    this.#pendingAscii = true;
  }
}

function putValue(sink: JsonSink, value: unknown, depth: number): void {
  if (typeof value === 'string') {
    if (isPlainAscii(value)) sink.put(`"${value}"`, true);
    else sink.put(JSON.stringify(value), false);
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw NON_FINITE;
    sink.put(JSON.stringify(value), true);
    return;
  }
  if (value === null || typeof value === 'boolean') {
    sink.put(String(value), true);
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      sink.put('[]', true);
      return;
    }
    const inner = newline(depth + 1);
    sink.put('[', true);
    for (let i = 0; i < value.length; i++) {
      sink.put(i === 0 ? inner : `,${inner}`, true);
      const v: unknown = value[i];
      // As JSON.stringify: an array slot that cannot be written is null.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') sink.put('null', true);
      else putValue(sink, v, depth + 1);
    }
    sink.put(newline(depth), true);
    sink.put(']', true);
    return;
  }
  if (typeof value === 'object') {
    const inner = newline(depth + 1);
    let first = true;
    for (const key of keyOrder(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      sink.put(first ? `{${inner}` : `,${inner}`, true);
      first = false;
      putValue(sink, key, depth + 1);
      sink.put(': ', true);
      putValue(sink, v, depth + 1);
    }
    if (first) sink.put('{}', true);
    else sink.put(`${newline(depth)}}`, true);
    return;
  }
  throw new Error(`stableJsonBytes: cannot write a ${typeof value}`);
}

const isIndex = (key: string): boolean => /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 4_294_967_295;

/**
 * The order `stableStringify` writes an object's keys in: it sorts them, but the sorted copy it
 * hands to JSON.stringify enumerates array-index keys (`"0"`, `"12"`) first, ascending by number.
 */
function keyOrder(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some(isIndex)) return keys;
  const indices = keys.filter(isIndex).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...keys.filter((k) => !isIndex(k))];
}

/**
 * `stableJsonBytes(value)` is `Buffer.from(stableStringify(value), 'utf8')`, byte for byte, written
 * straight into one buffer of the exact size: no text of the whole document and no sorted copy of
 * the value are made (splits.json lists ~4 million ids at 2 million records). Plain data only
 * (objects, arrays, strings, finite numbers, booleans, null); a non-finite number is refused with
 * its path, as `stableStringify` does.
 * @example stableJsonBytes({ b: 1, a: [] }).toString() // '{\n  "a": [],\n  "b": 1\n}\n'
 */
export function stableJsonBytes(value: unknown): Buffer {
  const write = (sink: JsonSink) => {
    try {
      putValue(sink, value, 0);
    } catch (err) {
      if (err !== NON_FINITE) throw err;
      throw new Error(`stableStringify: non-finite number at ${pathOfNonFinite(value, '$') ?? '$'}`);
    }
    sink.put('\n', true);
    sink.flush();
  };
  const measure = new JsonSink(null);
  write(measure);
  const out = Buffer.allocUnsafe(measure.size);
  const sink = new JsonSink(out);
  write(sink);
  if (sink.size !== out.length) throw new Error(`stableJsonBytes: wrote ${sink.size} of ${out.length} bytes`);
  return out;
}
