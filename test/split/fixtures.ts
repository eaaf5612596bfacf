import type { ThroughputRecord } from '../../pipeline/records.ts';

/** A throughput record with the given identity; the id is derived from `i` (unique per call site). */
export function tpRecord(
  i: number,
  model = 'llama3.2-1b',
  backend = 'ollama',
  quant = 'FP16',
  contextLength: number | null = null,
  nAgents = 1,
): ThroughputRecord {
  return Object.freeze({
    id: `r${String(i).padStart(5, '0')}`,
    category: 'throughput',
    source: 'gen.csv',
    line: i + 2,
    model,
    modelKnown: true,
    quant,
    backend,
    gpu: 'rtx-4080-laptop',
    gpuKnown: true,
    weight: 1,
    tokPerS: 100 + i,
    nAgents,
    contextLength,
    metric: 'decode_tok_s',
  });
}
