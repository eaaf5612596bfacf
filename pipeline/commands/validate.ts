/** `capfit validate`: score a published artifact on the configured sources; exit 0 met, 1 missed, 2 error. */
import type { CommandContext, CommandOutput } from '../cli.ts';
import { parseArtifact } from '../emit/artifact.ts';
import { loadCorpus } from '../ingest/load.ts';
import { readText } from '../io/read.ts';
import { revalidate } from '../revalidate.ts';
import { PipelineError } from '../util/errors.ts';
import { stableStringify } from '../util/stable-json.ts';
import { SCORED_MODELS } from '../validate/points.ts';
import { flag, pathOption, stringOption, type Values } from './options.ts';

function fmt(v: number | null): string {
  if (v === null) return 'n/a';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

export async function runValidate(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const unit = stringOption(values, 'targets') ?? 'config';
  if (unit !== 'record' && unit !== 'config') {
    throw new PipelineError('argument', `--targets must be 'record' or 'config', got '${unit}'`);
  }
  const artifactPath = pathOption(values, 'artifact', ctx.cwd, 'artifacts/fitted_models.json');
  const text = await readText(artifactPath).catch((err: NodeJS.ErrnoException) => {
    throw new PipelineError('input', `cannot read artifact ${artifactPath}: ${err.code ?? err.message}`);
  });
  const artifact = parseArtifact(text);
  const corpus = await loadCorpus(pathOption(values, 'config', ctx.cwd, 'refit.config.yaml'));
  const result = revalidate(artifact, corpus, unit);
  if (flag(values, 'json')) {
    return {
      stdout: stableStringify({
        targets: result.targets,
        gate: result.gate,
        models: Object.fromEntries(
          SCORED_MODELS.map((m) => [
            m,
            {
              metrics: result.scores[m].metrics,
              in_corpus: result.scores[m].inCorpus,
              out_of_sample: result.scores[m].outOfSample,
              targets: result.scores[m].targets,
              skipped: result.skipped[m],
            },
          ]),
        ),
      }),
      exitCode: result.exitCode,
    };
  }
  const lines = [
    `capfit validate: ${artifactPath} on ${corpus.counts.length} source file(s), ${unit} targets`,
  ];
  for (const m of SCORED_MODELS) {
    const s = result.scores[m];
    lines.push(
      `  ${m.padEnd(10)} n=${s.metrics.n} (in-corpus ${s.inCorpus.n}, out-of-sample ${s.outOfSample.n})  R² ${fmt(s.metrics.r2)}  RMSE ${fmt(s.metrics.rmse)}  MAPE ${fmt(s.metrics.mape)}`,
    );
    for (const t of s.targets) {
      lines.push(
        `    ${t.status.toUpperCase().padEnd(12)} ${t.metric.toUpperCase()} ${fmt(t.value)} ${t.op} ${t.target}`,
      );
    }
  }
  lines.push(
    `  gate: ${result.gate.status.toUpperCase()} (${result.gate.passed}/${result.gate.total} targets met)`,
  );
  return { stdout: `${lines.join('\n')}\n`, exitCode: result.exitCode };
}
