/**
 * The bad-input catalogue: one table of named hostile inputs (CSV, JSON, JSON Lines, config,
 * artifact, CLI) and the exact outcome of each. Data cases run through `loadCorpus` (ingest +
 * normalise) on a scratch folder and assert every issue (line, code, severity) of the source and
 * its counts; config cases assert the `PipelineError` (exit 2) message; artifact cases go through
 * `parseArtifact`; CLI cases spawn `node bin/capfit.js` and assert exit 2 and the one-line message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../pipeline/config.ts';
import { parseArtifact } from '../../pipeline/emit/artifact.ts';
import { type LoadedCorpus, loadCorpus } from '../../pipeline/ingest/load.ts';
import { type AnyRecord, CATEGORIES, type Category, type IssueCode } from '../../pipeline/records.ts';
import { refit } from '../../pipeline/refit.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import {
  type CliResult,
  CONFIG_TAIL,
  createWorkspace,
  HOSTILE_FIXTURES,
  oneSourceConfig,
  runCli,
  type Workspace,
} from './harness.ts';

// ---------------------------------------------------------------------------------------------
// Case shapes
// ---------------------------------------------------------------------------------------------

/** `[line, code]` (a rejection) or `[line, code, 'warn']` (kept and flagged). */
type ExpectedIssue = readonly [number, IssueCode] | readonly [number, IssueCode, 'warn'];

interface DataOutcome {
  readonly issues: readonly ExpectedIssue[];
  readonly counts: readonly [read: number, accepted: number, rejected: number];
  /** Model ids of the records kept, sorted. */
  readonly models?: readonly string[];
  /** A fragment every listed issue message must contain, by `line:code`. */
  readonly messages?: Readonly<Record<string, string>>;
}

interface DataCase {
  readonly name: string;
  readonly kind: 'csv' | 'json' | 'jsonl';
  readonly category?: Category;
  readonly content: string | Uint8Array;
  /** Extra YAML keys of the source (indented four spaces); default maps tok_per_s to tok_s. */
  readonly source?: string;
  readonly expect: DataOutcome;
}

interface ConfigCase {
  readonly name: string;
  readonly kind: 'config';
  /** Full config text (the scratch folder holds registry/ and ok.csv). */
  readonly config: string;
  /** Other files to write first. */
  readonly files?: Readonly<Record<string, string>>;
  /** `parse` goes through parseConfig only; `load` through loadCorpus (paths, registry, mappings). */
  readonly via: 'parse' | 'load';
  readonly error: string;
}

interface ArtifactCase {
  readonly name: string;
  readonly kind: 'artifact';
  /** Builds the artifact text from a valid one. */
  readonly text: (valid: string) => string;
  readonly error: string;
}

interface CliCase {
  readonly name: string;
  readonly kind: 'cli';
  /** Arguments; `{ws}` is replaced by the scratch folder, `{artifact:NAME}` by an artifact case's file. */
  readonly args: readonly string[];
  /** Files to write in the scratch folder first. */
  readonly files?: Readonly<Record<string, string>>;
  readonly error: string;
}

type HostileCase = DataCase | ConfigCase | ArtifactCase | CliCase;

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const H = 'model,quant,backend,gpu,tok_s';
const GOOD = 'llama3.2-1b,FP16,ollama,RTX 4090,100';
const row = (tok: string, model = 'llama3.2-1b') => `${model},FP16,ollama,RTX 4090,${tok}`;
const csv = (...lines: string[]) => `${lines.join('\n')}\n`;
const VRAM_H = 'model,quant,backend,gpu,vram_gb,context_length';
const vramRow = (gb: string) => `llama3.2-1b,FP16,ollama,RTX 4090,${gb},2048`;
const LAT_H = 'model,quant,backend,gpu,ms,concurrency';
const latRow = (ms: string, n: string) => `llama3.2-1b,FP16,ollama,RTX 4090,${ms},${n}`;
const jrec = (tok: unknown, model: unknown = 'llama3.2-1b') =>
  JSON.stringify({ model, quant: 'FP16', backend: 'ollama', gpu: 'RTX 4090', tok_s: tok });
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const TEN_MB = 10 * 1024 * 1024;

/** A valid config with `extra` lines in front (the mapping keys then repeat only if `extra` does). */
const configText = (
  head: string,
  source = '  - { path: ok.csv, category: throughput, fields: { tok_per_s: tok_s } }',
) => `${head}\nsources:\n${source}\n${CONFIG_TAIL}\n`;

// ---------------------------------------------------------------------------------------------
// The catalogue
// ---------------------------------------------------------------------------------------------

const CASES: readonly HostileCase[] = [
  // --- CSV: file shape ------------------------------------------------------------------------
  {
    name: 'csv: empty file',
    kind: 'csv',
    content: '',
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': 'empty file: no header row' },
    },
  },
  { name: 'csv: header only', kind: 'csv', content: `${H}\n`, expect: { issues: [], counts: [0, 0, 0] } },
  {
    name: 'csv: header only, no final newline',
    kind: 'csv',
    content: H,
    expect: { issues: [], counts: [0, 0, 0] },
  },
  {
    name: 'csv: blank lines after the header',
    kind: 'csv',
    content: `${H}\n\n\n\n`,
    expect: { issues: [], counts: [0, 0, 0] },
  },
  {
    name: 'csv: UTF-8 BOM before the header',
    kind: 'csv',
    content: `\uFEFF${csv(H, GOOD)}`,
    expect: { issues: [], counts: [1, 1, 0], models: ['llama3.2-1b'] },
  },
  {
    name: 'csv: CRLF line endings keep line numbers',
    kind: 'csv',
    content: csv(H, GOOD, row('x')).replace(/\n/g, '\r\n'),
    expect: { issues: [[3, 'bad_number']], counts: [2, 1, 1] },
  },
  {
    name: 'csv: mixed CR, LF and CRLF endings',
    kind: 'csv',
    content: `${H}\r\n${GOOD}\r${GOOD}\n${row('x')}\r\n`,
    expect: { issues: [[4, 'bad_number']], counts: [3, 2, 1] },
  },
  {
    name: 'csv: quoted model name with a newline (line = where the row ends)',
    kind: 'csv',
    content: csv(H, '"llama\n3.2-1b",FP16,ollama,RTX 4090,100', row('x')),
    expect: {
      issues: [
        [3, 'bad_name'],
        [4, 'bad_number'],
      ],
      counts: [2, 0, 2],
      messages: { '3:bad_name': 'control characters' },
    },
  },
  {
    name: 'csv: quoted newline in an unused column',
    kind: 'csv',
    content: csv(`${H},note`, `${GOOD},"two\nlines"`, `${row('x')},n`),
    expect: { issues: [[4, 'bad_number']], counts: [2, 1, 1] },
  },
  {
    name: 'csv: ragged row with too few fields',
    kind: 'csv',
    content: csv(H, GOOD, 'llama3.2-1b,FP16,ollama,100'),
    expect: {
      issues: [[3, 'ragged_row']],
      counts: [2, 1, 1],
      messages: { '3:ragged_row': 'row has 4 fields, header has 5' },
    },
  },
  {
    name: 'csv: ragged row with too many fields',
    kind: 'csv',
    content: csv(H, `${GOOD},extra`, GOOD),
    expect: { issues: [[2, 'ragged_row']], counts: [2, 1, 1] },
  },
  {
    name: 'csv: whitespace-only line',
    kind: 'csv',
    content: csv(H, '   ', GOOD),
    expect: { issues: [[2, 'ragged_row']], counts: [2, 1, 1] },
  },
  {
    name: 'csv: duplicate header names',
    kind: 'csv',
    content: csv('model,model,backend,gpu,tok_s', GOOD),
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': "duplicate column name 'model'" },
    },
  },
  {
    name: 'csv: unknown extra columns are ignored',
    kind: 'csv',
    content: csv(`${H},colour,__proto__`, `${GOOD},red,x`),
    expect: { issues: [], counts: [1, 1, 0], models: ['llama3.2-1b'] },
  },
  {
    name: 'csv: header without the model column',
    kind: 'csv',
    content: csv('name,quant,backend,gpu,tok_s', GOOD),
    expect: { issues: [[2, 'missing_field']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: mapped column missing from the header',
    kind: 'csv',
    content: csv('model,quant,backend,gpu,tps', GOOD),
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': "column 'tok_s' (fields.tok_per_s) not in the header" },
    },
  },
  {
    name: 'csv: unclosed quote',
    kind: 'csv',
    content: csv(H, GOOD, '"llama3.2-1b,FP16,ollama,RTX 4090,100', GOOD),
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': 'CSV syntax error' },
    },
  },
  // --- CSV: bytes -------------------------------------------------------------------------------
  {
    name: 'csv: non-UTF-8 byte in a model name',
    kind: 'csv',
    content: bytes(`${H}\ncaf`, [0xe9], ',FP16,ollama,RTX 4090,100\n'),
    expect: { issues: [[2, 'bad_name']], counts: [1, 0, 1], messages: { '2:bad_name': 'not valid UTF-8' } },
  },
  {
    name: 'csv: non-UTF-8 byte in a number',
    kind: 'csv',
    content: bytes(`${H}\nllama3.2-1b,FP16,ollama,RTX 4090,1`, [0xff], '0\n'),
    expect: { issues: [[2, 'bad_number']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: NUL byte in a model name',
    kind: 'csv',
    content: csv(H, 'llama\u00003.2-1b,FP16,ollama,RTX 4090,100'),
    expect: { issues: [[2, 'bad_name']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: NUL byte in a number',
    kind: 'csv',
    content: csv(H, row('1\u00000')),
    expect: { issues: [[2, 'bad_number']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: 10 MB model name',
    kind: 'csv',
    content: csv(H, `${'x'.repeat(TEN_MB)},FP16,ollama,RTX 4090,100`, GOOD),
    expect: {
      issues: [[2, 'bad_name']],
      counts: [2, 1, 1],
      messages: { '2:bad_name': `model name is ${TEN_MB} characters long (at most 256)` },
    },
  },
  {
    name: 'csv: 10 MB number',
    kind: 'csv',
    content: csv(H, row('9'.repeat(TEN_MB)), GOOD),
    expect: {
      issues: [[2, 'non_finite']],
      counts: [2, 1, 1],
      messages: { '2:non_finite': `(+${TEN_MB - 80} chars)` },
    },
  },
  // --- CSV: numbers -----------------------------------------------------------------------------
  {
    name: 'csv: 1e999 overflows',
    kind: 'csv',
    content: csv(H, row('1e999')),
    expect: {
      issues: [[2, 'non_finite']],
      counts: [1, 0, 1],
      messages: { '2:non_finite': 'overflows to infinity' },
    },
  },
  {
    name: 'csv: -0 tok/s is zero',
    kind: 'csv',
    content: csv(H, row('-0')),
    expect: {
      issues: [[2, 'out_of_range']],
      counts: [1, 0, 1],
      messages: { '2:out_of_range': '0 must be > 0' },
    },
  },
  {
    name: 'csv: NaN',
    kind: 'csv',
    content: csv(H, row('NaN')),
    expect: { issues: [[2, 'non_finite']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: -Infinity',
    kind: 'csv',
    content: csv(H, row('-Infinity')),
    expect: { issues: [[2, 'non_finite']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: decimal comma 1,5',
    kind: 'csv',
    content: csv(H, row('"1,5"')),
    expect: { issues: [[2, 'bad_number']], counts: [1, 0, 1], messages: { '2:bad_number': 'decimal comma' } },
  },
  {
    name: 'csv: hexadecimal 0x10',
    kind: 'csv',
    content: csv(H, row('0x10')),
    expect: { issues: [[2, 'bad_number']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: empty required tok/s',
    kind: 'csv',
    content: csv(H, row('')),
    expect: { issues: [[2, 'missing_field']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: zero tok/s',
    kind: 'csv',
    content: csv(H, row('0')),
    expect: { issues: [[2, 'out_of_range']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: negative tok/s',
    kind: 'csv',
    content: csv(H, row('-3.5')),
    expect: { issues: [[2, 'negative']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: 12 GB (unit in the cell)',
    kind: 'csv',
    category: 'vram',
    source: '',
    content: csv(VRAM_H, vramRow('12 GB')),
    expect: {
      issues: [[2, 'bad_number']],
      counts: [1, 0, 1],
      messages: { '2:bad_number': 'unit or text attached' },
    },
  },
  {
    name: 'csv: negative VRAM',
    kind: 'csv',
    category: 'vram',
    source: '',
    content: csv(VRAM_H, vramRow('-4'), vramRow('4')),
    expect: { issues: [[2, 'negative']], counts: [2, 1, 1] },
  },
  {
    name: 'csv: concurrency 0',
    kind: 'csv',
    category: 'latency',
    source: '',
    content: csv(LAT_H, latRow('120', '0'), latRow('120', '1')),
    expect: {
      issues: [[2, 'out_of_range']],
      counts: [2, 1, 1],
      messages: { '2:out_of_range': 'concurrency' },
    },
  },
  {
    name: 'csv: fractional concurrency',
    kind: 'csv',
    category: 'latency',
    source: '',
    content: csv(LAT_H, latRow('120', '1.5')),
    expect: {
      issues: [[2, 'bad_number']],
      counts: [1, 0, 1],
      messages: { '2:bad_number': 'not a whole number' },
    },
  },
  {
    name: 'csv: 1e300 GB of VRAM (beyond anything physical)',
    kind: 'csv',
    category: 'vram',
    source: '',
    content: csv(VRAM_H, vramRow('1e300')),
    expect: {
      issues: [[2, 'out_of_range']],
      counts: [1, 0, 1],
      messages: { '2:out_of_range': 'must be ≤ 100000' },
    },
  },
  {
    name: 'csv: 1e-300 tok/s (below any measurement)',
    kind: 'csv',
    content: csv(H, row('1e-300')),
    expect: {
      issues: [[2, 'out_of_range']],
      counts: [1, 0, 1],
      messages: { '2:out_of_range': 'must be ≥ 0.000001' },
    },
  },
  {
    name: 'csv: a billion concurrent agents',
    kind: 'csv',
    category: 'scaling',
    source: '',
    content: csv('model,quant,backend,gpu,n_agents,eta', 'llama3.2-1b,FP16,ollama,RTX 4090,1000000000,0.5'),
    expect: {
      issues: [[2, 'out_of_range']],
      counts: [1, 0, 1],
      messages: { '2:out_of_range': 'must be ≤ 4096' },
    },
  },
  // --- CSV: names -------------------------------------------------------------------------------
  {
    name: 'csv: unknown quant is kept and flagged',
    kind: 'csv',
    content: csv(H, 'llama3.2-1b,Q9_X,ollama,RTX 4090,100'),
    expect: { issues: [[2, 'unknown_quant', 'warn']], counts: [1, 1, 0], models: ['llama3.2-1b'] },
  },
  {
    name: 'csv: unknown backend is kept and flagged',
    kind: 'csv',
    content: csv(H, 'llama3.2-1b,FP16,zzz-serve,RTX 4090,100'),
    expect: { issues: [[2, 'unknown_backend', 'warn']], counts: [1, 1, 0] },
  },
  {
    name: 'csv: model __proto__',
    kind: 'csv',
    content: csv(H, row('100', '__proto__')),
    expect: {
      issues: [[2, 'bad_name']],
      counts: [1, 0, 1],
      messages: { '2:bad_name': "model name '__proto__' is reserved" },
    },
  },
  {
    name: 'csv: model constructor',
    kind: 'csv',
    content: csv(H, row('100', 'constructor')),
    expect: { issues: [[2, 'bad_name']], counts: [1, 0, 1], messages: { '2:bad_name': 'reserved' } },
  },
  {
    name: 'csv: model hasOwnProperty',
    kind: 'csv',
    content: csv(H, row('100', 'hasOwnProperty')),
    expect: { issues: [[2, 'bad_name']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: model Constructor resolves to a reserved id',
    kind: 'csv',
    content: csv(H, row('100', 'Constructor')),
    expect: {
      issues: [[2, 'bad_name']],
      counts: [1, 0, 1],
      messages: { '2:bad_name': "(resolves to 'constructor')" },
    },
  },
  {
    name: 'csv: quant __proto__',
    kind: 'csv',
    content: csv(H, 'llama3.2-1b,__proto__,ollama,RTX 4090,100'),
    expect: {
      issues: [[2, 'bad_name']],
      counts: [1, 0, 1],
      messages: { '2:bad_name': "quant name '__proto__'" },
    },
  },
  {
    name: 'csv: backend __proto__',
    kind: 'csv',
    content: csv(H, 'llama3.2-1b,FP16,__proto__,RTX 4090,100'),
    expect: {
      issues: [[2, 'bad_name']],
      counts: [1, 0, 1],
      messages: { '2:bad_name': "backend name '__proto__'" },
    },
  },
  {
    name: 'csv: model name with |',
    kind: 'csv',
    content: csv(H, row('100', 'a|b')),
    expect: { issues: [[2, 'unknown_model', 'warn']], counts: [1, 1, 0], models: ['a|b'] },
  },
  {
    name: 'csv: model name with backticks',
    kind: 'csv',
    content: csv(H, row('100', '`rm -rf`')),
    expect: { issues: [[2, 'unknown_model', 'warn']], counts: [1, 1, 0], models: ['`rm-rf`'] },
  },
  {
    name: 'csv: model name with <script>',
    kind: 'csv',
    content: csv(H, row('100', 'evil<script>')),
    expect: { issues: [[2, 'unknown_model', 'warn']], counts: [1, 1, 0], models: ['evil<script>'] },
  },
  {
    name: 'csv: model name of punctuation only',
    kind: 'csv',
    content: csv(H, row('100', '---')),
    expect: { issues: [[2, 'bad_name']], counts: [1, 0, 1] },
  },
  {
    name: 'csv: duplicate explicit record ids',
    kind: 'csv',
    content: csv(`id,${H}`, `r1,${GOOD}`, `r1,${row('101')}`, `r2,${GOOD}`),
    // The row kept is the first in content-hash order (here the one on line 2), whatever the file order.
    expect: { issues: [[3, 'duplicate_id']], counts: [3, 2, 1], messages: { '3:duplicate_id': '/a.csv:2' } },
  },
  {
    name: 'csv: identical rows without ids are both kept',
    kind: 'csv',
    content: csv(H, GOOD, GOOD),
    expect: { issues: [], counts: [2, 2, 0], models: ['llama3.2-1b', 'llama3.2-1b'] },
  },
  {
    name: 'csv: row outside a where filter',
    kind: 'csv',
    source: '    where: { backend: [vllm] }',
    content: csv(H, GOOD),
    expect: {
      issues: [[2, 'excluded']],
      counts: [1, 0, 1],
      messages: { '2:excluded': "backend='ollama' not in [vllm]" },
    },
  },
  // --- JSON ---------------------------------------------------------------------------------------
  {
    name: 'json: empty file',
    kind: 'json',
    content: '',
    expect: { issues: [[0, 'unparseable_file']], counts: [0, 0, 0] },
  },
  {
    name: 'json: top level is an object, not an array',
    kind: 'json',
    content: `{"rows": [${jrec(1)}]}`,
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: {
        '0:unparseable_file': 'expected a JSON array of objects at the top level, found an object',
      },
    },
  },
  {
    name: 'json: top level is a number',
    kind: 'json',
    content: '42',
    expect: { issues: [[0, 'unparseable_file']], counts: [0, 0, 0] },
  },
  {
    name: 'json: truncated',
    kind: 'json',
    content: `[${jrec(100)},\n${jrec(100).slice(0, 30)}`,
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': 'not valid JSON (truncated or malformed)' },
    },
  },
  {
    name: 'json: nested 100 000 levels deep',
    kind: 'json',
    content: `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    expect: {
      issues: [[0, 'unparseable_file']],
      counts: [0, 0, 0],
      messages: { '0:unparseable_file': 'deeper than 64 levels' },
    },
  },
  { name: 'json: empty array', kind: 'json', content: '[]', expect: { issues: [], counts: [0, 0, 0] } },
  {
    name: 'json: elements that are not objects',
    kind: 'json',
    content: `[\n${jrec(100)},\n1,\n"x",\nnull\n]`,
    expect: {
      issues: [
        [3, 'missing_field'],
        [4, 'missing_field'],
        [5, 'missing_field'],
      ],
      counts: [4, 1, 3],
    },
  },
  {
    name: 'json: __proto__ key holding the model',
    kind: 'json',
    content:
      '[{"__proto__": {"model": "llama3.2-1b"}, "backend": "ollama", "gpu": "RTX 4090", "quant": "FP16", "tok_s": 5}]',
    expect: { issues: [[1, 'missing_field']], counts: [1, 0, 1] },
  },
  {
    name: 'json: number 1e999',
    kind: 'json',
    content: `[${jrec(100)},\n{"model":"llama3.2-1b","quant":"FP16","backend":"ollama","gpu":"RTX 4090","tok_s":1e999}]`,
    expect: { issues: [[2, 'non_finite']], counts: [2, 1, 1] },
  },
  {
    name: 'json: object where a number belongs',
    kind: 'json',
    content: `[${jrec({ value: 1 })}]`,
    expect: { issues: [[1, 'bad_number']], counts: [1, 0, 1] },
  },
  {
    name: 'json: model name that is a number',
    kind: 'json',
    content: `[${jrec(100, 8)}]`,
    expect: { issues: [[1, 'unknown_model', 'warn']], counts: [1, 1, 0], models: ['8'] },
  },
  {
    name: 'json: BOM before the array',
    kind: 'json',
    content: `\uFEFF[${jrec(100)}]`,
    expect: { issues: [], counts: [1, 1, 0] },
  },
  {
    name: 'json: duplicate record ids',
    kind: 'json',
    content: `[\n${JSON.stringify({ id: 'x', ...JSON.parse(jrec(100)) })},\n${JSON.stringify({ id: 'x', ...JSON.parse(jrec(200)) })}\n]`,
    expect: {
      issues: [[2, 'duplicate_id']],
      counts: [2, 1, 1],
      messages: { '2:duplicate_id': 'id x already used by' },
    },
  },
  // --- JSON Lines ---------------------------------------------------------------------------------
  {
    name: 'jsonl: invalid line in the middle',
    kind: 'jsonl',
    content: `${jrec(100)}\n{oops\n${jrec(100)}\n`,
    expect: {
      issues: [[2, 'unparseable_file']],
      counts: [3, 2, 1],
      messages: { '2:unparseable_file': 'line 2 is not valid JSON' },
    },
  },
  {
    name: 'jsonl: line that is an array',
    kind: 'jsonl',
    content: `${jrec(100)}\n[1,2]\n`,
    expect: { issues: [[2, 'missing_field']], counts: [2, 1, 1] },
  },
  {
    name: 'jsonl: CRLF and blank lines keep line numbers',
    kind: 'jsonl',
    content: `${jrec(100)}\r\n\r\n${jrec('x')}\r\n`,
    expect: { issues: [[3, 'bad_number']], counts: [2, 1, 1] },
  },
  {
    name: 'jsonl: line nested 10 000 levels deep',
    kind: 'jsonl',
    content: `${jrec(100)}\n{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`,
    expect: {
      issues: [[2, 'unparseable_file']],
      counts: [2, 1, 1],
      messages: { '2:unparseable_file': 'deeper than 64 levels' },
    },
  },
  {
    name: 'jsonl: truncated last line',
    kind: 'jsonl',
    content: `${jrec(100)}\n${jrec(100).slice(0, 25)}`,
    expect: { issues: [[2, 'unparseable_file']], counts: [2, 1, 1] },
  },

  // --- Config -------------------------------------------------------------------------------------
  {
    name: 'config: key of the wrong type (seed: 42)',
    kind: 'config',
    via: 'parse',
    config: configText('seed: 42'),
    error: 'config: seed: Invalid input: expected string, received number',
  },
  {
    name: 'config: stability.seeds is text',
    kind: 'config',
    via: 'parse',
    config: configText('seed: "1"').replace('stability: { seeds: 0 }', 'stability: { seeds: many }'),
    error: 'stability.seeds: Invalid input: expected number, received string',
  },
  {
    name: 'config: unknown top-level key',
    kind: 'config',
    via: 'parse',
    config: configText('colour: red'),
    error: 'unknown key colour',
  },
  {
    name: 'config: __proto__ key',
    kind: 'config',
    via: 'parse',
    config: configText('__proto__: { polluted: true }'),
    error: 'unknown key __proto__',
  },
  {
    name: 'config: not YAML',
    kind: 'config',
    via: 'parse',
    config: 'sources: [\n  - {',
    error: 'config: not valid YAML',
  },
  {
    name: 'config: duplicate key',
    kind: 'config',
    via: 'parse',
    config: configText('seed: "1"\nseed: "2"'),
    error: 'not valid YAML at line 2',
  },
  {
    name: 'config: a list at the top level',
    kind: 'config',
    via: 'parse',
    config: '- a\n- b\n',
    error: 'expected a mapping of keys at the top level',
  },
  {
    name: 'config: empty file',
    kind: 'config',
    via: 'parse',
    config: '',
    error: 'expected a mapping of keys at the top level',
  },
  {
    name: 'config: no sources',
    kind: 'config',
    via: 'parse',
    config: `sources: []\n${CONFIG_TAIL}\n`,
    error: 'sources: Too small',
  },
  {
    name: 'config: glob that matches nothing',
    kind: 'config',
    via: 'load',
    config: configText('seed: "1"', '  - { path: "nowhere/*.csv", category: throughput }'),
    error: 'source pattern nowhere/*.csv matches no file',
  },
  {
    name: 'config: source file that does not exist',
    kind: 'config',
    via: 'load',
    config: configText('seed: "1"', '  - { path: missing.csv, category: throughput }'),
    error: 'input file not found: missing.csv',
  },
  {
    name: 'config: field that is not of the category',
    kind: 'config',
    via: 'load',
    config: configText('seed: "1"', '  - { path: ok.csv, category: throughput, fields: { vram_gb: tok_s } }'),
    error: "'vram_gb' is not a field of category throughput",
  },
  {
    name: 'config: unit of another dimension',
    kind: 'config',
    via: 'load',
    config: configText(
      'seed: "1"',
      '  - { path: ok.csv, category: throughput, fields: { tok_per_s: { column: tok_s, unit: ms } } }',
    ),
    error: 'unit ms cannot be converted to tok/s',
  },
  {
    name: 'config: set value that is not a number',
    kind: 'config',
    via: 'load',
    config: configText('seed: "1"', '  - { path: ok.csv, category: throughput, set: { tok_per_s: fast } }'),
    error: "set.tok_per_s = 'fast' is not a number",
  },
  {
    name: 'config: file extension of no known format',
    kind: 'config',
    via: 'load',
    files: { 'data.txt': 'x' },
    config: configText('seed: "1"', '  - { path: data.txt, category: throughput }'),
    error: 'cannot tell the format of data.txt',
  },
  {
    name: 'config: registry with a reserved model id',
    kind: 'config',
    via: 'load',
    files: {
      'registry/models.csv':
        'id,family,params_b,active_params_b,layers,kv_heads,head_dim,attention,aliases\n__proto__,x,1,1,1,1,1,gqa,\n',
    },
    config: configText('seed: "1"'),
    error: "models.csv line 2: id '__proto__' is reserved",
  },

  // --- Artifact -----------------------------------------------------------------------------------
  {
    name: 'artifact: another schema version',
    kind: 'artifact',
    text: (v) => v.replace('"schema_version": 1', '"schema_version": 2'),
    error: 'artifact schema version 2, this capfit reads 1',
  },
  {
    name: 'artifact: no schema_version',
    kind: 'artifact',
    text: (v) => v.replace('"schema_version": 1,', ''),
    error: 'artifact has no schema_version',
  },
  {
    name: 'artifact: truncated',
    kind: 'artifact',
    text: (v) => v.slice(0, Math.floor(v.length / 2)),
    error: 'artifact is truncated (JSON ends early)',
  },
  { name: 'artifact: empty', kind: 'artifact', text: () => '', error: 'artifact is empty' },
  {
    name: 'artifact: an array',
    kind: 'artifact',
    text: (v) => `[${v}]`,
    error: 'artifact is not a JSON object',
  },
  {
    name: 'artifact: coefficient tampered into text',
    kind: 'artifact',
    text: (v) =>
      tamper(v, (a) => {
        a.cost.hw_cost_per_hour = 'cheap';
      }),
    error: 'artifact does not match the schema at cost.hw_cost_per_hour',
  },
  {
    name: 'artifact: unknown extra key',
    kind: 'artifact',
    text: (v) =>
      tamper(v, (a) => {
        a.backdoor = true;
      }),
    error: 'unknown key backdoor',
  },
  {
    name: 'artifact: __proto__ key',
    kind: 'artifact',
    text: (v) => v.replace('{', '{"__proto__": {"polluted": true},'),
    error: 'unknown key __proto__',
  },
  {
    name: 'artifact: coefficient 1e999',
    kind: 'artifact',
    text: (v) => v.replace(/"hw_cost_per_hour": [0-9.e-]+/, '"hw_cost_per_hour": 1e999'),
    error: 'cost.hw_cost_per_hour',
  },
  {
    name: 'artifact: generator of another tool',
    kind: 'artifact',
    text: (v) =>
      tamper(v, (a) => {
        a.generator.name = 'other';
      }),
    error: 'generator.name',
  },

  // --- CLI ----------------------------------------------------------------------------------------
  {
    name: 'cli: refit with a config key of the wrong type',
    kind: 'cli',
    files: { 'bad.yaml': configText('seed: 42') },
    args: ['refit', '--config', '{ws}/bad.yaml', '--out', '{ws}/out'],
    error: 'capfit refit: bad.yaml: seed: Invalid input: expected string, received number',
  },
  {
    name: 'cli: refit with a glob that matches nothing',
    kind: 'cli',
    files: { 'glob.yaml': configText('seed: "1"', '  - { path: "nowhere/*.csv", category: throughput }') },
    args: ['refit', '--config', '{ws}/glob.yaml', '--out', '{ws}/out'],
    error: 'capfit refit: source pattern nowhere/*.csv matches no file under',
  },
  {
    name: 'cli: refit with a missing config',
    kind: 'cli',
    args: ['refit', '--config', '{ws}/absent.yaml', '--out', '{ws}/out'],
    error: 'capfit refit: config file not found:',
  },
  {
    name: 'cli: predict with a truncated artifact',
    kind: 'cli',
    args: [
      'predict',
      '--artifact',
      '{artifact:artifact: truncated}',
      '--model',
      'llama3.2-1b',
      '--quant',
      'FP16',
      '--backend',
      'ollama',
    ],
    error: 'is truncated (JSON ends early)',
  },
  {
    name: 'cli: predict with a tampered artifact',
    kind: 'cli',
    args: [
      'predict',
      '--artifact',
      '{artifact:artifact: coefficient tampered into text}',
      '--model',
      'llama3.2-1b',
      '--quant',
      'FP16',
      '--backend',
      'ollama',
    ],
    error: 'does not match the schema at cost.hw_cost_per_hour',
  },
  {
    name: 'cli: predict with an artifact of another schema version',
    kind: 'cli',
    args: [
      'predict',
      '--artifact',
      '{artifact:artifact: another schema version}',
      '--model',
      'llama3.2-1b',
      '--quant',
      'FP16',
      '--backend',
      'ollama',
    ],
    error: 'schema version 2, this capfit reads 1',
  },
];

// biome-ignore lint/suspicious/noExplicitAny: tampering edits arbitrary paths of parsed JSON.
function tamper(valid: string, edit: (a: any) => void): string {
  const a = JSON.parse(valid);
  edit(a);
  return `${JSON.stringify(a, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

/** A valid artifact, published by a refit of the hostile-names fixture (current schema, always). */
let VALID_ARTIFACT = '';

let ws: Workspace;
beforeAll(async () => {
  ws = createWorkspace();
  ws.write('ok.csv', csv(H, GOOD));
  const outDir = join(ws.dir, 'valid');
  await refit({ configPath: join(HOSTILE_FIXTURES, 'names.config.yaml'), outDir });
  VALID_ARTIFACT = readFileSync(join(outDir, 'artifacts', 'fitted_models.json'), 'utf8');
});
afterAll(() => ws.dispose());

const FILE_OF = { csv: 'a.csv', json: 'a.json', jsonl: 'a.jsonl' } as const;

async function loadData(c: DataCase): Promise<LoadedCorpus> {
  const slug = c.name.replace(/[^a-z0-9]+/gi, '-');
  const file = `${slug}/${FILE_OF[c.kind]}`;
  ws.write(file, c.content);
  const category = c.category ?? 'throughput';
  const extra = c.source ?? '    fields: { tok_per_s: tok_s }';
  const config = oneSourceConfig(`  - path: ${file}\n    category: ${category}${extra ? `\n${extra}` : ''}`);
  const configPath = ws.write(`${slug}.yaml`, config);
  return loadCorpus(configPath);
}

function issueKey(i: { line: number; code: string; severity: string }): string {
  return `${i.line}:${i.code}${i.severity === 'warn' ? ':warn' : ''}`;
}

function expectError(run: () => unknown, fragment: string): void {
  let error: unknown;
  try {
    run();
  } catch (err) {
    error = err;
  }
  expect(error, 'expected a PipelineError').toBeInstanceOf(PipelineError);
  expect((error as PipelineError).exitCode).toBe(2);
  expect((error as PipelineError).message).toContain(fragment);
}

async function expectErrorAsync(run: () => Promise<unknown>, fragment: string): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (err) {
    error = err;
  }
  expect(error, 'expected a PipelineError').toBeInstanceOf(PipelineError);
  expect((error as PipelineError).exitCode).toBe(2);
  expect((error as PipelineError).message).toContain(fragment);
}

describe('hostile input catalogue', () => {
  it('the catalogue has at least 40 uniquely named cases covering every input kind', () => {
    const names = CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(40);
    for (const kind of ['csv', 'json', 'jsonl', 'config', 'artifact', 'cli'] as const)
      expect(CASES.filter((c) => c.kind === kind).length).toBeGreaterThan(0);
  });

  describe('data files (loadCorpus: ingest + normalise)', () => {
    for (const c of CASES) {
      if (c.kind !== 'csv' && c.kind !== 'json' && c.kind !== 'jsonl') continue;
      it(`${c.name}`, async () => {
        const corpus = await loadData(c);
        const [count] = corpus.counts;
        expect(corpus.counts).toHaveLength(1);
        expect([count!.read, count!.accepted, count!.rejected]).toEqual([...c.expect.counts]);
        expect(count!.read).toBe(count!.accepted + count!.rejected);
        const got = corpus.issues.map(issueKey).sort();
        const want = c.expect.issues
          .map(([line, code, sev]) => issueKey({ line, code, severity: sev ?? 'reject' }))
          .sort();
        expect(got).toEqual(want);
        // Every kept record is counted as accepted, and every rejection is one issue.
        const records: AnyRecord[] = CATEGORIES.flatMap((cat): readonly AnyRecord[] => corpus.records[cat]);
        expect(records).toHaveLength(count!.accepted);
        const rowRejections = corpus.issues.filter((i) => i.severity === 'reject' && i.line > 0);
        expect(rowRejections).toHaveLength(count!.rejected);
        if (c.expect.models) expect(records.map((r) => r.model).sort()).toEqual([...c.expect.models].sort());
        for (const [key, fragment] of Object.entries(c.expect.messages ?? {})) {
          const issue = corpus.issues.find((i) => issueKey(i) === key);
          expect(issue?.message, key).toContain(fragment);
        }
        // No message echoes a huge value: every message stays readable.
        for (const i of corpus.issues) expect(i.message.length).toBeLessThan(400);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(({} as Record<string, unknown>).model).toBeUndefined();
      });
    }
  });

  describe('config (parseConfig / loadCorpus, exit 2)', () => {
    for (const c of CASES) {
      if (c.kind !== 'config') continue;
      it(`${c.name}`, async () => {
        const base = `config-${c.name.replace(/[^a-z0-9]+/gi, '-')}`;
        for (const [name, content] of Object.entries(c.files ?? {})) {
          if (name.startsWith('registry/')) ws.write(`${base}/${name}`, content);
          else ws.write(name, content);
        }
        if (c.via === 'parse') {
          expectError(() => parseConfig(c.config), c.error);
        } else {
          // Configs that bring their own registry live in their own folder with the rest of it.
          const own = Object.keys(c.files ?? {}).some((n) => n.startsWith('registry/'));
          const path = own ? ws.write(`${base}/c.yaml`, c.config) : ws.write(`${base}.yaml`, c.config);
          if (own) {
            for (const f of ['quants.csv', 'gpus.csv', 'backends.csv'])
              ws.write(`${base}/registry/${f}`, readFileSync(join(ws.dir, 'registry', f)));
            ws.write(`${base}/ok.csv`, csv(H, GOOD));
          }
          await expectErrorAsync(() => loadCorpus(path), c.error);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    }
  });

  describe('artifact (parseArtifact, exit 2)', () => {
    it('the untouched artifact parses (each case below differs from it by one defect)', () => {
      expect(parseArtifact(VALID_ARTIFACT).schema_version).toBe(1);
    });
    for (const c of CASES) {
      if (c.kind !== 'artifact') continue;
      it(`${c.name}`, () => {
        expectError(() => parseArtifact(c.text(VALID_ARTIFACT)), c.error);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    }
  });

  describe('CLI (node bin/capfit.js, exit 2 and one line on stderr)', () => {
    const cliCases = CASES.filter((c): c is CliCase => c.kind === 'cli');
    const results = new Map<string, Promise<CliResult>>();
    beforeAll(() => {
      for (const c of CASES)
        if (c.kind === 'artifact')
          ws.write(`artifacts/${c.name.replace(/[^a-z0-9]+/gi, '-')}.json`, c.text(VALID_ARTIFACT));
      for (const c of cliCases) {
        for (const [name, content] of Object.entries(c.files ?? {})) ws.write(name, content);
        const args = c.args.map((a) =>
          a
            .replace('{ws}', ws.dir)
            .replace(/^\{artifact:(.+)\}$/, (_m, name: string) =>
              join(ws.dir, 'artifacts', `${name.replace(/[^a-z0-9]+/gi, '-')}.json`),
            ),
        );
        results.set(c.name, runCli(args));
      }
    });
    for (const c of cliCases) {
      it(`${c.name}`, async () => {
        const r = await results.get(c.name)!;
        expect(r.code).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trimEnd().split('\n');
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toContain(c.error);
        expect(r.stderr).not.toContain('internal error');
      });
    }
  });
});
