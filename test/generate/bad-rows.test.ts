import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  BAD_KINDS,
  type BadKind,
  badRowPicker,
  corruptRow,
  REJECTED_KINDS,
} from '../../pipeline/generate/bad-rows.ts';
import { UNKNOWN_MODEL_SPELLINGS } from '../../pipeline/generate/catalogue.ts';
import { parseNumber } from '../../pipeline/ingest/fields.ts';
import { createRng } from '../../pipeline/math/rng.ts';

const header = Object.freeze(['model', 'backend', 'tok_s', 'wall_ms', 'note']);
const good = Object.freeze(['llama3.2-1b', 'ollama', '142.37', '899.1', '']);

/** Draws corruptions until every kind has been seen, keyed by kind. */
function oneOfEachKind(): Map<BadKind, string[]> {
  const rng = createRng('bad-rows-test');
  const seen = new Map<BadKind, string[]>();
  for (let i = 0; i < 500 && seen.size < BAD_KINDS.length; i++) {
    const { kind, fields } = corruptRow(good, header, ['tok_s'], rng);
    if (!seen.has(kind)) seen.set(kind, fields);
  }
  return seen;
}

describe('corruptRow', () => {
  const samples = oneOfEachKind();

  it('corruptRow(...) produces every kind and leaves the input row untouched', () => {
    expect([...samples.keys()].sort()).toEqual([...BAD_KINDS].sort());
    expect(good).toEqual(['llama3.2-1b', 'ollama', '142.37', '899.1', '']);
  });

  it('corruptRow(...) bad_number / non_finite values fail the strict number parser with that code', () => {
    for (const kind of ['bad_number', 'non_finite'] as const) {
      const parsed = parseNumber(samples.get(kind)![2]!);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.code).toBe(kind);
    }
  });

  it('corruptRow(...) negative flips the sign of the value column only', () => {
    const fields = samples.get('negative')!;
    expect(fields[2]).toBe('-142.37');
    expect(fields[3]).toBe('899.1');
  });

  it('corruptRow(...) missing_field empties the model or the value', () => {
    const fields = samples.get('missing_field')!;
    expect(fields[0] === '' || fields[2] === '').toBe(true);
  });

  it('corruptRow(...) ragged_row changes the field count', () => {
    expect(samples.get('ragged_row')!.length).not.toBe(header.length);
  });

  it('corruptRow(...) unknown_model puts a name no registry knows in the model column', () => {
    expect(UNKNOWN_MODEL_SPELLINGS).toContain(samples.get('unknown_model')![0]);
  });

  it('corruptRow(...) damages every non-empty value column so any mapping sees the damage', () => {
    const rng = createRng('every-column');
    const h = ['model', 'mean_ms', 'median_ms', 'p50_ms'];
    for (let i = 0; i < 200; i++) {
      const { kind, fields } = corruptRow(
        ['m', '1.5', '1.5', '1.5'],
        h,
        ['mean_ms', 'median_ms', 'p50_ms'],
        rng,
      );
      if (kind === 'negative') expect(fields.slice(1)).toEqual(['-1.5', '-1.5', '-1.5']);
      if (kind === 'bad_number' || kind === 'non_finite') {
        for (const v of fields.slice(1)) expect(parseNumber(v).ok).toBe(false);
      }
    }
  });

  it('REJECTED_KINDS is every kind except unknown_model', () => {
    expect(REJECTED_KINDS).toEqual(BAD_KINDS.filter((k) => k !== 'unknown_model'));
  });
});

describe('badRowPicker', () => {
  it('badRowPicker(10, 3, rng) picks exactly 3 of 10 and nothing after the end', () => {
    const pick = badRowPicker(10, 3, createRng('picker'));
    const picks = Array.from({ length: 10 }, () => pick());
    expect(picks.filter(Boolean)).toHaveLength(3);
    expect(pick()).toBe(false);
  });

  test.prop([fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.string()])(
    'badRowPicker(total, count, rng) picks exactly min(count, total) rows',
    (total, share, seed) => {
      const count = Math.round(total * share);
      const pick = badRowPicker(total, count, createRng(seed));
      let picked = 0;
      for (let i = 0; i < total; i++) if (pick()) picked++;
      expect(picked).toBe(count);
    },
  );
});
