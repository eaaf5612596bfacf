/**
 * The precompiled bundle (bin/bundle.js) is what `npm run refit` runs: it must behave exactly as the
 * TypeScript sources. One refit of the golden fixture each way (the bundle draws its figures on the
 * chart thread, the sources inline) must write the same bytes.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBundle, sourceHash } from '../../bin/bundle.js';
import { listFiles } from '../helpers/files.ts';

const ROOT = join(import.meta.dirname, '../..');
const FIXTURE_CONFIG = join(ROOT, 'test/fixtures/golden/refit.config.yaml');
const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function runCli(out: string, env: Record<string, string>) {
  return spawnSync(process.execPath, ['bin/capfit.js', 'refit', '--config', FIXTURE_CONFIG, '--out', out], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

describe('bin/bundle.js', () => {
  it('names the bundle by a 16-hex-digit hash of the sources, the same on every call', () => {
    const hash = sourceHash();
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(sourceHash()).toBe(hash);
  });

  it('a changed, added or removed source file, or a changed lockfile, names another bundle', () => {
    const copy = mkdtempSync(join(tmpdir(), 'capfit-hash-'));
    temps.push(copy);
    cpSync(join(ROOT, 'pipeline'), join(copy, 'pipeline'), { recursive: true });
    cpSync(join(ROOT, 'package-lock.json'), join(copy, 'package-lock.json'));
    const base = sourceHash(copy);
    expect(base).toBe(sourceHash());
    const seen = new Set([base]);
    appendFileSync(join(copy, 'pipeline', 'refit.ts'), '\n');
    seen.add(sourceHash(copy));
    writeFileSync(join(copy, 'pipeline', 'extra.ts'), 'export {};\n');
    seen.add(sourceHash(copy));
    rmSync(join(copy, 'pipeline', 'extra.ts'));
    rmSync(join(copy, 'pipeline', 'predict.ts'));
    seen.add(sourceHash(copy));
    appendFileSync(join(copy, 'package-lock.json'), ' ');
    seen.add(sourceHash(copy));
    expect(seen.size).toBe(5);
  });

  it('builds one entry file per command and worker thread', async () => {
    const dir = await ensureBundle();
    expect(dir).not.toBeNull();
    for (const entry of [
      'cli.js',
      'bench-child.js',
      'ingest-worker.js',
      'stability-worker.js',
      'chart-worker.js',
    ]) {
      expect(existsSync(join(dir!, entry)), entry).toBe(true);
    }
  });

  it('the bundled CLI and the sources write byte-identical artifacts, report and figures', async () => {
    await ensureBundle();
    const bundled = mkdtempSync(join(tmpdir(), 'capfit-bundle-'));
    const sources = mkdtempSync(join(tmpdir(), 'capfit-sources-'));
    temps.push(bundled, sources);
    const a = runCli(bundled, {});
    const b = runCli(sources, { CAPFIT_SOURCES: '1' });
    expect(a.status, a.stderr).toBe(b.status);
    expect(a.stdout.replaceAll(bundled, 'OUT')).toBe(b.stdout.replaceAll(sources, 'OUT'));
    expect(listFiles(bundled)).toEqual(listFiles(sources));
    expect(listFiles(bundled).some((f) => f.endsWith('.svg'))).toBe(true);
    for (const f of listFiles(bundled)) {
      expect(readFileSync(join(bundled, f), 'utf8'), f).toBe(readFileSync(join(sources, f), 'utf8'));
    }
    expect(readFileSync(join(bundled, 'reports/refit.md'), 'utf8')).not.toMatch(/chart thread failed/);
  }, 60_000);
});
