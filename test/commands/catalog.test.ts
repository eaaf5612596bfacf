import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hardwareEntries, modelEntries, runHardware, runModels } from '../../pipeline/commands/catalog.ts';
import { splitKey } from '../../pipeline/util/keys.ts';
import { FIXTURE_PATH, fixture, testContext } from '../fixtures/artifact/load.ts';

const ctx = testContext(tmpdir());
const base = { artifact: FIXTURE_PATH };

describe('modelEntries', () => {
  it('modelEntries(artifact, registry) lists registry models with what the coefficients measured', () => {
    const { artifact, registry } = fixture();
    const models = modelEntries(artifact, registry);
    expect(models.map((m) => m.id)).toEqual(registry.models.map((m) => m.id));
    const tpModels = new Set(Object.keys(artifact.throughput.lookup).map((k) => splitKey(k)[0]));
    const qModels = new Set(Object.keys(artifact.quality.lookup).map((k) => splitKey(k)[0]));
    for (const m of models) {
      expect(m.throughput_measured).toBe(tpModels.has(m.id));
      expect(m.quality_measured).toBe(qModels.has(m.id));
    }
    const llama = models.find((m) => m.id === 'llama3.2-3b')!;
    expect(llama).toMatchObject({ params_b: 3.21, family: 'llama3.2', in_registry: true });
    expect(llama.measured_backends).toEqual(['ollama', 'tgi', 'transformers-gpu', 'vllm']);
    expect(models.find((m) => m.id === 'qwen2.5-3b')!.quality_measured).toBe(false);
  });
});

describe('hardwareEntries', () => {
  it('hardwareEntries(registry, reference) gives bandwidth ratios to the reference and monthly costs', () => {
    const { registry } = fixture();
    const gpus = hardwareEntries(registry, 'rtx-4080-laptop');
    const ref = gpus.find((g) => g.reference)!;
    expect(ref.id).toBe('rtx-4080-laptop');
    expect(ref.bandwidth_ratio).toBe(1);
    const h100 = gpus.find((g) => g.id === 'h100-sxm')!;
    expect(h100.bandwidth_ratio).toBeCloseTo(3352 / ref.bandwidth_gbs, 12);
    expect(h100.monthly_usd).toBeCloseTo(2.5 * 720, 9);
  });
});

describe('runModels / runHardware', () => {
  it('runModels({ json }) and runHardware({ json }) are stable sorted JSON', async () => {
    for (const run of [runModels, runHardware]) {
      const a = await run({ ...base, json: true }, ctx);
      const b = await run({ ...base, json: true }, ctx);
      expect(a.exitCode).toBe(0);
      expect(a.stdout).toBe(b.stdout);
    }
    const hw = JSON.parse((await runHardware({ ...base, json: true }, ctx)).stdout);
    expect(hw.reference_gpu).toBe('rtx-4080-laptop');
    expect(hw.gpus).toHaveLength(fixture().registry.gpus.length);
  });

  it('runModels({}) and runHardware({}) print one table row per entry', async () => {
    const models = (await runModels(base, ctx)).stdout.split('\n');
    expect(models[0]).toMatch(/^model +params B +family +throughput measured on +quality measured/);
    expect(models.find((l) => l.startsWith('llama3.1-8b '))).toMatch(/8\.03 +llama3\.1 +ollama +yes/);
    const hw = (await runHardware(base, ctx)).stdout;
    expect(hw).toMatch(
      /rtx-4080-laptop +RTX 4080 Laptop 12GB +12 +432 +\$0\.0350 +\$25\.20 +1\.00x \(reference\)/,
    );
    expect(hw).toMatch(/rtx-4090 +RTX 4090 24GB +24 +1008 +\$0\.0600 +\$43\.20 +2\.33x/);
  });
});
