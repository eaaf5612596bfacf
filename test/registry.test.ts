import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  cleanGpuName,
  createResolver,
  editDistance,
  parseRegistry,
  type RegistryTexts,
} from '../pipeline/registry.ts';
import { PipelineError } from '../pipeline/util/errors.ts';

const ROOT = join(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'data', 'registry');
const REAL = join(ROOT, 'datasets', 'registry');

function textsIn(dir: string): Required<RegistryTexts> {
  const read = (f: string) => readFileSync(join(dir, `${f}.csv`), 'utf8');
  return {
    models: read('models'),
    quants: read('quants'),
    gpus: read('gpus'),
    backends: read('backends'),
    tags: read('tags'),
  };
}

const fixture = () => createResolver(parseRegistry(textsIn(FIXTURE)));

/** Expects `fn` to throw a PipelineError whose message contains every fragment. */
function expectRegistryError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PipelineError);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}

describe('parseRegistry', () => {
  it('parseRegistry(texts) reads every file with typed numbers and split aliases', () => {
    const reg = parseRegistry(textsIn(FIXTURE));
    expect(reg.models.map((m) => m.id)).toContain('llama3.2-1b');
    expect(reg.models.find((m) => m.id === 'llama3.2-1b')).toEqual({
      id: 'llama3.2-1b',
      family: 'llama3.2',
      paramsB: 1.24,
      activeParamsB: 1.24,
      layers: 16,
      kvHeads: 8,
      headDim: 64,
      attention: 'gqa',
      aliases: ['llama-3.2-1b', 'llama3.2:1b', 'llama-1b'],
    });
    expect(reg.quants.find((q) => q.id === 'Q4_K_M')).toMatchObject({
      bitsPerWeight: 4.87,
      defaultTpsMultiplier: 1.9,
    });
    expect(reg.gpus.find((g) => g.id === 'rtx-4080-laptop')).toMatchObject({ vramGb: 12, bandwidthGbs: 432 });
    expect(reg.backends.find((b) => b.id === 'vllm')).toEqual({
      id: 'vllm',
      batching: 'continuous',
      aliases: ['vllm-openai'],
    });
    expect(reg.tags).toContainEqual({ tag: 'llama3.2:1b', model: 'llama3.2-1b', quant: 'Q8_0' });
  });

  it('parseRegistry uses params_b as active_params_b when the column is empty (dense models)', () => {
    const reg = parseRegistry(textsIn(FIXTURE));
    expect(reg.models.find((m) => m.id === 'llama3.2-3b')!.activeParamsB).toBe(3.21);
  });

  it('parseRegistry parses the real registry files', () => {
    const reg = parseRegistry(textsIn(REAL));
    expect(reg.models.length).toBeGreaterThan(7);
    expect(reg.gpus.some((g) => g.id === 'rtx-4080-laptop')).toBe(true);
  });

  const base = textsIn(FIXTURE);
  const header = (t: string) => t.split('\n')[0];

  it('parseRegistry(non-numeric params_b) names file, line and column', () => {
    const models = `${header(base.models)}\nx,f,abc,,1,1,1,gqa,,s\n`;
    expectRegistryError(() => parseRegistry({ ...base, models }), 'models.csv line 2', 'params_b', "'abc'");
  });

  it('parseRegistry(fractional layers) is an error', () => {
    const models = `${header(base.models)}\nx,f,1,,1.5,1,1,gqa,,s\n`;
    expectRegistryError(() => parseRegistry({ ...base, models }), 'models.csv line 2', 'layers');
  });

  it('parseRegistry(missing column) names the file and the column', () => {
    expectRegistryError(() => parseRegistry({ ...base, gpus: 'id,name\nx,y\n' }), 'gpus.csv', 'vram_gb');
  });

  it('parseRegistry(repeated id) names both lines', () => {
    const quants = `${base.quants.trimEnd()}\nfp16,float,16,1,,dup\n`;
    expectRegistryError(
      () => parseRegistry({ ...base, quants }),
      'quants.csv line 9',
      'FP16'.toLowerCase(),
      'line 2',
    );
  });

  it('parseRegistry(batching not continuous|serial) is an error', () => {
    const backends = `${header(base.backends)}\nx,parallel,,s\n`;
    expectRegistryError(() => parseRegistry({ ...base, backends }), 'backends.csv line 2', "'parallel'");
  });

  it('parseRegistry(tag naming an unknown model or quant) is an error', () => {
    expectRegistryError(
      () => parseRegistry({ ...base, tags: 'tag,model,quant,source\nfoo:1b,foo-1b,Q8_0,x\n' }),
      'tags.csv line 2',
      'foo-1b',
    );
    expectRegistryError(
      () => parseRegistry({ ...base, tags: 'tag,model,quant,source\nfoo:1b,llama3.2-1b,Q9_9,x\n' }),
      'tags.csv line 2',
      'Q9_9',
    );
  });

  it('parseRegistry(ragged row or empty id) is an error naming the line', () => {
    expectRegistryError(
      () => parseRegistry({ ...base, backends: `${header(base.backends)}\nx,serial\n` }),
      'line 2',
    );
    expectRegistryError(
      () => parseRegistry({ ...base, backends: `${header(base.backends)}\n,serial,,s\n` }),
      'id is empty',
    );
  });

  it('parseRegistry without a tag table has no tags', () => {
    const { tags: _t, ...rest } = base;
    expect(parseRegistry(rest).tags).toEqual([]);
  });
});

describe('createResolver', () => {
  it('createResolver(registry with one alias on two ids) is a PipelineError naming both', () => {
    const b = textsIn(FIXTURE);
    const models = `${b.models.trimEnd()}\nother-1b,x,1,,1,1,1,gqa,Llama-3.2-1B,s\n`;
    expectRegistryError(() => createResolver(parseRegistry({ ...b, models })), 'other-1b', 'llama3.2-1b');
  });

  it('model / quant / gpu / backend(id) look specs up by canonical id', () => {
    const r = fixture();
    expect(r.model('phi-2')?.kvHeads).toBe(32);
    expect(r.quant('FP16')?.bitsPerWeight).toBe(16);
    expect(r.gpu('h100-sxm')?.bandwidthGbs).toBe(3352);
    expect(r.backend('ollama')?.batching).toBe('serial');
    expect(r.model('Llama-3.2-1B')).toBeUndefined();
  });
});

describe('resolveModel', () => {
  const r = fixture();

  it.each([
    'llama3.2-1b',
    'Llama-3.2-1B-Instruct',
    'meta-llama/Llama-3.2-1B-Instruct',
    'LLaMA-3.2-1B',
    'llama-3.2-1b',
    'llama-1b',
    'LLAMA3.2_1B',
    'llama3.2 1b instruct',
  ])('resolveModel(%j) is llama3.2-1b', (raw) => {
    expect(r.resolveModel(raw)).toEqual({ id: 'llama3.2-1b', known: true });
  });

  it('resolveModel(llama3.2:1b-instruct-q4_K_M) extracts the quant Q4_K_M', () => {
    expect(r.resolveModel('llama3.2:1b-instruct-q4_K_M')).toEqual({
      id: 'llama3.2-1b',
      known: true,
      quant: 'Q4_K_M',
    });
  });

  it('resolveModel(an Ollama tag) returns the quant the tag ships', () => {
    expect(r.resolveModel('llama3.2:1b')).toEqual({ id: 'llama3.2-1b', known: true, quant: 'Q8_0' });
  });

  it.each([
    ['qwen2.5:1.5b-instruct', 'qwen2.5-1.5b', undefined],
    ['phi:2.7b-chat-v2', 'phi-2', undefined],
    ['llama3.1:8b-instruct', 'llama3.1-8b', undefined],
    ['llama3.1:8b-instruct-q4_0', 'llama3.1-8b', 'Q4_0'],
    ['qwen-1.5b', 'qwen2.5-1.5b', undefined],
    ['llama-3b', 'llama3.2-3b', undefined],
    ['Qwen/Qwen2.5-7B-Instruct-GGUF', 'qwen2.5-7b', undefined],
    ['bartowski/Meta-Llama-3.1-8B-Instruct-GGUF', 'llama3.1-8b', undefined],
    ['Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', 'llama3.1-8b', 'Q4_K_M'],
    ['mistral:7b-instruct-v0.3-q4_K_M', 'mistral-7b', 'Q4_K_M'],
    ['mistralai/Mistral-7B-Instruct-v0.3', 'mistral-7b', undefined],
    ['gemma2:9b', 'gemma2-9b', undefined],
    ['google/gemma-2-9b-it', 'gemma2-9b', undefined],
    ['microsoft/phi-2', 'phi-2', undefined],
    ['Llama-3.2-3B-Instruct-AWQ', 'llama3.2-3b', 'AWQ'],
    ['llama3.2-1b-f16', 'llama3.2-1b', 'FP16'],
  ])('resolveModel(%j) is %s (quant %s)', (raw, id, quant) => {
    expect(r.resolveModel(raw)).toEqual({ id, known: true, ...(quant ? { quant } : {}) });
  });

  it('resolveModel(unknown) keeps the cleaned name, unknown, with any quant it carried', () => {
    expect(r.resolveModel('mistralai/Mixtral-8x7B-Instruct-v0.1')).toEqual({
      id: 'mixtral-8x7b-v0.1',
      known: false,
    });
    expect(r.resolveModel('Foo-13B-Chat-Q8_0')).toEqual({ id: 'foo-13b', known: false, quant: 'Q8_0' });
  });
});

describe('resolveQuant / resolveBackend / resolveGpu / resolveTag', () => {
  const r = fixture();

  it.each([
    ['q4_k_m', 'Q4_K_M'],
    ['Q4_K_M', 'Q4_K_M'],
    ['q4-k-m', 'Q4_K_M'],
    ['fp16', 'FP16'],
    ['f16', 'FP16'],
    ['F16', 'FP16'],
    ['float16', 'FP16'],
    ['bf16', 'BF16'],
    ['q8_0', 'Q8_0'],
    ['Q4_0', 'Q4_0'],
    ['awq', 'AWQ'],
    ['AWQ-INT4', 'AWQ'],
  ])('resolveQuant(%j) is %s', (raw, id) => {
    expect(r.resolveQuant(raw)).toEqual({ id, known: true });
  });

  it('resolveQuant(unknown) keeps the raw text', () => {
    expect(r.resolveQuant('q4_k_xl')).toEqual({ id: 'q4_k_xl', known: false });
  });

  it.each([
    ['gpu', 'transformers-gpu'],
    ['GPU', 'transformers-gpu'],
    ['transformers', 'transformers-gpu'],
    ['transformers (GPU+CPU pooled)', 'transformers-gpu'],
    ['gpu-compile', 'transformers-gpu-compile'],
    ['compile', 'transformers-gpu-compile'],
    ['cpu', 'transformers-cpu'],
    ['CPU', 'transformers-cpu'],
    ['Ollama', 'ollama'],
    ['vLLM', 'vllm'],
    ['TGI', 'tgi'],
    ['text-generation-inference', 'tgi'],
    ['llama.cpp', 'llama.cpp'],
    ['LlamaCpp', 'llama.cpp'],
  ])('resolveBackend(%j) is %s', (raw, id) => {
    expect(r.resolveBackend(raw)).toEqual({ id, known: true });
  });

  it('resolveBackend(unknown) keeps the lower-cased name', () => {
    expect(r.resolveBackend('My Server')).toEqual({ id: 'my-server', known: false });
  });

  it.each([
    ['NVIDIA GeForce RTX 4080 Laptop GPU', 'rtx-4080-laptop'],
    ['RTX 4080 12GB', 'rtx-4080-laptop'],
    ['RTX 4090 24GB', 'rtx-4090'],
    ['rtx4090', 'rtx-4090'],
    ['H100 80GB', 'h100-sxm'],
    ['H_100 80GB', 'h100-sxm'],
    ['A100-SXM4-80GB', 'a100-80gb'],
    ['a100 40 gb', 'a100-40gb'],
    ['Apple M2 Max', 'm2-max'],
    ['M2 Max 96GB', 'm2-max'],
  ])('resolveGpu(%j) is %s', (raw, id) => {
    expect(r.resolveGpu(raw)).toEqual({ id, known: true });
  });

  it('resolveGpu does not guess between parts that differ only in memory, nor accept a wrong size', () => {
    expect(r.resolveGpu('NVIDIA A100').known).toBe(false);
    expect(r.resolveGpu('Apple M2 Max 64GB')).toEqual({ id: 'm2-max-64gb', known: false });
  });

  it('resolveTag(tag) gives model and shipped quant; unknown tags are undefined', () => {
    expect(r.resolveTag('qwen2.5:1.5b')).toEqual({
      tag: 'qwen2.5:1.5b',
      model: 'qwen2.5-1.5b',
      quant: 'Q4_K_M',
    });
    expect(r.resolveTag('qwen2.5:99b')).toBeUndefined();
  });
});

describe('suggest', () => {
  const r = fixture();

  it('suggest(kind, near miss) lists the nearest known ids first', () => {
    expect(r.suggest('model', 'llama3.2-2b')[0]).toMatch(/^llama3\.2-[13]b$/);
    expect(r.suggest('gpu', 'RTX 4090 Ti')[0]).toBe('rtx-4090');
    expect(r.suggest('backend', 'vlm')).toContain('vllm');
    expect(r.suggest('quant', 'q4_k_s')).toContain('Q4_K_M');
  });

  it('suggest(kind, prefix) finds the ids that extend it', () => {
    expect(r.suggest('model', 'llama3.2')).toEqual(expect.arrayContaining(['llama3.2-1b', 'llama3.2-3b']));
  });

  it('suggest(kind, far away or empty) returns nothing', () => {
    expect(r.suggest('backend', 'zzzzzzzzzzzz')).toEqual([]);
    expect(r.suggest('model', '   ')).toEqual([]);
  });
});

describe('cleanGpuName / editDistance', () => {
  it('cleanGpuName keeps form factors and reads the memory size', () => {
    expect(cleanGpuName('NVIDIA A100-SXM4-80GB')).toEqual({
      key: 'a100sxm480gb',
      base: 'a100sxm4',
      display: 'a100-sxm4-80gb',
      memoryGb: 80,
    });
  });

  it('editDistance counts single-character edits', () => {
    expect(editDistance('rtx4090', 'rtx4080')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('corpus names', () => {
  // Every model, quant, backend and GPU spelling the corpus uses must resolve with the real
  // registry; none is deliberately left unknown. Ollama tags must be in the tag table.
  const resolver = createResolver(parseRegistry(textsIn(REAL)));
  const corpus = join(ROOT, 'datasets', 'corpus');
  const values = {
    model: new Set<string>(),
    quant: new Set<string>(),
    backend: new Set<string>(),
    gpu: new Set<string>(),
    model_tag: new Set<string>(),
  };
  for (const file of readdirSync(corpus).filter((f) => f.endsWith('.csv'))) {
    const rows = parse(readFileSync(join(corpus, file)), { columns: true, bom: true }) as Record<
      string,
      string
    >[];
    for (const row of rows) {
      for (const key of Object.keys(values) as (keyof typeof values)[]) {
        const v = row[key]?.trim();
        if (v) values[key].add(v);
      }
    }
  }
  const runs = JSON.parse(readFileSync(join(corpus, 'throughput_runs.json'), 'utf8')) as Record<
    string,
    unknown
  >[];
  for (const run of runs) {
    for (const key of ['model', 'quant', 'backend'] as const) {
      if (typeof run[key] === 'string' && run[key] !== '') values[key].add(run[key] as string);
    }
  }

  it('the corpus uses several spellings of each kind', () => {
    expect(values.model.size).toBeGreaterThan(10);
    expect(values.backend.size).toBeGreaterThan(10);
  });

  it.each([...values.model].sort())('model %j resolves to a known id', (raw) => {
    expect(resolver.resolveModel(raw).known).toBe(true);
  });
  it.each([...values.quant].sort())('quant %j resolves to a known id', (raw) => {
    expect(resolver.resolveQuant(raw).known).toBe(true);
  });
  it.each([...values.backend].sort())('backend %j resolves to a known id', (raw) => {
    expect(resolver.resolveBackend(raw).known).toBe(true);
  });
  it.each([...values.gpu].sort())('gpu %j resolves to a known id', (raw) => {
    expect(resolver.resolveGpu(raw).known).toBe(true);
  });
  it.each([...values.model_tag].sort())('Ollama tag %j is in the tag table', (raw) => {
    expect(resolver.resolveTag(raw)).toBeDefined();
  });

  it('corpus spellings map to the ids TR133 uses', () => {
    expect(resolver.resolveModel('llama-1b').id).toBe('llama3.2-1b');
    expect(resolver.resolveModel('qwen-1.5b').id).toBe('qwen2.5-1.5b');
    expect(resolver.resolveModel('llama-3b').id).toBe('llama3.2-3b');
    expect(resolver.resolveModel('llama3.1:8b-instruct-q5_K_M')).toEqual({
      id: 'llama3.1-8b',
      known: true,
      quant: 'Q5_K_M',
    });
    expect(resolver.resolveBackend('gpu-compile').id).toBe('transformers-gpu-compile');
    expect(resolver.resolveBackend('cpu').id).toBe('transformers-cpu');
    expect(resolver.resolveGpu('NVIDIA GeForce RTX 4080 Laptop GPU').id).toBe('rtx-4080-laptop');
  });
});
