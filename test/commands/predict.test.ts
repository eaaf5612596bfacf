import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputColumnNames, runPredict } from '../../pipeline/commands/predict.ts';
import { predictCost } from '../../pipeline/fit/cost.ts';
import { predictLatency } from '../../pipeline/fit/latency.ts';
import { predictQuality } from '../../pipeline/fit/quality.ts';
import { predictEta } from '../../pipeline/fit/scaling.ts';
import { predictThroughput } from '../../pipeline/fit/throughput.ts';
import { predictVram } from '../../pipeline/fit/vram.ts';
import type { FullPrediction } from '../../pipeline/predict.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { FIXTURE_PATH, fixture, testContext } from '../fixtures/artifact/load.ts';

const ctx = testContext(tmpdir());

interface BatchJsonEntry {
  readonly line: number;
  readonly error?: { readonly code: string };
}
const base = { artifact: FIXTURE_PATH };

async function json(values: Record<string, string | boolean>): Promise<FullPrediction> {
  const out = await runPredict({ ...base, ...values, json: true }, ctx);
  expect(out.exitCode).toBe(0);
  return JSON.parse(out.stdout);
}

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'capfit-predict-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('runPredict', () => {
  it('runPredict({ model, quant, backend, gpu, … }) gives the numbers of the six model functions called directly', async () => {
    const { artifact, registry } = fixture();
    const got = await json({
      model: 'Llama-3.2-3B-Instruct',
      quant: 'q4_k_m',
      backend: 'vLLM',
      gpu: 'NVIDIA GeForce RTX 4090',
      context: '4096',
      concurrency: '3',
      'request-rate': '1.5',
    });
    const model = registry.models.find((m) => m.id === 'llama3.2-3b')!;
    const quant = registry.quants.find((q) => q.id === 'Q4_K_M')!;
    const gpu = registry.gpus.find((g) => g.id === 'rtx-4090')!;
    const ref = registry.gpus.find((g) => g.id === artifact.throughput.reference_gpu)!;
    const vram = predictVram(artifact.vram, { model, quant, context: 4096, batch: 1, backend: 'vllm' });
    const tp = predictThroughput(artifact.throughput, {
      modelId: 'llama3.2-3b',
      model,
      quant,
      backend: 'vllm',
      gpu,
      referenceGpu: ref,
      context: 4096,
    });
    const eta = predictEta(artifact.scaling, { model: 'llama3.2-3b', backend: 'vllm', n: 3 });
    const quality = predictQuality(artifact.quality, { model: 'llama3.2-3b', quant: 'Q4_K_M' });
    const cost = predictCost(artifact.cost, {
      tokPerS: tp.tokPerS,
      hwCostPerHour: gpu.costPerHour,
      instances: 3,
    });
    const latency = predictLatency(artifact.latency, {
      model: 'llama3.2-3b',
      backend: 'vllm',
      quant: 'Q4_K_M',
      tokPerS: tp.tokPerS,
      n: 3,
      eta: eta.eta,
      requestRate: 1.5,
    });
    expect(got.query).toEqual({
      model: 'llama3.2-3b',
      quant: 'Q4_K_M',
      backend: 'vllm',
      gpu: 'rtx-4090',
      context: 4096,
      concurrency: 3,
      request_rate: 1.5,
    });
    expect(got.vram!.gb).toBe(vram.vramGb);
    expect(got.vram!.provenance).toBe(vram.provenance);
    expect(got.throughput.tok_per_s).toBe(tp.tokPerS);
    expect(got.throughput.route).toBe(tp.route);
    expect(got.throughput.provenance).toBe(tp.provenance);
    expect(got.scaling.eta).toBe(eta.eta);
    expect(got.scaling.total_tok_per_s).toBeCloseTo(tp.tokPerS * 3 * eta.eta, 9);
    expect(got.quality.score).toBe(quality.quality);
    expect(got.quality.tier).toBe(quality.tier);
    expect(got.cost.usd_per_1m_tokens).toBe(cost.usdPer1M);
    expect(got.cost.monthly_usd).toBe(cost.monthlyUsd);
    expect(got.latency.p95_ms).toBe(latency.p95Ms);
    expect(got.latency.rho).toBe(latency.rho);
    expect(got.latency.status).toBe(latency.status);
  });

  it('runPredict({ model: "Llama-3.2-3B-Instruct" }) resolves the model and prints every answer with its provenance', async () => {
    const out = await runPredict(
      { ...base, model: 'Llama-3.2-3B-Instruct', quant: 'Q4_K_M', backend: 'ollama' },
      ctx,
    );
    expect(out.exitCode).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^llama3\.2-3b · Q4_K_M · ollama · RTX 4080 Laptop 12GB · context 2048 · N=1/);
    for (const [i, name] of ['VRAM', 'throughput', 'scaling', 'quality', 'cost', 'latency'].entries()) {
      expect(lines[i + 1]).toMatch(
        new RegExp(`^  ${name}\\s.*\\[(measured|derived|extrapolated|default|unknown), `),
      );
    }
    expect(out.stdout).toContain('[measured, lookup]');
  });

  it('runPredict({ …, json }) is byte-identical across runs and sorted', async () => {
    const values = { ...base, model: 'phi-2', quant: 'Q8_0', backend: 'tgi', json: true };
    const a = (await runPredict(values, ctx)).stdout;
    const b = (await runPredict(values, ctx)).stdout;
    expect(a).toBe(b);
    expect(Object.keys(JSON.parse(a))).toEqual([
      'cost',
      'latency',
      'quality',
      'query',
      'scaling',
      'throughput',
      'vram',
    ]);
    expect(a.endsWith('\n')).toBe(true);
  });

  it('runPredict({ unknown names }) throws exit 2 listing the nearest known names', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ model: 'lama3.2-3x' }, /unknown model 'lama3\.2-3x' \(--model\); nearest known: .*llama3\.2-3b/],
      [{ model: 'phi-2', quant: 'Q4_K_X' }, /unknown quant 'Q4_K_X' \(--quant\); nearest known: .*Q4_K_M/],
      [{ model: 'phi-2', backend: 'olama' }, /unknown backend 'olama' \(--backend\); nearest known: ollama/],
      [{ model: 'phi-2', gpu: 'RTX 4091' }, /unknown gpu 'RTX 4091' \(--gpu\); nearest known: .*rtx-4090/],
    ];
    for (const [values, message] of cases) {
      const err = await runPredict({ ...base, ...values }, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PipelineError);
      expect((err as PipelineError).exitCode).toBe(2);
      expect((err as PipelineError).message).toMatch(message);
    }
  });

  it('runPredict({ bad options }) throws exit 2 naming the option', async () => {
    await expect(runPredict({ ...base }, ctx)).rejects.toThrow(/--model is required/);
    await expect(runPredict({ ...base, model: 'phi-2', context: '0' }, ctx)).rejects.toThrow(/--context/);
    await expect(runPredict({ ...base, model: 'phi-2', concurrency: '1.5' }, ctx)).rejects.toThrow(
      /--concurrency/,
    );
    await expect(runPredict({ ...base, model: 'phi-2', 'request-rate': 'fast' }, ctx)).rejects.toThrow(
      /--request-rate/,
    );
    await expect(runPredict({ ...base, model: 'phi-2', csv: true }, ctx)).rejects.toThrow(
      /--csv applies to --input/,
    );
    await expect(runPredict({ ...base, input: 'x.csv', json: true, csv: true }, ctx)).rejects.toThrow(
      /cannot be combined/,
    );
    await expect(runPredict({ ...base, input: 'x.csv', model: 'phi-2' }, ctx)).rejects.toThrow(
      /drop --model/,
    );
  });

  it('runPredict({ artifact }) resolves a relative artifact path against ctx.cwd', async () => {
    const out = await runPredict(
      { artifact: 'fitted_models.json', model: 'phi-2' },
      testContext(join(FIXTURE_PATH, '..')),
    );
    expect(out.exitCode).toBe(0);
    await expect(runPredict({ model: 'phi-2' }, testContext(tmpdir()))).rejects.toThrow(
      /no artifact at .*capfit refit/,
    );
  });
});

describe('runPredict --input', () => {
  const csv = [
    'id,model,quant,backend,gpu,context,concurrency,request_rate,vram_gb',
    'a,Llama-3.2-3B-Instruct,Q4_K_M,ollama,,,,,3.1',
    'b,lama-9z,Q4_K_M,ollama,,,,,',
    'c,llama3.2-1b,Q8_0,vllm,rtx-4090,abc,,,',
    'd,"phi-2",FP16,tgi,,4096,2,0.5,"x, y"',
  ].join('\n');

  it('runPredict({ input: CSV, json }) exits 0 with an entry per row: predictions and errors with lines', async () => {
    const path = tempFile('in.csv', csv);
    const out = await runPredict({ ...base, input: path, json: true }, ctx);
    expect(out.exitCode).toBe(0);
    const doc = JSON.parse(out.stdout);
    expect(doc).toMatchObject({ format: 'csv', rows: 4, ok: 2, errors: 2 });
    expect(doc.entries.map((e: BatchJsonEntry) => [e.line, e.error?.code ?? 'ok'])).toEqual([
      [2, 'ok'],
      [3, 'unknown_name'],
      [4, 'bad_number'],
      [5, 'ok'],
    ]);
    expect(doc.entries[0].input).toEqual({
      id: 'a',
      model: 'Llama-3.2-3B-Instruct',
      quant: 'Q4_K_M',
      backend: 'ollama',
      gpu: '',
      context: '',
      concurrency: '',
      request_rate: '',
      vram_gb: '3.1',
    });
    const single = await json({
      model: 'phi-2',
      quant: 'FP16',
      backend: 'tgi',
      context: '4096',
      concurrency: '2',
      'request-rate': '0.5',
    });
    expect(doc.entries[3].prediction).toEqual(single);
  });

  it('runPredict({ input: CSV, csv }) keeps the input columns and renames clashing prediction columns', async () => {
    const path = tempFile('in.csv', csv);
    const out = await runPredict({ ...base, input: path, csv: true }, ctx);
    const lines = out.stdout.trimEnd().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 9)).toEqual([
      'id',
      'model',
      'quant',
      'backend',
      'gpu',
      'context',
      'concurrency',
      'request_rate',
      'vram_gb',
    ]);
    expect(header).toContain('predicted_vram_gb');
    expect(header.filter((h) => h === 'vram_gb')).toHaveLength(1);
    expect(lines).toHaveLength(5);
    expect(lines[4]).toContain('"x, y",5,ok,');
    expect(lines[2]).toMatch(/^b,lama-9z,.*,3,error,"unknown_name: unknown model 'lama-9z'; nearest known: /);
    expect(outputColumnNames(['line', 'predicted_line'])[0]).toBe('predicted_predicted_line');
  });

  it('runPredict({ input: JSON }) prints a table with errors inline', async () => {
    const path = tempFile(
      'in.json',
      '[\n{"model": "phi-2", "quant": "Q8_0"},\n{"model": "phi-2", "gpu": "rtx-9999"}\n]',
    );
    const out = await runPredict({ ...base, input: path }, ctx);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^line {2}model/);
    expect(out.stdout).toMatch(/\n {3}3 {2}error \(unknown_name\): unknown gpu 'rtx-9999'/);
    expect(out.stdout).toContain('2 rows: 1 predicted, 1 with errors');
  });

  it('runPredict({ input }) throws exit 2 for a missing or unparseable file', async () => {
    await expect(runPredict({ ...base, input: join(tmpdir(), 'capfit-no-such.csv') }, ctx)).rejects.toThrow(
      /input file not found/,
    );
    const bad = tempFile('bad.csv', 'model\n"phi-2\n');
    const err = await runPredict({ ...base, input: bad }, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).exitCode).toBe(2);
    await expect(runPredict({ ...base, input: tempFile('x.json', '{"model": 1}') }, ctx)).rejects.toThrow(
      /JSON array/,
    );
  });

  it('runPredict({ input, json }) is byte-identical across runs', async () => {
    const path = tempFile('in.csv', csv);
    const a = await runPredict({ ...base, input: path, json: true }, ctx);
    const b = await runPredict({ ...base, input: path, json: true }, ctx);
    expect(a.stdout).toBe(b.stdout);
  });
});
