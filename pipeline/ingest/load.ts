/**
 * `loadCorpus(configPath)` chains the data layer: read and validate the config, load the registry,
 * ingest every source, normalise names and ids, and hash every input file. It prints nothing and
 * returns everything the later stages and the report need.
 */

import { dirname, join, resolve } from 'node:path';
import { parseConfig, type RefitConfig } from '../config.ts';
import { fileExists, labelFor, readText, sha256File } from '../io/read.ts';
import { createNormaliser } from '../normalise/index.ts';
import { CATEGORIES, type Issue, type RecordSet, type SourceCount } from '../records.ts';
import { createResolver, type LoadedRegistry, parseRegistry, type Resolver } from '../registry.ts';
import { PipelineError } from '../util/errors.ts';
import { applyRejections, ingestSources, type Offload } from './index.ts';
import { ingestInWorker, runIngestJob } from './ingest-worker.ts';

/** Everything `loadCorpus` assembles. */
export interface LoadedCorpus {
  readonly config: RefitConfig;
  /** Folder of the config file; source and registry paths are relative to it. */
  readonly baseDir: string;
  readonly registry: LoadedRegistry;
  readonly resolver: Resolver;
  readonly records: RecordSet;
  /** Ingest issues followed by normalise issues. */
  readonly issues: readonly Issue[];
  /** Per source file, after normalise: `read === accepted + rejected`, accepted = records made. */
  readonly counts: readonly SourceCount[];
  /** Config, registry and source files with their SHA-256, sorted by path (relative to `baseDir`). */
  readonly inputFiles: readonly { readonly path: string; readonly sha256: string }[];
  /** SHA-256 of the config file (also in `inputFiles`). */
  readonly configSha256: string;
}

/** Options of `loadCorpus`. */
export interface LoadOptions {
  /**
   * Progress hook (the function prints nothing itself): called once after ingest with the rows
   * read and once after normalise with the records made.
   */
  readonly onStage?: (stage: 'ingest' | 'normalise', rows: number) => void;
  /**
   * Read the largest CSV file (≥ `OFFLOAD_MIN_BYTES`) on a worker thread; false reads every file on
   * this thread. The corpus is the same either way.
   * @default true
   */
  readonly threads?: boolean;
  /** Smallest CSV file handed to the worker. @default OFFLOAD_MIN_BYTES */
  readonly offloadMinBytes?: number;
}

/**
 * Where the Ollama tag table lives: `tags.csv` beside the models file (the config has no key for
 * it). A missing tag table means no tag-based quants.
 */
export function tagsPathFor(modelsPath: string): string {
  return join(dirname(modelsPath), 'tags.csv');
}

/**
 * `loadCorpus(configPath, options)` reads the config at `configPath`, then the registry and the sources it
 * names (relative to the config's folder), and returns typed records, issues, counts and input
 * hashes. Bad config, registry or paths throw `PipelineError` (exit 2); bad rows become issues.
 * @example const { records, counts } = await loadCorpus('refit.config.yaml')
 */
export async function loadCorpus(configPath: string, options: LoadOptions = {}): Promise<LoadedCorpus> {
  const configFile = resolve(configPath);
  const baseDir = dirname(configFile);
  if (!(await fileExists(configFile))) {
    throw new PipelineError('input', `config file not found: ${configPath}`);
  }
  const config = parseConfig(await readText(configFile), labelFor(configFile, baseDir));

  const registryPaths = {
    models: resolve(baseDir, config.registry.models),
    quants: resolve(baseDir, config.registry.quants),
    gpus: resolve(baseDir, config.registry.gpus),
    backends: resolve(baseDir, config.registry.backends),
  };
  const tagsPath = tagsPathFor(registryPaths.models);
  const hasTags = await fileExists(tagsPath);
  const registry = parseRegistry({
    models: await readText(registryPaths.models),
    quants: await readText(registryPaths.quants),
    gpus: await readText(registryPaths.gpus),
    backends: await readText(registryPaths.backends),
    ...(hasTags ? { tags: await readText(tagsPath) } : {}),
  });
  const resolver = createResolver(registry);

  // Rows are normalised as they are read (streaming: no raw rows are held); `finish` assigns ids.
  // The largest CSV file is read on a worker thread meanwhile (on the main thread again if the
  // worker fails: same records, same issues).
  const normaliser = createNormaliser(resolver);
  const stopWorker = new AbortController();
  const offload: Offload = async (job) => {
    const answer = await (options.threads === false
      ? runIngestJob({ ...job, registry })
      : ingestInWorker({ ...job, registry }, stopWorker.signal).catch((err: unknown) => {
          if (stopWorker.signal.aborted) throw err;
          return runIngestJob({ ...job, registry });
        }));
    return { file: answer.file, commit: (mark) => normaliser.absorb(answer.part, mark) };
  };
  let ingest: Awaited<ReturnType<typeof ingestSources>>;
  try {
    ingest = await ingestSources(config, baseDir, normaliser, offload, options.offloadMinBytes);
  } finally {
    stopWorker.abort();
  }
  options.onStage?.(
    'ingest',
    ingest.counts.reduce((n, c) => n + c.read, 0),
  );
  const normalised = normaliser.finish();
  options.onStage?.(
    'normalise',
    CATEGORIES.reduce((n, c) => n + normalised.records[c].length, 0),
  );
  const counts = applyRejections(ingest.counts, normalised.issues);

  const paths = new Set<string>([
    configFile,
    ...Object.values(registryPaths),
    ...(hasTags ? [tagsPath] : []),
    ...ingest.files.map((f) => f.path),
  ]);
  const inputFiles: { path: string; sha256: string }[] = [];
  let configSha256 = '';
  for (const path of paths) {
    const sha256 = await sha256File(path);
    if (path === configFile) configSha256 = sha256;
    inputFiles.push({ path: labelFor(path, baseDir), sha256 });
  }
  inputFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  return {
    config,
    baseDir,
    registry,
    resolver,
    records: normalised.records,
    issues: [...ingest.issues, ...normalised.issues],
    counts,
    inputFiles,
    configSha256,
  };
}
