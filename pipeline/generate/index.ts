/**
 * Seeded synthetic TR-style corpus: six category files in the column layouts of
 * datasets/corpus/*.csv, drawn from known coefficients (`truth.ts`) with seeded noise and an exact
 * share of damaged rows. Nothing is materialised: each file is a generator of lines that replays
 * from the seed on every call, so a 2M-row corpus streams to disk in constant memory.
 *
 * Determinism: every file draws from its own two streams, `createRng('<seed>/<category>/rows')`
 * for the good rows and `'<seed>/<category>/bad'` for which rows are damaged and how. The same
 * seed gives the same bytes; the good rows do not depend on the bad-row share.
 */

import { createRng } from '../math/rng.ts';
import type { Category } from '../records.ts';
import { PipelineError } from '../util/errors.ts';
import { compositeKey, dict } from '../util/keys.ts';
import { allocateRecords } from './allocate.ts';
import { type BadKind, badRowPicker, corruptRow } from './bad-rows.ts';
import { CATALOGUE_BACKENDS, CATALOGUE_GPUS, CATALOGUE_MODELS, CATALOGUE_QUANTS } from './catalogue.ts';
import { csvLine } from './csv-line.ts';
import { type RowLayout, rowLayouts } from './rows.ts';
import { GENERATOR_TRUTH, type GeneratorTruth, truthServiceMs, truthTokPerS } from './truth.ts';

export { type BadKind, REJECTED_KINDS } from './bad-rows.ts';
export { type GeneratedConfigOptions, generatedConfig } from './config.ts';
export type { GeneratorTruth } from './truth.ts';

export interface GenerateOptions {
  /** Data rows over all six files (headers not counted). */
  readonly records: number;
  /** Seed string for the one RNG. */
  readonly seed: string;
  /**
   * Share of data rows that are damaged (see bad-rows.ts), in [0, 1].
   * @default DEFAULT_BAD_SHARE
   */
  readonly badShare?: number;
}

export const DEFAULT_BAD_SHARE = 0.02;

/** Largest corpus the generator accepts (about 40 GB of CSV). */
export const MAX_RECORDS = 100_000_000;

/** One data row: its 1-based line (the header is line 1), its text, and its damage if any. */
export interface GeneratedRow {
  readonly line: number;
  readonly text: string;
  readonly bad: BadKind | null;
}

export interface GeneratedFile {
  readonly category: Category;
  /** File name, `<category>.csv`. */
  readonly name: string;
  readonly header: readonly string[];
  /** Data rows in the file. */
  readonly rows: number;
  /** Damaged data rows among them. */
  readonly badRows: number;
  /** Distinct configurations the good rows are drawn from. */
  readonly configurations: number;
  /** Header then data lines, without terminators; every call replays the same lines. */
  lines(): Generator<string>;
  /** Data rows with line numbers and damage kinds; every call replays the same rows. */
  rowsWithKinds(): Generator<GeneratedRow>;
}

export interface GeneratedCorpus {
  readonly seed: string;
  readonly records: number;
  readonly badShare: number;
  readonly badRows: number;
  /** One file per category, in `CATEGORIES` order. */
  readonly files: readonly GeneratedFile[];
  readonly truth: GeneratorTruth;
}

function resolveGenerateOptions(options: GenerateOptions): Required<GenerateOptions> {
  const { records, seed, badShare = DEFAULT_BAD_SHARE } = options;
  if (!Number.isSafeInteger(records) || records < 1 || records > MAX_RECORDS) {
    throw new PipelineError(
      'generate',
      `records must be an integer from 1 to ${MAX_RECORDS} (got ${records})`,
    );
  }
  if (typeof seed !== 'string' || seed.length === 0) {
    throw new PipelineError('generate', 'seed must be a non-empty string');
  }
  if (!Number.isFinite(badShare) || badShare < 0 || badShare > 1) {
    throw new PipelineError('generate', `bad share must be a number from 0 to 1 (got ${badShare})`);
  }
  return { records, seed, badShare };
}

function generatedFile(layout: RowLayout, rows: number, badShare: number, seed: string): GeneratedFile {
  const badRows = Math.round(rows * badShare);
  const { category, header, valueColumns } = layout;
  function* rowsWithKinds(): Generator<GeneratedRow> {
    const rowRng = createRng(`${seed}/${category}/rows`);
    const badRng = createRng(`${seed}/${category}/bad`);
    const isBad = badRowPicker(rows, badRows, badRng);
    for (let i = 0; i < rows; i++) {
      const fields = layout.next(rowRng);
      if (isBad()) {
        const damaged = corruptRow(fields, header, valueColumns, badRng);
        yield { line: i + 2, text: csvLine(damaged.fields), bad: damaged.kind };
      } else {
        yield { line: i + 2, text: csvLine(fields), bad: null };
      }
    }
  }
  return {
    category,
    name: `${category}.csv`,
    header,
    rows,
    badRows,
    configurations: layout.configurations,
    *lines() {
      yield csvLine(header);
      for (const row of rowsWithKinds()) yield row.text;
    },
    rowsWithKinds,
  };
}

/**
 * `generateCorpus({ records, seed, badShare })` describes a synthetic corpus of `records` data rows
 * split across the six categories in TR133 §2.2 proportions (`allocateRecords`), with
 * round(rows · badShare) damaged rows per file. Pure: files are lazily generated line iterables.
 * @example generateCorpus({ records: 1000, seed: '42' }).files[0].lines().next().value // 'model,model_tag,backend,...'
 */
export function generateCorpus(options: GenerateOptions): GeneratedCorpus {
  const { records, seed, badShare } = resolveGenerateOptions(options);
  const counts = allocateRecords(records);
  const truth = GENERATOR_TRUTH;
  const files = rowLayouts(truth).map((layout) =>
    generatedFile(layout, counts[layout.category], badShare, seed),
  );
  return {
    seed,
    records,
    badShare,
    badRows: files.reduce((s, f) => s + f.badRows, 0),
    files,
    truth,
  };
}

/**
 * `truthDocument(corpus)` is the content of `truth.json`: the request, the per-file counts, the
 * coefficients, the catalogue they apply to (architectures, bits per weight, bandwidths, rates), and
 * the noise-free service times and reference-GPU throughputs they imply, keyed `model|backend`.
 */
export function truthDocument(corpus: GeneratedCorpus): Record<string, unknown> {
  const serviceMs: Record<string, number> = dict();
  const referenceTokPerS: Record<string, number> = dict();
  for (const model of CATALOGUE_MODELS) {
    for (const backend of CATALOGUE_BACKENDS) {
      const key = compositeKey(model.id, backend.id);
      referenceTokPerS[key] = truthTokPerS(
        model.id,
        backend.id,
        'FP16',
        corpus.truth.reference_gpu,
        corpus.truth,
      );
      serviceMs[key] = truthServiceMs(model.id, backend.id, corpus.truth);
    }
  }
  return {
    generator: {
      seed: corpus.seed,
      records: corpus.records,
      bad_share: corpus.badShare,
      bad_rows: corpus.badRows,
    },
    files: corpus.files.map((f) => ({
      name: f.name,
      category: f.category,
      rows: f.rows,
      bad_rows: f.badRows,
      configurations: f.configurations,
    })),
    coefficients: corpus.truth,
    catalogue: {
      models: CATALOGUE_MODELS.map(({ id, paramsB, layers, kvHeads, headDim }) => ({
        id,
        params_b: paramsB,
        layers,
        kv_heads: kvHeads,
        head_dim: headDim,
      })),
      quants: CATALOGUE_QUANTS.map(({ id, bitsPerWeight }) => ({ id, bits_per_weight: bitsPerWeight })),
      backends: CATALOGUE_BACKENDS.map(({ id, quants, defaultQuant }) => ({
        id,
        quants,
        default_quant: defaultQuant,
      })),
      gpus: CATALOGUE_GPUS.map(({ id, spelling, vramGb, bandwidthGbs, costPerHour }) => ({
        id,
        name: spelling,
        vram_gb: vramGb,
        bandwidth_gbs: bandwidthGbs,
        cost_per_hour: costPerHour,
      })),
    },
    derived: { fp16_tok_per_s_reference_gpu: referenceTokPerS, service_ms: serviceMs },
  };
}
