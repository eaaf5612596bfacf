import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ArtifactSchema,
  artifactJsonSchema,
  createArtifactSchema,
  describeSchemaError,
  MODEL_SECTIONS,
  parseArtifact,
  SCHEMA_VERSION,
  serialiseArtifact,
} from '../../pipeline/emit/artifact.ts';
import { PipelineError } from '../../pipeline/util/errors.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';
import { fallbackArtifact, REFERENCE_SECTIONS, sampleArtifact } from './sample.ts';

const schema = createArtifactSchema(REFERENCE_SECTIONS);

function parseError(text: string, options = {}): PipelineError {
  try {
    parseArtifact(text, { schema, ...options });
  } catch (err) {
    if (err instanceof PipelineError) return err;
    throw err;
  }
  throw new Error('parseArtifact accepted the text');
}

describe('createArtifactSchema', () => {
  it('createArtifactSchema(sections) accepts the reference artifact in the capfit envelope', () => {
    const parsed = schema.parse(sampleArtifact());
    expect(parsed.throughput.lookup['llama3.2-1b|ollama|FP16']).toBeCloseTo(146.33, 2);
    expect(parsed.vram.overhead_factor).toBeCloseTo(1.058, 3);
    expect(parsed.schema_version).toBe(SCHEMA_VERSION);
  });

  it('createArtifactSchema(sections) rejects unknown top-level keys and a missing section', () => {
    expect(schema.safeParse({ ...sampleArtifact(), extra: 1 }).success).toBe(false);
    const { cost: _cost, ...withoutCost } = sampleArtifact();
    expect(schema.safeParse(withoutCost).success).toBe(false);
  });
});

describe('parseArtifact', () => {
  it('parseArtifact(serialiseArtifact(a)) round-trips to the same value and the same bytes', () => {
    const text = serialiseArtifact(sampleArtifact(), schema);
    const parsed = parseArtifact(text, { schema });
    expect(parsed).toEqual(JSON.parse(text));
    expect(serialiseArtifact(parsed, schema)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('parseArtifact(text) names a wrong schema_version', () => {
    const text = JSON.stringify({ ...sampleArtifact(), schema_version: 7 });
    const err = parseError(text);
    expect(err.message).toBe('artifact schema version 7, this capfit reads 1');
    expect(err.exitCode).toBe(2);
    expect(parseError('{"vram": {}}').message).toMatch(/has no schema_version/);
  });

  it('parseArtifact(text) says a cut-off file is truncated', () => {
    const text = serialiseArtifact(sampleArtifact(), schema);
    for (const cut of [10, Math.floor(text.length / 2), text.length - 3]) {
      expect(parseError(text.slice(0, cut)).message).toMatch(/^artifact is truncated \(JSON ends early\)/);
    }
  });

  it('parseArtifact(text) distinguishes empty, invalid JSON and non-objects', () => {
    expect(parseError('').message).toBe('artifact is empty');
    expect(parseError('{"a": 1} trailing').message).toMatch(/^artifact is not valid JSON/);
    expect(parseError('[1, 2]').message).toBe('artifact is not a JSON object');
  });

  it('parseArtifact(text) reports the path of a schema violation', () => {
    const bad = sampleArtifact();
    (bad.throughput as { lookup: Record<string, unknown> }).lookup['llama3.2-1b|ollama|FP16'] = 'fast';
    const err = parseError(JSON.stringify(bad), { label: 'artifacts/fitted_models.json' });
    expect(err.message).toMatch(
      /^artifacts\/fitted_models\.json does not match the schema at throughput\.lookup\.llama3\.2-1b\|ollama\|FP16: .*expected number/,
    );
  });

  it('parseArtifact(text) uses the published ArtifactSchema by default', () => {
    expect(() => parseArtifact(JSON.stringify(sampleArtifact()))).toThrow(PipelineError);
  });

  it('parseArtifact(serialiseArtifact(a)) round-trips an artifact of the real model modules', () => {
    const text = serialiseArtifact(fallbackArtifact());
    const parsed = parseArtifact(text);
    expect(parsed.quality.unknown_quality).toBe(0.5);
    expect(parsed.diagnostics.vram.status).not.toBe('fitted');
    expect(serialiseArtifact(parsed)).toBe(text);
  });
});

describe('serialiseArtifact', () => {
  it('serialiseArtifact(a) refuses an invalid artifact with the path', () => {
    const bad = sampleArtifact();
    (bad.vram as { act_coeff: unknown }).act_coeff = Number.NaN;
    expect(() => serialiseArtifact(bad, schema)).toThrow(/artifact is invalid at vram\.act_coeff/);
  });
});

describe('describeSchemaError', () => {
  it('describeSchemaError(error) formats array indices and counts further issues', () => {
    const result = z.strictObject({ a: z.array(z.number()), b: z.string() }).safeParse({ a: [1, 'x'], b: 2 });
    expect(result.success).toBe(false);
    expect(describeSchemaError(result.error!)).toMatch(/^a\[1\]: .* \(and 1 more\)$/);
  });
});

describe('artifactJsonSchema', () => {
  it('artifactJsonSchema(schema) is draft 2020-12 and validates the sample with Ajv2020', () => {
    const json = artifactJsonSchema(schema);
    expect(json.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(json);
    const sample = JSON.parse(stableStringify(sampleArtifact()));
    expect(validate(sample)).toBe(true);
    expect(validate({ ...sample, schema_version: 2 })).toBe(false);
    const wrongType = structuredClone(sample);
    wrongType.throughput.lookup.x = 'fast';
    expect(validate(wrongType)).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain('/throughput/lookup/x');
  });

  it('artifactJsonSchema() of the published schema compiles and requires every section', () => {
    const json = artifactJsonSchema();
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    expect(json.required).toEqual(
      expect.arrayContaining([...MODEL_SECTIONS, 'schema_version', 'diagnostics', 'provenance', 'registry']),
    );
    expect(json.title).toBe('capfit fitted_models.json');
    const validate = ajv.compile(json);
    const real = JSON.parse(serialiseArtifact(fallbackArtifact()));
    expect(validate(real)).toBe(true);
    expect(validate({ ...real, vram: {} })).toBe(false);
    expect(ArtifactSchema.shape.schema_version.value).toBe(SCHEMA_VERSION);
  });
});
