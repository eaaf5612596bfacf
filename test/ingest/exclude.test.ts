import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../pipeline/config.ts';
import { ingestSources } from '../../pipeline/ingest/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capfit-exclude-'));
  await writeFile(
    join(dir, 'tp.csv'),
    'model,backend,quant,gpu,tok_per_s,note\nllama3.2-1b,ollama,FP16,rtx-4090,100,\nllama3.2-1b,ollama,FP16,rtx-4090,90,clamped to 1024\nllama3.2-3b,ollama,FP16,rtx-4090,60,\n',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingestSources with exclude', () => {
  it('exclude rejects rows whose column holds a listed value, naming column and value', async () => {
    const config = parseConfig(
      'sources:\n  - path: tp.csv\n    category: throughput\n    exclude: { note: ["clamped to 1024"] }\ntargets: { record: {}, config: {} }\ndefaults: { reference_gpu: rtx-4080-laptop, hw_cost_per_hour: 0.035 }\n',
    );
    const { rows, issues, counts } = await ingestSources(config, dir);
    expect(counts[0]).toMatchObject({ read: 3, accepted: 2, rejected: 1 });
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3, code: 'excluded', severity: 'reject' });
    expect(issues[0]!.message).toContain("note='clamped to 1024'");
  });
});
