import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../pipeline/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ctx = { cwd: ROOT, env: {}, stderr: { write: () => true, isTTY: false } };
const GOLDEN_CONFIG = 'test/fixtures/golden/refit.config.yaml';
const GOLDEN_ARTIFACT = 'test/golden/fitted_models.json';

describe('capfit validate', () => {
  it('validate --artifact --config --json scores every record and reports the gate', async () => {
    const out = await main(
      ['validate', '--artifact', GOLDEN_ARTIFACT, '--config', GOLDEN_CONFIG, '--targets', 'record', '--json'],
      ctx,
    );
    expect([0, 1]).toContain(out.exitCode);
    const result = JSON.parse(out.stdout);
    expect(result.targets).toBe('record');
    expect(result.gate.status).toBe(out.exitCode === 0 ? 'pass' : 'fail');
    for (const m of ['vram', 'throughput', 'scaling', 'quality', 'cost', 'latency']) {
      expect(result.models[m].metrics.n).toBeGreaterThan(0);
      expect(result.models[m].in_corpus.n + result.models[m].out_of_sample.n).toBe(
        result.models[m].metrics.n,
      );
    }
  });

  it('validate with an impossible target in the config exits 1', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'capfit-validate-'));
    const text = readFileSync(join(ROOT, GOLDEN_CONFIG), 'utf8')
      .replace(/path: corpus\//g, `path: ${join(ROOT, 'test/fixtures/golden/corpus')}/`)
      .replace(/: \.\.\/\.\.\/\.\.\/datasets\/registry\//g, `: ${join(ROOT, 'datasets/registry')}/`)
      .replace(/(config:\n\s+vram: \{ r2_min: )[0-9.]+/, '$11');
    const config = join(dir, 'impossible.yaml');
    writeFileSync(config, text);
    const out = await main(['validate', '--artifact', GOLDEN_ARTIFACT, '--config', config], ctx);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toMatch(/gate: FAIL/);
  });

  it('validate --targets other is a usage error naming the option', async () => {
    const out = await main(['validate', '--targets', 'nope'], ctx);
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toMatch(/--targets/);
  });
});
