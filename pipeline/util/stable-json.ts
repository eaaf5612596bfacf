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
