/**
 * Reader-side check of a published set: `manifest.json` lists the SHA-256 of every artifact it
 * was published with, and `publishFiles` keeps a journal in the output folder while it renames.
 * A reader that needs the set-level guarantee (every artifact from the same refit) checks both.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISH_JOURNAL_NAME } from './write.ts';

/** Outcome of `verifyPublishedSet`. */
export interface PublishedSetCheck {
  /**
   * `none` nothing published; `complete` every file the manifest lists has its hash;
   * `interrupted` a publish journal is present (the next refit rolls it back);
   * `inconsistent` a listed file is missing or has another hash, or the manifest is unreadable.
   */
  readonly status: 'none' | 'complete' | 'interrupted' | 'inconsistent';
  /** One sentence per problem, naming the file. */
  readonly problems: readonly string[];
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * `verifyPublishedSet(outDir, artifactsDir?)` checks the set under `outDir/artifacts` (or
 * `artifactsDir`, relative to `outDir`): no publish journal in `outDir`, a readable manifest, and
 * every file it lists present with the listed SHA-256.
 * @example verifyPublishedSet('/repo').status // 'complete'
 */
export function verifyPublishedSet(outDir: string, artifactsDir = 'artifacts'): PublishedSetCheck {
  const dir = join(outDir, artifactsDir);
  if (existsSync(join(outDir, PUBLISH_JOURNAL_NAME))) {
    return {
      status: 'interrupted',
      problems: [
        `a publish into ${outDir} was interrupted (${PUBLISH_JOURNAL_NAME} is present); the next refit rolls it back`,
      ],
    };
  }
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    return existsSync(join(dir, 'fitted_models.json'))
      ? { status: 'inconsistent', problems: [`${manifestPath} is missing`] }
      : { status: 'none', problems: [] };
  }
  let files: Record<string, unknown>;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { files?: unknown };
    if (manifest.files === null || typeof manifest.files !== 'object' || Array.isArray(manifest.files)) {
      return { status: 'inconsistent', problems: [`${manifestPath} has no files table`] };
    }
    files = manifest.files as Record<string, unknown>;
  } catch (err) {
    return {
      status: 'inconsistent',
      problems: [`${manifestPath} is not valid JSON: ${(err as Error).message}`],
    };
  }
  const problems: string[] = [];
  for (const name of Object.keys(files).sort()) {
    const path = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch {
      problems.push(`${path} is listed in the manifest but missing`);
      continue;
    }
    const actual = sha256Hex(bytes);
    if (actual !== files[name])
      problems.push(`${path} has SHA-256 ${actual}, the manifest lists ${String(files[name])}`);
  }
  return { status: problems.length === 0 ? 'complete' : 'inconsistent', problems };
}
