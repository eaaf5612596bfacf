/**
 * Loads the published coefficient artifact for the query commands (`predict`, `plan`, `limits`,
 * `models`, `hardware`). These commands read only the artifact: coefficients plus the registry it
 * embeds, never the corpus. A missing, truncated, tampered or other-version file is a
 * `PipelineError` (exit 2) that names the file.
 */
import { dirname, join } from 'node:path';
import type { CommandContext } from '../cli.ts';
import {
  type Artifact,
  coefficientsOfArtifact,
  parseArtifact,
  registryOfArtifact,
} from '../emit/artifact.ts';
import { fileExists, readText } from '../io/read.ts';
import { verifyPublishedSet } from '../io/verify.ts';
import { createPredictor, type Predictor } from '../predict.ts';
import type { LoadedRegistry } from '../registry.ts';
import { PipelineError } from '../util/errors.ts';
import { pathOption, type Values } from './options.ts';

/** Where the artifact is looked for when `--artifact` is not given (relative to the working directory). */
export const DEFAULT_ARTIFACT_PATH = 'artifacts/fitted_models.json';

/** A parsed artifact and the predictor bound to it. */
export interface LoadedArtifact {
  /** Absolute path the artifact was read from. */
  readonly path: string;
  readonly artifact: Artifact;
  readonly registry: LoadedRegistry;
  readonly predictor: Predictor;
}

/**
 * `artifactFromText(text, label)` validates artifact text and binds a predictor to it. Throws
 * `PipelineError` (exit 2) for an invalid artifact or one whose reference GPU is not in its registry.
 */
export function artifactFromText(text: string, label: string): Omit<LoadedArtifact, 'path'> {
  const artifact = parseArtifact(text, { label });
  const registry = registryOfArtifact(artifact);
  const predictor = createPredictor(coefficientsOfArtifact(artifact), registry);
  return { artifact, registry, predictor };
}

/**
 * `loadArtifact(values, ctx)` reads `--artifact FILE` (default `artifacts/fitted_models.json`,
 * relative to `ctx.cwd`) and returns it with its predictor.
 */
export async function loadArtifact(values: Values, ctx: CommandContext): Promise<LoadedArtifact> {
  const path = pathOption(values, 'artifact', ctx.cwd, DEFAULT_ARTIFACT_PATH);
  if (!(await fileExists(path))) {
    const hint =
      values.artifact === undefined ? `; run 'capfit refit' to publish one, or pass --artifact FILE` : '';
    throw new PipelineError('input', `no artifact at ${path}${hint}`);
  }
  if (values.artifact === undefined && (await fileExists(join(dirname(path), 'manifest.json')))) {
    // The default artifact is part of a published set: refuse a set a killed refit left mixed.
    const check = verifyPublishedSet(ctx.cwd);
    if (check.status === 'interrupted' || check.status === 'inconsistent') {
      throw new PipelineError('input', `published artifacts are ${check.status}: ${check.problems[0] ?? ''}`);
    }
  }
  let text: string;
  try {
    text = await readText(path);
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError(
      'input',
      `cannot read artifact ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return { path, ...artifactFromText(text, `artifact ${path}`) };
}
