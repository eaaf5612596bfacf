/**
 * Where capfit's own files are, in both of its forms: the TypeScript sources under `pipeline/`
 * (run through the tsx loader: tests, a checkout without a build) and the precompiled bundle under
 * `dist/<source hash>/` (what `bin/capfit.js` runs; see `bin/bundle.js`). This file is two levels
 * below the package root, and so is every file of the bundle, so one relative URL serves both.
 */
import { fileURLToPath } from 'node:url';

// esbuild replaces this name with `true` when it builds the bundle; it is undeclared in the sources.
declare const CAPFIT_BUNDLED: boolean | undefined;

/** True when this code runs from the precompiled bundle, false when it runs from the sources. */
export const BUNDLED: boolean = typeof CAPFIT_BUNDLED !== 'undefined' && CAPFIT_BUNDLED === true;

/** The package root (the directory with package.json), ending with a separator. */
export const PACKAGE_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));

/** The modules that run as worker threads, by their path under `pipeline/` without extension. */
export type WorkerModule = 'ingest/ingest-worker' | 'validate/stability-worker' | 'emit/chart-worker';

/**
 * `workerModuleUrl(module)` is the URL a worker thread imports for `module`: the bundle's entry
 * `dist/<hash>/<name>.js` (named by the file name alone), or the TypeScript source.
 */
export function workerModuleUrl(module: WorkerModule): URL {
  return BUNDLED
    ? new URL(`./${module.slice(module.lastIndexOf('/') + 1)}.js`, import.meta.url)
    : new URL(`../${module}.ts`, import.meta.url);
}
