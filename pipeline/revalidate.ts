/**
 * Re-validation of a published artifact against measurements, without refitting: the check a CI
 * job runs when new benchmark data arrives. Every accepted record of the configured sources is
 * predicted with the artifact's coefficients and scored against the config's targets.
 */

import type { RefitConfig } from './config.ts';
import { type Artifact, coefficientsOfArtifact } from './emit/artifact.ts';
import type { LoadedCorpus } from './ingest/load.ts';
import type { SplitUnit } from './records.ts';
import { type PointsByModel, SCORED_MODELS, type ScoredModel, validationPoints } from './validate/points.ts';
import { type GateResult, gateStatus, type ModelScore, scoreModel } from './validate/score.ts';

export interface RevalidationResult {
  /** Whose targets were applied. */
  readonly targets: SplitUnit;
  readonly scores: Readonly<Record<ScoredModel, ModelScore>>;
  readonly skipped: Readonly<Record<ScoredModel, Readonly<Record<string, number>>>>;
  readonly gate: GateResult;
  readonly exitCode: 0 | 1;
}

/**
 * `revalidate(artifact, corpus, unit)` scores the artifact on all records of `corpus` against the
 * targets of split unit `unit` (default `config`: new measurements are configurations the
 * artifact was not fitted on, so the out-of-sample targets apply).
 */
export function revalidate(
  artifact: Artifact,
  corpus: LoadedCorpus,
  unit: SplitUnit = 'config',
): RevalidationResult {
  const config: RefitConfig = corpus.config;
  const points: PointsByModel = validationPoints(
    coefficientsOfArtifact(artifact),
    corpus.records,
    corpus.resolver,
  );
  const scores = {} as Record<ScoredModel, ModelScore>;
  const skipped = {} as Record<ScoredModel, Readonly<Record<string, number>>>;
  for (const model of SCORED_MODELS) {
    scores[model] = scoreModel(points[model].points, config.targets[unit][model]);
    skipped[model] = points[model].skipped;
  }
  const gate = gateStatus(scores);
  return { targets: unit, scores, skipped, gate, exitCode: gate.status === 'pass' ? 0 : 1 };
}
