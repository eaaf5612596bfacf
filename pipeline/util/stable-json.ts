/**
 * JSON with sorted object keys, two-space indent and a trailing newline, so the same value always
 * serialises to the same bytes and diffs in CI stay meaningful. Non-finite numbers are refused:
 * an artifact with NaN would silently become `null`.
 */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(sortKeys(value, '$'), null, 2)}\n`;
}

function sortKeys(value: unknown, path: string): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`stableStringify: non-finite number at ${path}`);
  }
  if (Array.isArray(value)) return value.map((v, i) => sortKeys(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = sortKeys(v, `${path}.${key}`);
    }
    return out;
  }
  return value;
}
