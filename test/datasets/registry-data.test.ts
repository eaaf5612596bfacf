import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createResolver, parseRegistry } from '../../pipeline/registry.ts';

/*
 * Checks on the shipped reference data in datasets/registry/: shape, units, uniqueness of every
 * spelling, agreement with TR133 Appendix A/B and SS5.3, and that the production loader accepts the
 * files and resolves the names benchmarks actually print.
 */

const DIR = new URL('../../datasets/registry/', import.meta.url);
const REF = new URL('../../datasets/reference/', import.meta.url);
const CORPUS = new URL('../../datasets/corpus/', import.meta.url);

type Row = Record<string, string>;

function readText(base: URL, file: string): string {
  return readFileSync(new URL(file, base), 'utf8');
}

/** Strict parse: ragged rows throw, values are trimmed strings keyed by header. */
function readCsv(base: URL, file: string): Row[] {
  return parse(readText(base, file), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
  }) as Row[];
}

function headerOf(file: string): string[] {
  const first = readText(DIR, file).split(/\r?\n/, 1)[0] ?? '';
  return first.split(',');
}

const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  'models.csv': [
    'id',
    'family',
    'params_b',
    'active_params_b',
    'layers',
    'kv_heads',
    'head_dim',
    'attention',
    'aliases',
    'source',
  ],
  'quants.csv': ['id', 'family', 'bits_per_weight', 'default_tps_multiplier', 'aliases', 'source'],
  'gpus.csv': [
    'id',
    'name',
    'vendor',
    'segment',
    'vram_gb',
    'bandwidth_gbs',
    'cost_per_hour',
    'aliases',
    'source',
  ],
  'backends.csv': ['id', 'batching', 'aliases', 'source'],
  'tags.csv': ['tag', 'model', 'quant', 'source'],
};

const NUMERIC: Readonly<Record<string, readonly string[]>> = {
  'models.csv': ['params_b', 'active_params_b', 'layers', 'kv_heads', 'head_dim'],
  'quants.csv': ['bits_per_weight', 'default_tps_multiplier'],
  'gpus.csv': ['vram_gb', 'bandwidth_gbs', 'cost_per_hour'],
};

const models = readCsv(DIR, 'models.csv');
const quants = readCsv(DIR, 'quants.csv');
const gpus = readCsv(DIR, 'gpus.csv');
const backends = readCsv(DIR, 'backends.csv');
const tags = readCsv(DIR, 'tags.csv');
const tables: Readonly<Record<string, Row[]>> = {
  'models.csv': models,
  'quants.csv': quants,
  'gpus.csv': gpus,
  'backends.csv': backends,
  'tags.csv': tags,
};

function num(row: Row, column: string): number {
  return Number(row[column]);
}

function aliasesOf(row: Row): string[] {
  return (row.aliases ?? '')
    .split(';')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

function byId(rows: readonly Row[], id: string): Row {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`no row with id ${id}`);
  return row;
}

/** Every spelling a row answers to: id, display name (GPUs) and aliases. */
function spellings(row: Row): string[] {
  return [row.id ?? '', ...(row.name !== undefined ? [row.name] : []), ...aliasesOf(row)];
}

/**
 * Spellings that two rows share, under `key`. Keys within one row may coincide (`llama-3.2-1b` and
 * `llama3.2-1b` both mean the same row); across rows they must not.
 */
function sharedKeys(rows: readonly Row[], key: (s: string) => string): string[] {
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for (const row of rows) {
    for (const s of spellings(row)) {
      const k = key(s);
      const before = owner.get(k);
      if (before !== undefined && before !== row.id) clashes.push(`${s} (${row.id} vs ${before})`);
      owner.set(k, row.id ?? '');
    }
  }
  return clashes;
}

const lower = (s: string) => s.trim().toLowerCase();
const alnum = (s: string) => lower(s).replace(/[^a-z0-9.]+/g, '');

describe('registry CSV files', () => {
  it.each(Object.keys(COLUMNS))('%s has exactly the contract columns and parses strictly', (file) => {
    expect(headerOf(file)).toEqual(COLUMNS[file]);
    const rows = tables[file]!;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      for (const column of COLUMNS[file]!) {
        if (column === 'aliases') continue;
        expect(row[column], `${file} ${row.id ?? row.tag} ${column}`).not.toBe('');
      }
    }
  });

  it.each(Object.keys(NUMERIC))('%s numeric columns are finite and positive', (file) => {
    for (const row of tables[file]!) {
      for (const column of NUMERIC[file]!) {
        const v = num(row, column);
        expect(Number.isFinite(v) && v > 0, `${file} ${row.id} ${column}='${row[column]}'`).toBe(true);
      }
    }
  });

  it.each(['models.csv', 'quants.csv', 'gpus.csv', 'backends.csv'])('%s ids are unique', (file) => {
    const ids = tables[file]!.map((r) => lower(r.id ?? ''));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('tags.csv tags are unique Ollama name:tag strings', () => {
    const tagNames = tags.map((t) => lower(t.tag ?? ''));
    expect(new Set(tagNames).size).toBe(tagNames.length);
    for (const t of tags) expect(t.tag).toMatch(/^[a-z0-9.-]+:[A-Za-z0-9._-]+$/);
  });

  it.each(['models.csv', 'quants.csv', 'gpus.csv', 'backends.csv'])(
    '%s: no alias is shared by two rows or equal to another row id, even ignoring case and separators',
    (file) => {
      const rows = tables[file]!;
      expect(sharedKeys(rows, lower)).toEqual([]);
      expect(sharedKeys(rows, alnum)).toEqual([]);
    },
  );

  it('no field contains control characters or leading/trailing spaces inside an alias list', () => {
    for (const [file, rows] of Object.entries(tables)) {
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          expect(/[\u0000-\u001f\u007f]/.test(value), `${file} ${column}`).toBe(false);
        }
        for (const alias of aliasesOf(row)) expect(alias).toBe(alias.trim());
      }
    }
  });
});

describe('models.csv', () => {
  const appendixA = readCsv(REF, 'tr133_model_registry.csv');

  it('models.csv carries every TR133 Appendix A model with the Appendix A architecture numbers', () => {
    expect(appendixA.length).toBe(7);
    for (const ref of appendixA) {
      const row = byId(models, ref.Model ?? '');
      expect(num(row, 'params_b')).toBeCloseTo(Number(ref['Params (B)']), 6);
      expect(num(row, 'layers')).toBe(Number(ref.Layers));
      expect(num(row, 'kv_heads')).toBe(Number(ref['KV Heads']));
      expect(num(row, 'head_dim')).toBe(Number(ref.d_head));
      expect(ref.Architecture?.toLowerCase().startsWith(row.attention ?? '')).toBe(true);
    }
  });

  it('models.csv describes gpt2 as 0.124B, 12 layers, 12 kv heads of 64, MHA', () => {
    const gpt2 = byId(models, 'gpt2');
    expect(num(gpt2, 'params_b')).toBeCloseTo(0.124, 6);
    expect([num(gpt2, 'layers'), num(gpt2, 'kv_heads'), num(gpt2, 'head_dim')]).toEqual([12, 12, 64]);
    expect(gpt2.attention).toBe('mha');
  });

  it('models.csv covers the popular open families a user would benchmark', () => {
    const required = [
      'llama2-7b',
      'llama2-13b',
      'llama2-70b',
      'llama3-8b',
      'llama3-70b',
      'llama3.1-70b',
      'llama3.1-405b',
      'llama3.3-70b',
      'qwen2-0.5b',
      'qwen2-72b',
      'qwen2.5-7b',
      'qwen2.5-72b',
      'qwen2.5-coder-32b',
      'qwen3-0.6b',
      'qwen3-32b',
      'qwen3-30b-a3b',
      'mistral-7b',
      'mistral-nemo-12b',
      'mistral-small-24b',
      'mixtral-8x7b',
      'gemma2-2b',
      'gemma2-27b',
      'gemma3-270m',
      'gemma3-27b',
      'phi-3-mini',
      'phi-3-small',
      'phi-3-medium',
      'phi-3.5-mini',
      'phi-4',
      'deepseek-r1-distill-qwen-1.5b',
      'deepseek-r1-distill-llama-70b',
      'tinyllama-1.1b',
    ];
    const ids = new Set(models.map((m) => m.id));
    expect(required.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('models.csv architecture fields are physically sane', () => {
    const headDims = new Set([64, 80, 96, 128, 256]);
    for (const m of models) {
      const kv = num(m, 'kv_heads');
      const layers = num(m, 'layers');
      expect(Number.isInteger(kv) && kv >= 1, m.id).toBe(true);
      expect(Number.isInteger(layers) && layers >= 1 && layers <= 200, m.id).toBe(true);
      expect(headDims.has(num(m, 'head_dim')), `${m.id} head_dim ${m.head_dim}`).toBe(true);
      expect(['gqa', 'mha', 'mqa']).toContain(m.attention);
      // MQA is exactly one KV head; GQA and MHA have more.
      expect(m.attention === 'mqa', m.id).toBe(kv === 1);
      expect(num(m, 'active_params_b')).toBeLessThanOrEqual(num(m, 'params_b'));
    }
  });

  it('models.csv marks only the MoE models with fewer active than total parameters', () => {
    const moe = models.filter((m) => num(m, 'active_params_b') < num(m, 'params_b')).map((m) => m.id);
    expect(moe.sort()).toEqual(['mixtral-8x7b', 'qwen3-30b-a3b']);
    const mixtral = byId(models, 'mixtral-8x7b');
    expect(num(mixtral, 'params_b')).toBeCloseTo(46.7, 6);
    expect(num(mixtral, 'active_params_b')).toBeCloseTo(12.9, 6);
  });

  it('models.csv KV bytes per token (2·layers·kv_heads·head_dim·2) match known FP16 figures', () => {
    const kvBytes = (id: string) => {
      const m = byId(models, id);
      return 2 * num(m, 'layers') * num(m, 'kv_heads') * num(m, 'head_dim') * 2;
    };
    // Llama 3.1 8B: 128 KiB per token; Llama 2 7B (MHA): 512 KiB; Qwen2.5 1.5B: 28 KiB.
    expect(kvBytes('llama3.1-8b')).toBe(131072);
    expect(kvBytes('llama2-7b')).toBe(524288);
    expect(kvBytes('qwen2.5-1.5b')).toBe(28672);
  });
});

describe('quants.csv', () => {
  const bpw = (id: string) => num(byId(quants, id), 'bits_per_weight');

  it('quants.csv lists every required format', () => {
    const required = [
      'FP32',
      'FP16',
      'BF16',
      'FP8',
      'INT8',
      'Q8_0',
      'Q6_K',
      'Q5_K_M',
      'Q5_K_S',
      'Q5_0',
      'Q4_K_M',
      'Q4_K_S',
      'Q4_0',
      'Q4_1',
      'Q3_K_L',
      'Q3_K_M',
      'Q3_K_S',
      'Q2_K',
      'IQ4_XS',
      'IQ3_XXS',
      'IQ2_XXS',
      'AWQ',
      'GPTQ',
      'MLX-4bit',
      'MLX-8bit',
    ];
    const ids = new Set(quants.map((q) => q.id));
    expect(required.filter((id) => !ids.has(id))).toEqual([]);
    expect(aliasesOf(byId(quants, 'FP16'))).toEqual(expect.arrayContaining(['f16', 'float16', 'half']));
  });

  it('quants.csv orders effective bits per weight Q2_K < Q3_K_S < Q4_K_M < Q5_K_M < Q6_K < Q8_0 < FP16 < FP32', () => {
    const ladder = ['Q2_K', 'Q3_K_S', 'Q4_K_M', 'Q5_K_M', 'Q6_K', 'Q8_0', 'FP16', 'FP32'].map(bpw);
    for (let i = 1; i < ladder.length; i++) expect(ladder[i]!).toBeGreaterThan(ladder[i - 1]!);
    expect(bpw('Q3_K_S')).toBeLessThan(bpw('Q3_K_M'));
    expect(bpw('Q3_K_M')).toBeLessThan(bpw('Q3_K_L'));
    expect(bpw('Q4_K_S')).toBeLessThan(bpw('Q4_K_M'));
    expect(bpw('Q5_K_S')).toBeLessThan(bpw('Q5_K_M'));
    expect(bpw('IQ2_XXS')).toBeLessThan(bpw('IQ3_XXS'));
    expect(bpw('IQ3_XXS')).toBeLessThan(bpw('IQ4_XS'));
    expect(bpw('IQ4_XS')).toBeLessThan(bpw('Q4_K_M'));
  });

  it('quants.csv GGUF bits per weight sit between the block-format floor and one bit above it', () => {
    // Block formats: Q8_0 = 34 B / 32 w, Q6_K = 210 B / 256 w, Q5_K = 176/256, Q4_K = 144/256,
    // Q3_K = 110/256, Q2_K = 84/256, Q4_0 = 18/32. Files add higher-precision mixes and the output tensor.
    const floor: Record<string, number> = {
      Q8_0: (34 * 8) / 32,
      Q6_K: (210 * 8) / 256,
      Q5_K_M: (176 * 8) / 256,
      Q4_K_M: (144 * 8) / 256,
      Q3_K_S: (110 * 8) / 256,
      Q2_K: (84 * 8) / 256,
      Q4_0: (18 * 8) / 32,
    };
    for (const [id, f] of Object.entries(floor)) {
      expect(bpw(id), id).toBeGreaterThanOrEqual(f - 1e-9);
      expect(bpw(id), id).toBeLessThan(f + 1);
    }
  });

  it('quants.csv reproduces the TR133 SS5.3 default multipliers exactly', () => {
    const ref = readCsv(REF, 'tr133_quant_multipliers.csv');
    expect(ref.length).toBe(7);
    for (const r of ref) {
      expect(num(byId(quants, r.Quant ?? ''), 'default_tps_multiplier')).toBeCloseTo(
        Number((r.Multiplier ?? '').replace(/x$/, '')),
        9,
      );
    }
  });

  it('quants.csv multipliers fall as bits per weight rise, outside the bitsandbytes formats', () => {
    const curve = quants
      .filter((q) => q.family !== 'bnb')
      .map((q) => [num(q, 'bits_per_weight'), num(q, 'default_tps_multiplier')] as const)
      .sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    for (let i = 1; i < curve.length; i++) expect(curve[i]![1]).toBeLessThanOrEqual(curve[i - 1]![1]);
    expect(num(byId(quants, 'FP32'), 'default_tps_multiplier')).toBeCloseTo(0.5, 9);
  });
});

describe('gpus.csv', () => {
  const appendixB = readCsv(REF, 'tr133_hardware_db.csv');
  const keyOf = (s: string) => lower(s);
  const index = new Map<string, Row>();
  for (const g of gpus) for (const s of spellings(g)) index.set(keyOf(s), g);

  it('gpus.csv carries every TR133 Appendix B GPU under its Appendix B name', () => {
    expect(appendixB.length).toBe(15);
    for (const ref of appendixB) {
      const row = index.get(keyOf(ref.GPU ?? ''));
      expect(row, ref.GPU).toBeDefined();
      expect(num(row!, 'vram_gb')).toBe(Number(ref['VRAM (GB)']));
      expect(num(row!, 'cost_per_hour')).toBeCloseTo(Number(ref['/hr']), 9);
    }
  });

  it('gpus.csv keeps Appendix B bandwidths except the mislabelled RTX 4080 Laptop (432 GB/s, not 556)', () => {
    const deviations: string[] = [];
    for (const ref of appendixB) {
      const row = index.get(keyOf(ref.GPU ?? ''))!;
      if (num(row, 'bandwidth_gbs') !== Number(ref['Bandwidth (GB/s)']))
        deviations.push(`${ref.GPU}→${row.id}`);
    }
    expect(deviations).toEqual(['RTX 4080 12GB→rtx-4080-laptop']);
    const ref = byId(gpus, 'rtx-4080-laptop');
    expect([
      ref.name,
      ref.segment,
      num(ref, 'vram_gb'),
      num(ref, 'bandwidth_gbs'),
      num(ref, 'cost_per_hour'),
    ]).toEqual(['RTX 4080 Laptop 12GB', 'laptop', 12, 432, 0.035]);
  });

  it('gpus.csv vendor and segment come from the closed lists and Apple parts are unified memory', () => {
    for (const g of gpus) {
      expect(['nvidia', 'amd', 'intel', 'apple']).toContain(g.vendor);
      expect(['consumer', 'laptop', 'workstation', 'datacenter', 'apple']).toContain(g.segment);
      expect(g.segment === 'apple', g.id).toBe(g.vendor === 'apple');
    }
  });

  it('gpus.csv bandwidths are plausible for each segment', () => {
    for (const g of gpus) {
      const bw = num(g, 'bandwidth_gbs');
      expect(bw, g.id).toBeGreaterThanOrEqual(60);
      expect(bw, g.id).toBeLessThanOrEqual(8000);
      if (g.segment === 'datacenter') expect(num(g, 'cost_per_hour'), g.id).toBeGreaterThanOrEqual(0.3);
      else expect(num(g, 'cost_per_hour'), g.id).toBeLessThan(0.3);
    }
  });

  it('gpus.csv spells the names benchmarks print', () => {
    const printed = [
      'NVIDIA GeForce RTX 4090',
      'NVIDIA GeForce RTX 4080 Laptop GPU',
      'NVIDIA A100-SXM4-80GB',
      'NVIDIA H100 80GB HBM3',
      'Tesla T4',
      'NVIDIA L4',
      'Apple M2 Max',
      'H_100 80GB',
      'RTX 4080 12GB',
    ];
    expect(printed.filter((s) => !index.has(keyOf(s)))).toEqual([]);
    expect(index.get(keyOf('H_100 80GB'))?.id).toBe('h100-sxm');
    expect(num(byId(gpus, 'h100-sxm'), 'bandwidth_gbs')).toBe(3352);
  });

  it('gpus.csv gives both M3 Max and M4 Max GPU bins with their own bandwidths', () => {
    expect(num(byId(gpus, 'm3-max-30c'), 'bandwidth_gbs')).toBe(300);
    expect(num(byId(gpus, 'm3-max-40c'), 'bandwidth_gbs')).toBe(400);
    expect(num(byId(gpus, 'm4-max-32c'), 'bandwidth_gbs')).toBe(410);
    expect(num(byId(gpus, 'm4-max-40c'), 'bandwidth_gbs')).toBe(546);
  });
});

describe('backends.csv', () => {
  it('backends.csv batches continuously exactly for the serving engines', () => {
    const continuous = backends
      .filter((b) => b.batching === 'continuous')
      .map((b) => b.id)
      .sort();
    expect(continuous).toEqual(['lmdeploy', 'sglang', 'tensorrt-llm', 'tgi', 'vllm']);
    for (const b of backends) expect(['continuous', 'serial']).toContain(b.batching);
  });

  it('backends.csv maps the TR123-TR130 backend labels', () => {
    const owner = new Map<string, string>();
    for (const b of backends) for (const s of spellings(b)) owner.set(lower(s), b.id ?? '');
    expect(owner.get('gpu')).toBe('transformers-gpu');
    expect(owner.get('transformers (gpu+cpu pooled)')).toBe('transformers-gpu');
    expect(owner.get('compile')).toBe('transformers-gpu-compile');
    expect(owner.get('cpu')).toBe('transformers-cpu');
    expect(owner.get('llama-server')).toBe('llama.cpp');
    expect(owner.get('text-generation-inference')).toBe('tgi');
    expect(owner.get('trtllm')).toBe('tensorrt-llm');
  });
});

describe('tags.csv', () => {
  it('tags.csv names only known models and quants', () => {
    const modelIds = new Set(models.map((m) => m.id));
    const quantIds = new Set(quants.map((q) => q.id));
    for (const t of tags) {
      expect(modelIds.has(t.model ?? ''), t.tag).toBe(true);
      expect(quantIds.has(t.quant ?? ''), t.tag).toBe(true);
    }
  });

  it('tags.csv records what the corpus tags ship (llama3.2:1b is Q8_0, the 3b and qwen are Q4_K_M)', () => {
    const ships = (tag: string) => tags.find((t) => t.tag === tag);
    expect(ships('llama3.2:1b')).toMatchObject({ model: 'llama3.2-1b', quant: 'Q8_0' });
    expect(ships('llama3.2:3b')).toMatchObject({ model: 'llama3.2-3b', quant: 'Q4_K_M' });
    expect(ships('qwen2.5:1.5b')).toMatchObject({ model: 'qwen2.5-1.5b', quant: 'Q4_K_M' });
    expect(ships('llama3.1:8b-instruct-q4_0')).toMatchObject({ model: 'llama3.1-8b', quant: 'Q4_0' });
    expect(ships('llama3.1:8b-instruct-q5_K_M')).toMatchObject({ model: 'llama3.1-8b', quant: 'Q5_K_M' });
    expect(ships('llama3.1:8b-instruct-q8_0')).toMatchObject({ model: 'llama3.1-8b', quant: 'Q8_0' });
  });

  it('tags.csv agrees with the quant spelled inside an explicit tag', () => {
    for (const t of tags) {
      const suffix = /-(q\d[a-z0-9_]*|fp16)$/i.exec(t.tag ?? '')?.[1];
      if (suffix !== undefined) expect(t.quant?.toLowerCase(), t.tag).toBe(suffix.toLowerCase());
    }
  });
});

describe('registry through the production loader', () => {
  // Loaded inside each test so that a loader rejection fails these tests, not the whole file.
  const load = () => {
    const registry = parseRegistry({
      models: readText(DIR, 'models.csv'),
      quants: readText(DIR, 'quants.csv'),
      gpus: readText(DIR, 'gpus.csv'),
      backends: readText(DIR, 'backends.csv'),
      tags: readText(DIR, 'tags.csv'),
    });
    return { registry, resolver: createResolver(registry) };
  };

  it('parseRegistry and createResolver accept the shipped files with every row', () => {
    const { registry } = load();
    expect(registry.models.length).toBe(models.length);
    expect(registry.quants.length).toBe(quants.length);
    expect(registry.gpus.length).toBe(gpus.length);
    expect(registry.backends.length).toBe(backends.length);
    expect(registry.tags.length).toBe(tags.length);
  });

  it('every model, quant, backend and GPU string in the corpus resolves to a known id', () => {
    const { resolver } = load();
    const unknown = new Set<string>();
    for (const file of [
      'throughput.csv',
      'latency.csv',
      'vram.csv',
      'quality.csv',
      'cost.csv',
      'scaling.csv',
    ]) {
      for (const row of readCsv(CORPUS, file)) {
        const check = (kind: string, raw: string | undefined, known: (s: string) => boolean) => {
          if (raw !== undefined && raw !== '' && !known(raw)) unknown.add(`${kind}:${raw}`);
        };
        check('model', row.model, (s) => resolver.resolveModel(s).known);
        check('tag', row.model_tag, (s) => resolver.resolveModel(s).known);
        check('quant', row.quant, (s) => resolver.resolveQuant(s).known);
        check('backend', row.backend, (s) => resolver.resolveBackend(s).known);
        check('gpu', row.gpu, (s) => resolver.resolveGpu(s).known);
      }
    }
    expect([...unknown].sort()).toEqual([]);
  });

  it('resolves hub, GGUF and Ollama spellings of models to canonical ids and quants', () => {
    const cases: [string, string, string | undefined][] = [
      ['meta-llama/Llama-3.2-1B-Instruct', 'llama3.2-1b', undefined],
      ['bartowski/Meta-Llama-3.1-8B-Instruct-GGUF', 'llama3.1-8b', undefined],
      ['Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', 'llama3.1-8b', 'Q4_K_M'],
      ['llama3.2:1b', 'llama3.2-1b', 'Q8_0'],
      ['phi:2.7b-chat-v2', 'phi-2', undefined],
      ['mistralai/Mistral-7B-Instruct-v0.3', 'mistral-7b', undefined],
      ['Qwen/Qwen2.5-72B-Instruct-AWQ', 'qwen2.5-72b', 'AWQ'],
      ['mlx-community/Meta-Llama-3.1-8B-Instruct-4bit', 'llama3.1-8b', 'MLX-4bit'],
      ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'deepseek-r1-distill-qwen-7b', undefined],
      ['google/gemma-3-27b-it', 'gemma3-27b', undefined],
    ];
    const { resolver } = load();
    for (const [raw, id, quant] of cases) {
      const r = resolver.resolveModel(raw);
      expect(r.id, raw).toBe(id);
      expect(r.known, raw).toBe(true);
      expect(r.quant, raw).toBe(quant);
    }
  });

  it('keeps GPU form factors apart: H100 SXM, PCIe and NVL have different bandwidths', () => {
    const { resolver } = load();
    const bw = (raw: string) => num(byId(gpus, resolver.resolveGpu(raw).id), 'bandwidth_gbs');
    expect(bw('NVIDIA H100 80GB HBM3')).toBe(3352);
    expect(bw('NVIDIA H100 PCIe')).toBe(2000);
    expect(bw('NVIDIA H100 NVL')).toBe(3900);
    expect(bw('NVIDIA A100 80GB PCIe')).toBe(1935);
    expect(bw('NVIDIA A100-SXM4-80GB')).toBe(2039);
  });
});
