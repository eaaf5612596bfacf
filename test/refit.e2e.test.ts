/**
 * Golden end-to-end run: `refit` on the committed fixture corpus (test/fixtures/golden/) must
 * reproduce the committed expected artifacts byte for byte. After an intended change of the
 * numbers, regenerate them with `UPDATE_GOLDEN=1 npx vitest run test/refit.e2e.test.ts` and review
 * the diff.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { refit } from '../pipeline/refit.ts';
import { listFiles } from './helpers/files.ts';

const ROOT = join(import.meta.dirname, '..');
const FIXTURE_CONFIG = join(ROOT, 'test/fixtures/golden/refit.config.yaml');
const EXPECTED = join(ROOT, 'test/golden');
const GOLDEN_FILES = ['fitted_models.json', 'validation.json', 'splits.json', 'manifest.json'] as const;

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'capfit-e2e-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe('refit (golden fixture corpus)', () => {
  const out = tempDir();
  const run = refit({ configPath: FIXTURE_CONFIG, outDir: out });

  it('refit(fixture) publishes every artifact, the report and its figures', async () => {
    const outcome = await run;
    expect([0, 1]).toContain(outcome.exitCode);
    expect(outcome.written).toBe('published');
    const files = listFiles(out);
    for (const f of [...GOLDEN_FILES, 'fitted_models.schema.json']) expect(files).toContain(`artifacts/${f}`);
    expect(files).toContain('reports/refit.md');
    expect(files.some((f) => f.startsWith('reports/figures/') && f.endsWith('.svg'))).toBe(true);
    expect(outcome.summary).toMatch(/gate: (PASS|FAIL)/);
  });

  it('refit(fixture) reproduces the committed golden artifacts byte for byte', async () => {
    await run;
    for (const f of GOLDEN_FILES) {
      const actual = readFileSync(join(out, 'artifacts', f), 'utf8');
      const expectedPath = join(EXPECTED, f);
      if (process.env.UPDATE_GOLDEN) writeFileSync(expectedPath, actual);
      expect(actual, `${f} differs from test/golden/${f}`).toBe(readFileSync(expectedPath, 'utf8'));
    }
  });

  it('the emitted fitted_models.json validates against the emitted JSON Schema with Ajv', async () => {
    await run;
    const schema = JSON.parse(readFileSync(join(out, 'artifacts/fitted_models.schema.json'), 'utf8'));
    const artifact = JSON.parse(readFileSync(join(out, 'artifacts/fitted_models.json'), 'utf8'));
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(artifact), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('the manifest lists the sha256 of every artifact it was published with', async () => {
    await run;
    const { createHash } = await import('node:crypto');
    const manifest = JSON.parse(readFileSync(join(out, 'artifacts/manifest.json'), 'utf8'));
    for (const [name, hash] of Object.entries(manifest.files as Record<string, string>)) {
      const bytes = readFileSync(join(out, 'artifacts', name));
      expect(createHash('sha256').update(bytes).digest('hex'), name).toBe(hash);
    }
  });

  it("the report's source table shows each input file's sha256 (first 12 hex digits)", async () => {
    await run;
    const report = readFileSync(join(out, 'reports/refit.md'), 'utf8');
    const manifest = JSON.parse(readFileSync(join(out, 'artifacts/manifest.json'), 'utf8'));
    const sources = (manifest.inputs as { path: string; sha256: string }[]).filter((i) =>
      i.path.startsWith('corpus/'),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const i of sources)
      expect(report).toMatch(new RegExp(`\\| ${i.path} \\|.*\\| ${i.sha256.slice(0, 12)} \\|`));
  });

  it('a second run on the same inputs gives byte-identical artifacts', async () => {
    await run;
    const again = tempDir();
    await refit({ configPath: FIXTURE_CONFIG, outDir: again });
    for (const f of GOLDEN_FILES) {
      expect(readFileSync(join(again, 'artifacts', f), 'utf8'), f).toBe(
        readFileSync(join(out, 'artifacts', f), 'utf8'),
      );
    }
  });

  it('the stability study gives byte-identical artifacts and report on a worker thread and inline', async () => {
    await run;
    const threaded = tempDir();
    const inline = tempDir();
    await refit({ configPath: FIXTURE_CONFIG, outDir: threaded, stabilityThread: 'thread' });
    await refit({ configPath: FIXTURE_CONFIG, outDir: inline, stabilityThread: 'inline' });
    for (const f of [...GOLDEN_FILES.map((g) => `artifacts/${g}`), 'reports/refit.md']) {
      const a = readFileSync(join(threaded, f), 'utf8');
      expect(a, f).toBe(readFileSync(join(inline, f), 'utf8'));
      if (f.startsWith('artifacts/')) expect(a, f).toBe(readFileSync(join(out, f), 'utf8'));
    }
    expect(readFileSync(join(threaded, 'reports/refit.md'), 'utf8')).not.toMatch(/worker failed/);
  });
});

describe('refit gate semantics', () => {
  it('refit({ check: true }) computes everything and writes nothing', async () => {
    const out = tempDir();
    const outcome = await refit({ configPath: FIXTURE_CONFIG, outDir: join(out, 'nested'), check: true });
    expect(outcome.written).toBe('none');
    expect(outcome.files).toEqual([]);
    expect(listFiles(out)).toEqual([]);
    expect(outcome.summary).toMatch(/--check: nothing written/);
  });

  it('an impossible target exits 1 and leaves the published artifacts untouched (candidate beside them)', async () => {
    const out = tempDir();
    await refit({ configPath: FIXTURE_CONFIG, outDir: out, force: true });
    const before = GOLDEN_FILES.map((f) => readFileSync(join(out, 'artifacts', f), 'utf8'));

    const impossible = join(out, 'impossible.yaml');
    const text = readFileSync(FIXTURE_CONFIG, 'utf8')
      .replace(/path: corpus\//g, `path: ${join(ROOT, 'test/fixtures/golden/corpus')}/`)
      .replace(/: \.\.\/\.\.\/\.\.\/datasets\/registry\//g, `: ${join(ROOT, 'datasets/registry')}/`)
      .replace(/seed: "42"/, 'seed: "7"');
    const withTarget = text.replace(/(record:\n\s+vram: \{ r2_min: )[0-9.]+/, '$11');
    expect(withTarget).not.toBe(text);
    writeFileSync(impossible, withTarget);

    const outcome = await refit({ configPath: impossible, outDir: out });
    expect(outcome.exitCode).toBe(1);
    expect(outcome.written).toBe('candidate');
    expect(outcome.summary).toMatch(/candidate written to/);
    GOLDEN_FILES.forEach((f, i) => {
      expect(readFileSync(join(out, 'artifacts', f), 'utf8'), f).toBe(before[i]);
    });
    expect(listFiles(join(out, 'artifacts/candidate'))).toContain('fitted_models.json');
  });
});
