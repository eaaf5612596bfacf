import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  buildManifest,
  countRejections,
  libraryVersions,
  ManifestSchema,
} from '../../pipeline/emit/manifest.ts';
import { CATEGORIES, type Issue } from '../../pipeline/records.ts';
import { stableStringify } from '../../pipeline/util/stable-json.ts';
import { HASH_A, HASH_B } from './sample.ts';

const counts = Object.fromEntries(
  CATEGORIES.map((c) => [c, { read: 10, accepted: 8, rejected: 2, train: 6, test: 2 }]),
) as Parameters<typeof buildManifest>[0]['recordCounts'];

function input(
  overrides: Partial<Parameters<typeof buildManifest>[0]> = {},
): Parameters<typeof buildManifest>[0] {
  return {
    generatorVersion: '0.1.0',
    seed: '42',
    configSha256: HASH_A,
    inputs: [
      { path: 'datasets/corpus/z.csv', sha256: HASH_B },
      { path: 'datasets/corpus/a.csv', sha256: HASH_A },
    ],
    recordCounts: counts,
    rejectedByCode: { ragged_row: 3, bad_number: 1 },
    libraries: { zod: '4.6.7', vega: '6.4.0' },
    files: { 'artifacts/fitted_models.json': HASH_B },
    ...overrides,
  };
}

function issue(code: Issue['code'], severity: Issue['severity']): Issue {
  return { source: 's.csv', line: 2, code, message: 'm', severity };
}

describe('buildManifest', () => {
  it('buildManifest(input) sorts inputs and serialises to the same bytes whatever the input order', () => {
    const a = buildManifest(input());
    const b = buildManifest(
      input({ inputs: [...input().inputs].reverse(), libraries: { vega: '6.4.0', zod: '4.6.7' } }),
    );
    expect(a.inputs.map((i) => i.path)).toEqual(['datasets/corpus/a.csv', 'datasets/corpus/z.csv']);
    expect(stableStringify(a)).toBe(stableStringify(b));
    expect(a.schema_version).toBe(1);
    expect(a.generator).toEqual({ name: 'capfit', version: '0.1.0' });
  });

  it('buildManifest(input) contains no timestamp-like values', () => {
    const text = stableStringify(buildManifest(input()));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T|time|date/i);
  });

  it('buildManifest(input) refuses a malformed hash, naming the field', () => {
    expect(() => buildManifest(input({ configSha256: 'abc' }))).toThrow(/config_sha256/);
    expect(() => buildManifest(input({ files: { 'a.json': 'nothex' } }))).toThrow(/files\.a\.json/);
  });

  it('buildManifest(input) validates against its JSON Schema with Ajv2020', () => {
    const validate = new Ajv2020({ strict: true }).compile(z.toJSONSchema(ManifestSchema));
    expect(validate(JSON.parse(stableStringify(buildManifest(input()))))).toBe(true);
  });
});

describe('countRejections', () => {
  it('countRejections(issues) counts rejected rows per code and ignores warnings', () => {
    const counts = countRejections([
      issue('ragged_row', 'reject'),
      issue('bad_number', 'reject'),
      issue('ragged_row', 'reject'),
      issue('unknown_model', 'warn'),
    ]);
    expect(counts).toEqual({ bad_number: 1, ragged_row: 2 });
    expect(Object.keys(counts)).toEqual(['bad_number', 'ragged_row']);
  });
});

describe('libraryVersions', () => {
  it('libraryVersions(lock, names) reads lockfile v3 packages and leaves out missing names', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'capfit' },
        'node_modules/zod': { version: '4.6.7' },
        'node_modules/vega': { version: '6.4.0' },
      },
    };
    expect(libraryVersions(lock, ['zod', 'vega', 'missing'])).toEqual({ vega: '6.4.0', zod: '4.6.7' });
  });

  it('libraryVersions(lock, names) falls back to lockfile v1 dependencies and ignores inherited keys', () => {
    expect(
      libraryVersions({ dependencies: { yaml: { version: '2.9.1' } } }, ['yaml', 'constructor']),
    ).toEqual({
      yaml: '2.9.1',
    });
    expect(libraryVersions(null, ['zod'])).toEqual({});
  });
});
