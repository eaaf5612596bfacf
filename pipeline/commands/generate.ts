/**
 * `capfit generate --records N --seed S --out DIR [--bad-share F]`: writes a seeded synthetic corpus
 * (DIR/<category>.csv for the six categories), DIR/refit.config.yaml pointing at those files and at
 * this checkout's registry (targets, defaults and spot checks copied from the checkout's
 * refit.config.yaml), and DIR/truth.json with the coefficients the rows were drawn from.
 * Files stream to disk, so memory stays flat whatever N is.
 */

import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { CommandOutput } from '../cli.ts';
import { parseConfig, RefitConfigSchema } from '../config.ts';
import { csvLine } from '../generate/csv-line.ts';
import { type BadKind, generateCorpus, generatedConfig, truthDocument } from '../generate/index.ts';
import { fileExists, readText } from '../io/read.ts';
import { writeLinesAtomic } from '../io/write-stream.ts';
import type { Category } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { PACKAGE_ROOT } from '../util/paths.ts';
import { stableStringify } from '../util/stable-json.ts';

type Values = Readonly<Record<string, string | boolean | undefined>>;

/** Parsed `capfit generate` options. */
export interface GenerateArgs {
  readonly records: number;
  readonly seed: string;
  readonly out: string;
  readonly badShare?: number;
}

function requiredString(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new PipelineError('usage', `--${name} is required`);
  }
  return value;
}

/**
 * `parseGenerateArgs(values)` checks the CLI values: `--records` a positive integer (digits, `_`
 * separators allowed), `--seed` a non-empty string, `--out` a directory path, `--bad-share` a number
 * in [0, 1]. A bad value throws a `PipelineError` naming the option (exit 2).
 * @example parseGenerateArgs({ records: '20_000', seed: '7', out: 'tmp/c' }) // { records: 20000, seed: '7', out: 'tmp/c' }
 */
export function parseGenerateArgs(values: Values): GenerateArgs {
  const recordsText = requiredString(values, 'records').trim();
  const records = /^\d[\d_]*$/.test(recordsText) ? Number(recordsText.replace(/_/g, '')) : Number.NaN;
  if (!Number.isSafeInteger(records) || records < 1) {
    throw new PipelineError('usage', `--records must be a positive integer (got '${recordsText}')`);
  }
  const seed = requiredString(values, 'seed');
  const out = requiredString(values, 'out');
  const shareValue = values['bad-share'];
  if (shareValue === undefined) return { records, seed, out };
  const shareText = typeof shareValue === 'string' ? shareValue.trim() : '';
  const badShare = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(shareText) ? Number(shareText) : Number.NaN;
  if (!(badShare >= 0 && badShare <= 1)) {
    throw new PipelineError(
      'usage',
      `--bad-share must be a number from 0 to 1 (got '${String(shareValue)}')`,
    );
  }
  return { records, seed, out, badShare };
}

/**
 * How the config names `to`: relative to `from` (with `/` separators) when the output directory is
 * inside the checkout, so the pair can move together; absolute otherwise (a temp directory).
 */
function pathForConfig(from: string, to: string): string {
  const inside = !relative(PACKAGE_ROOT, from).startsWith('..') && !isAbsolute(relative(PACKAGE_ROOT, from));
  return inside ? relative(from, to).split(sep).join('/') : to;
}

/**
 * `writeGeneratedCorpus(args)` writes the corpus, its config and truth.json; returns the summary
 * and the absolute config path.
 */
export async function writeGeneratedCorpus(
  args: GenerateArgs,
): Promise<{ readonly summary: string; readonly configPath: string; readonly bytes: number }> {
  const corpus = generateCorpus({
    records: args.records,
    seed: args.seed,
    ...(args.badShare === undefined ? {} : { badShare: args.badShare }),
  });
  const outDir = resolve(args.out);
  const sources = {} as Record<Category, string>;
  const kinds = new Map<BadKind, number>();
  let bytes = 0;
  for (const file of corpus.files) {
    function* lines(): Generator<string> {
      yield csvLine(file.header);
      for (const row of file.rowsWithKinds()) {
        if (row.bad !== null) kinds.set(row.bad, (kinds.get(row.bad) ?? 0) + 1);
        yield row.text;
      }
    }
    const written = await writeLinesAtomic(resolve(outDir, file.name), lines());
    bytes += written.bytes;
    sources[file.category] = file.name;
  }
  const rootConfig = resolve(PACKAGE_ROOT, 'refit.config.yaml');
  const base = (await fileExists(rootConfig))
    ? parseConfig(await readText(rootConfig), rootConfig)
    : undefined;
  // The same registry files the root config names (the schema's defaults without one).
  const registry = base?.registry ?? RefitConfigSchema.shape.registry.parse(undefined);
  const registryPath = (path: string): string => pathForConfig(outDir, resolve(PACKAGE_ROOT, path));
  const configText = generatedConfig({
    ...(base ? { base } : {}),
    sources,
    registry: {
      models: registryPath(registry.models),
      quants: registryPath(registry.quants),
      gpus: registryPath(registry.gpus),
      backends: registryPath(registry.backends),
    },
    seed: args.seed,
  });
  const configFile = resolve(outDir, 'refit.config.yaml');
  await writeLinesAtomic(configFile, [configText], { eol: '' });
  const badKinds = Object.fromEntries([...kinds].sort(([a], [b]) => (a < b ? -1 : 1)));
  const truth = stableStringify({ ...truthDocument(corpus), bad_kinds: badKinds });
  await writeLinesAtomic(resolve(outDir, 'truth.json'), [truth], { eol: '' });
  const perFile = corpus.files.map((f) => `${f.category} ${f.rows}`).join(', ');
  const share = ((corpus.badRows / corpus.records) * 100).toFixed(1);
  const flagged = kinds.get('unknown_model') ?? 0;
  const summary =
    `capfit generate: ${corpus.records} rows, ${corpus.badRows} bad (${share}%: ${corpus.badRows - flagged} to reject, ` +
    `${flagged} unknown-model to flag) with seed ${JSON.stringify(corpus.seed)} into ${outDir}: ${perFile} ` +
    `(${(bytes / 1e6).toFixed(1)} MB) + refit.config.yaml, truth.json`;
  return { summary, configPath: configFile, bytes };
}

/** `capfit generate`: parse, write, print one summary line. */
export async function runGenerate(values: Values): Promise<CommandOutput> {
  const args = parseGenerateArgs(values);
  const { summary } = await writeGeneratedCorpus(args);
  return { stdout: `${summary}\n`, exitCode: 0 };
}
