/**
 * Helpers of the crash tests: a small published set shaped like a refit's (artifacts with a
 * manifest listing their hashes, a report and a figure), and a snapshot of what is on disk under
 * the published names.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { PublishFile } from '../../pipeline/io/write.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A refit-shaped set whose every file names `tag` (a different tag gives different bytes). */
export function publishSet(tag: string): PublishFile[] {
  const artifacts: Record<string, string> = {
    'fitted_models.json': `${JSON.stringify({ tag, coefficients: [1, 2, 3] }, null, 2)}\n`,
    'validation.json': `${JSON.stringify({ tag, r2: 0.9 }, null, 2)}\n`,
    'splits.json': `${JSON.stringify({ tag, train: ['a'], test: ['b'] }, null, 2)}\n`,
  };
  const manifest = {
    tag,
    files: Object.fromEntries(Object.entries(artifacts).map(([n, c]) => [n, sha(c)])),
  };
  return [
    ...Object.entries(artifacts).map(([n, content]) => ({ name: `artifacts/${n}`, content })),
    { name: 'artifacts/manifest.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
    { name: 'reports/refit.md', content: `# refit ${tag}\n` },
    { name: 'reports/figures/a.svg', content: `<svg><title>${tag}</title></svg>` },
  ];
}

/** Published-looking files under `root` (no dot-file in the path), relative path → content. */
export function snapshot(
  root: string,
  subdirs: readonly string[] = ['artifacts', 'reports'],
): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.startsWith('.'))
        out.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  for (const d of subdirs) walk(join(root, d));
  return out;
}

/** Every dot-file (temps, backups, journal, lock) under `root`, relative paths. */
export function dotFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.startsWith('.')) out.push(relative(root, path).split(sep).join('/'));
    }
  };
  walk(root);
  return out;
}
