/**
 * Damaged rows of the kinds real tables contain, each made from a good row so that exactly one
 * thing is wrong with it:
 * - `bad_number`: the value has a decimal comma, a unit attached or a placeholder (`1,5`, `12 tok/s`, `n/a`);
 * - `non_finite`: the value overflows (`1e999`) or is `NaN`;
 * - `negative`: the value has its sign flipped;
 * - `missing_field`: the value, or the model name, is empty;
 * - `ragged_row`: fields are missing at the end of the row, or one is appended;
 * - `unknown_model`: the model is a name no registry knows (kept and flagged by ingest, not rejected).
 * Which rows are damaged is an exact-count selection (`BadRowPicker`), so the share is the one asked for.
 */

import type { Rng } from '../math/rng.ts';
import type { IssueCode } from '../records.ts';
import { UNKNOWN_MODEL_SPELLINGS } from './catalogue.ts';
import { intBetween, pick } from './random.ts';

export type BadKind = Extract<
  IssueCode,
  'bad_number' | 'non_finite' | 'negative' | 'missing_field' | 'ragged_row' | 'unknown_model'
>;

export const BAD_KINDS: readonly BadKind[] = [
  'bad_number',
  'non_finite',
  'negative',
  'missing_field',
  'ragged_row',
  'unknown_model',
];

/** Kinds whose rows ingest rejects; `unknown_model` rows are kept with a warning. */
export const REJECTED_KINDS: readonly BadKind[] = BAD_KINDS.filter((k) => k !== 'unknown_model');

/** Relative frequency of each kind among damaged rows (cumulative draw in `BAD_KINDS` order). */
const KIND_WEIGHTS: Readonly<Record<BadKind, number>> = {
  bad_number: 0.25,
  non_finite: 0.08,
  negative: 0.15,
  missing_field: 0.2,
  ragged_row: 0.2,
  unknown_model: 0.12,
};

function drawKind(rng: Rng): BadKind {
  let u = rng();
  for (const kind of BAD_KINDS) {
    u -= KIND_WEIGHTS[kind];
    if (u < 0) return kind;
  }
  return BAD_KINDS[BAD_KINDS.length - 1]!;
}

/** What a damaged value looks like, given the good text. */
const BAD_NUMBER_FORMS: readonly ((value: string) => string)[] = [
  (v) => (v.includes('.') ? v.replace('.', ',') : `${v},0`),
  (v) => `${v} tok/s`,
  () => 'n/a',
  () => '--',
];

/**
 * `corruptRow(fields, header, valueColumns, rng)` damages a copy of a good row in one way and says
 * how. Value-kind damage is applied to every non-empty value column, so whichever of them the
 * config maps, the row is bad.
 * @example corruptRow(['llama3.2-1b', '42.5'], ['model', 'tok_s'], ['tok_s'], rng) // { kind: 'negative', fields: ['llama3.2-1b', '-42.5'] }
 */
export function corruptRow(
  fields: readonly string[],
  header: readonly string[],
  valueColumns: readonly string[],
  rng: Rng,
): { readonly kind: BadKind; readonly fields: string[] } {
  const kind = drawKind(rng);
  const out = fields.slice();
  const values = valueColumns.map((c) => header.indexOf(c)).filter((i) => i >= 0 && out[i] !== '');
  const modelIndex = header.indexOf('model');
  switch (kind) {
    case 'bad_number': {
      const form = pick(rng, BAD_NUMBER_FORMS);
      for (const i of values) out[i] = form(out[i]!);
      break;
    }
    case 'non_finite': {
      const text = rng() < 0.5 ? '1e999' : 'NaN';
      for (const i of values) out[i] = text;
      break;
    }
    case 'negative':
      for (const i of values) out[i] = `-${out[i]}`;
      break;
    case 'missing_field':
      if (rng() < 0.5 && modelIndex >= 0) out[modelIndex] = '';
      else for (const i of values) out[i] = '';
      break;
    case 'ragged_row':
      if (rng() < 0.7) out.length -= intBetween(rng, 1, 3);
      else out.push('extra');
      break;
    case 'unknown_model':
      if (modelIndex >= 0) out[modelIndex] = pick(rng, UNKNOWN_MODEL_SPELLINGS);
      break;
  }
  return { kind, fields: out };
}

/**
 * Exact-count sequential selection (Knuth's Algorithm S): over `total` rows, row i is picked with
 * probability (still needed)/(rows left), so exactly `count` rows are picked, in one pass and O(1)
 * memory.
 * @example const p = badRowPicker(10, 3, rng); [...Array(10)].filter(() => p()).length // 3
 */
export function badRowPicker(total: number, count: number, rng: Rng): () => boolean {
  let left = total;
  let needed = Math.min(count, total);
  return () => {
    if (left <= 0) return false;
    const chosen = rng() * left < needed;
    left -= 1;
    if (chosen) needed -= 1;
    return chosen;
  };
}
