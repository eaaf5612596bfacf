import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED, PACKAGE_ROOT, type WorkerModule, workerModuleUrl } from '../../pipeline/util/paths.ts';

describe('paths', () => {
  it('the package root is the directory with package.json', () => {
    expect(existsSync(join(PACKAGE_ROOT, 'package.json'))).toBe(true);
    expect(existsSync(join(PACKAGE_ROOT, 'pipeline', 'refit.ts'))).toBe(true);
  });

  it('from the sources, every worker module URL names an existing TypeScript file', () => {
    expect(BUNDLED).toBe(false);
    const modules: WorkerModule[] = [
      'ingest/ingest-worker',
      'validate/stability-worker',
      'emit/chart-worker',
    ];
    for (const m of modules) {
      const path = fileURLToPath(workerModuleUrl(m));
      expect(path).toBe(join(PACKAGE_ROOT, 'pipeline', `${m}.ts`));
      expect(existsSync(path), m).toBe(true);
    }
  });
});
