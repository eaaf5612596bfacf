/**
 * `manifest.json`: what a refit read and wrote, so a published artifact can be traced and checked.
 * It holds hashes, counts and versions only: no timestamps, host names or absolute paths, so two
 * runs over the same inputs write the same manifest. Written last, after every file it lists.
 */

import { z } from 'zod';
import { CATEGORIES, type Category, type Issue, type IssueCode } from '../records.ts';
import { dict } from '../util/keys.ts';
import { GENERATOR_NAME, SCHEMA_VERSION } from './artifact.ts';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case hex SHA-256');
const count = z.number().int().nonnegative();

export const RecordCountsSchema = z.strictObject({
  read: count,
  accepted: count,
  rejected: count,
  train: count,
  test: count,
});
export type RecordCounts = z.infer<typeof RecordCountsSchema>;

const recordCountsByCategory = z.strictObject(
  Object.fromEntries(CATEGORIES.map((c) => [c, RecordCountsSchema])) as Record<
    Category,
    typeof RecordCountsSchema
  >,
);

export const ManifestSchema = z
  .strictObject({
    schema_version: z.literal(SCHEMA_VERSION),
    generator: z.strictObject({ name: z.literal(GENERATOR_NAME), version: z.string().min(1) }),
    seed: z.string().min(1),
    config_sha256: sha256Hex,
    /** Every input file, sorted by path. */
    inputs: z.array(z.strictObject({ path: z.string().min(1), sha256: sha256Hex })),
    record_counts: recordCountsByCategory,
    /** Rejected rows per issue code (warnings are not counted). */
    rejected_by_code: z.record(z.string(), count),
    /** Installed version of each runtime library. */
    libraries: z.record(z.string(), z.string()),
    /** SHA-256 of each published file, by its published name. */
    files: z.record(z.string(), sha256Hex),
  })
  .meta({ title: 'capfit manifest.json' });
export type Manifest = z.infer<typeof ManifestSchema>;

export interface ManifestInput {
  readonly generatorVersion: string;
  readonly seed: string;
  readonly configSha256: string;
  readonly inputs: readonly { readonly path: string; readonly sha256: string }[];
  readonly recordCounts: Readonly<Record<Category, RecordCounts>>;
  readonly rejectedByCode: Readonly<Partial<Record<IssueCode, number>>>;
  readonly libraries: Readonly<Record<string, string>>;
  readonly files: Readonly<Record<string, string>>;
}

function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/**
 * Assembles and validates the manifest; inputs are sorted by path (maps are sorted when serialised
 * by `stableStringify`). Throws an Error naming the field if a hash or count is malformed: that is a
 * bug in the caller, not bad data.
 */
export function buildManifest(input: ManifestInput): Manifest {
  const manifest = {
    schema_version: SCHEMA_VERSION,
    generator: { name: GENERATOR_NAME, version: input.generatorVersion },
    seed: input.seed,
    config_sha256: input.configSha256,
    inputs: input.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })).sort(byPath),
    record_counts: input.recordCounts,
    rejected_by_code: dict(Object.entries(input.rejectedByCode).filter(([, n]) => n !== undefined)),
    libraries: dict(Object.entries(input.libraries)),
    files: dict(Object.entries(input.files)),
  };
  const result = ManifestSchema.safeParse(manifest);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`manifest is invalid at ${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  return result.data;
}

/**
 * Rejected rows per issue code (`severity: 'reject'` only), codes sorted.
 * @example countRejections([{ code: 'bad_number', severity: 'reject', … }]) // { bad_number: 1 }
 */
export function countRejections(issues: readonly Issue[]): Partial<Record<IssueCode, number>> {
  const counts = new Map<IssueCode, number>();
  for (const issue of issues) {
    if (issue.severity === 'reject') counts.set(issue.code, (counts.get(issue.code) ?? 0) + 1);
  }
  return dict([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) as Partial<
    Record<IssueCode, number>
  >;
}

/**
 * Installed versions of `names` from a parsed `package-lock.json` (lockfile v2/v3 `packages`
 * entries, falling back to v1 `dependencies`). Names not found are left out.
 * @example libraryVersions({ packages: { 'node_modules/zod': { version: '4.6.7' } } }, ['zod']) // { zod: '4.6.7' }
 */
export function libraryVersions(lock: unknown, names: readonly string[]): Record<string, string> {
  const out = dict<string>();
  const root = (lock ?? {}) as {
    packages?: Record<string, { version?: unknown }>;
    dependencies?: Record<string, { version?: unknown }>;
  };
  for (const name of [...names].sort()) {
    const version =
      own(root.packages, `node_modules/${name}`)?.version ?? own(root.dependencies, name)?.version;
    if (typeof version === 'string' && version !== '') out[name] = version;
  }
  return out;
}

function own<V>(table: Record<string, V> | undefined, key: string): V | undefined {
  return table !== null && typeof table === 'object' && Object.hasOwn(table, key) ? table[key] : undefined;
}
