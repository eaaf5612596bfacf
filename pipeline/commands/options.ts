/**
 * Parsing of CLI option values shared by the commands: numbers and paths. A bad value is a
 * `PipelineError` (exit 2) naming the option.
 */
import { resolve } from 'node:path';
import { PipelineError } from '../util/errors.ts';

export type Values = Readonly<Record<string, string | boolean | undefined>>;

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  if (v.trim() === '') throw new PipelineError('argument', `--${name} must not be empty`);
  return v;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A finite number ≥ `min` (and an integer when `integer`), or undefined when the option is absent. */
export function numberOption(
  values: Values,
  name: string,
  opts: { readonly min?: number; readonly integer?: boolean } = {},
): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const min = opts.min ?? Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || n < min) {
    const what = opts.integer ? 'an integer' : 'a number';
    throw new PipelineError('argument', `--${name} must be ${what} ≥ ${min}, got '${raw}'`);
  }
  if (opts.integer && !Number.isInteger(n)) {
    throw new PipelineError('argument', `--${name} must be an integer, got '${raw}'`);
  }
  return n;
}

export function pathOption(values: Values, name: string, cwd: string, fallback: string): string {
  return resolve(cwd, stringOption(values, name) ?? fallback);
}
