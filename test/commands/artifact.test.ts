import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactFromText, loadArtifact } from '../../pipeline/commands/artifact.ts';
import { coefficientsOfArtifact, registryOfArtifact } from '../../pipeline/emit/artifact.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { FIXTURE_PATH, fixtureText, testContext } from '../fixtures/artifact/load.ts';

function dirWith(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'capfit-artifact-'));
  writeFileSync(join(dir, name), content);
  return dir;
}

async function failure(values: Record<string, string>, cwd: string): Promise<PipelineError> {
  const err = await loadArtifact(values, testContext(cwd)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PipelineError);
  expect((err as PipelineError).exitCode).toBe(2);
  return err as PipelineError;
}

describe('loadArtifact', () => {
  it('loadArtifact({}, ctx) reads artifacts/fitted_models.json under ctx.cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capfit-artifact-'));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'artifacts'));
    writeFileSync(join(dir, 'artifacts', 'fitted_models.json'), fixtureText());
    const loaded = await loadArtifact({}, testContext(dir));
    expect(loaded.path).toBe(join(dir, 'artifacts', 'fitted_models.json'));
    expect(loaded.predictor.referenceGpu.id).toBe(loaded.artifact.throughput.reference_gpu);
  });

  it('loadArtifact({ artifact }) names a missing, truncated, tampered or other-version file', async () => {
    expect((await failure({}, tmpdir())).message).toMatch(
      /no artifact at .*artifacts\/fitted_models\.json; run 'capfit refit'/,
    );
    expect((await failure({ artifact: 'nope.json' }, tmpdir())).message).toMatch(
      /no artifact at .*nope\.json$/,
    );
    const text = fixtureText();
    const truncated = dirWith('a.json', text.slice(0, text.length / 2));
    expect((await failure({ artifact: 'a.json' }, truncated)).message).toMatch(/truncated/);
    const doc = JSON.parse(text);
    doc.vram.overhead_factor = 'big';
    expect((await failure({ artifact: 'a.json' }, dirWith('a.json', JSON.stringify(doc)))).message).toMatch(
      /vram\.overhead_factor/,
    );
    const other = JSON.parse(text);
    other.schema_version = 99;
    expect((await failure({ artifact: 'a.json' }, dirWith('a.json', JSON.stringify(other)))).message).toMatch(
      /schema version 99/,
    );
  });
});

describe('artifactFromText', () => {
  it('artifactFromText(text) binds a predictor to the embedded registry and its tags', () => {
    const { artifact, registry, predictor } = artifactFromText(fixtureText(), FIXTURE_PATH);
    expect(registry.tags.length).toBeGreaterThan(0);
    expect(predictor.resolve({ model: 'llama3.2:3b' }).quant.id).toBe(
      registry.tags.find((t) => t.tag === 'llama3.2:3b')!.quant,
    );
    expect(coefficientsOfArtifact(artifact).vram).toBe(artifact.vram);
    const noTags = { ...artifact, registry: { ...artifact.registry, tags: undefined } };
    expect(registryOfArtifact(noTags as typeof artifact).tags).toEqual([]);
  });
});
