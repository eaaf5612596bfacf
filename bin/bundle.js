// capfit's precompiled form. esbuild bundles pipeline/ into dist/<source hash>/ (one entry file per
// command or worker thread, shared chunks beside them). The hash covers every source file, the
// lockfile and this file, so a bundle is only ever used with exactly the sources it was built from;
// after an edit, a pull or an install the next run builds a new one (about a second) or, when that
// fails, runs the sources through the tsx loader. `npm ci` builds it once (the `prepare` script).
//
//   node bin/bundle.js          build the bundle for the current sources (if not built) and print its path
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = join(ROOT, 'pipeline');
const DIST = join(ROOT, 'dist');

/** Entry points under pipeline/: the CLI, the benchmark's child, and the worker-thread modules. */
const ENTRIES = [
  'cli.ts',
  'bench-child.ts',
  'ingest/ingest-worker.ts',
  'validate/stability-worker.ts',
  'emit/chart-worker.ts',
];

/** Bundles older than this that belong to other sources are removed after a build. */
const STALE_MS = 60 * 60 * 1000;

function sourceFiles(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (/\.(?:ts|js|json)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/**
 * The first 16 hex digits of sha256 over this file, the lockfile and every source file under
 * `root`/pipeline (path and bytes). `root` is the package root; tests pass a copy.
 */
export function sourceHash(root = ROOT) {
  const hash = createHash('sha256');
  const files = [
    fileURLToPath(import.meta.url),
    join(root, 'package-lock.json'),
    ...sourceFiles(join(root, 'pipeline'), []).sort(),
  ];
  for (const file of files) {
    hash.update(file === files[0] ? 'bin/bundle.js' : relative(root, file).split(sep).join('/'));
    hash.update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : '');
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * `ensureBundle()` is the bundle directory for the current sources, built now when missing; null
 * when it cannot be built (esbuild missing or failing), and the caller runs the sources instead.
 */
export async function ensureBundle() {
  const hash = sourceHash();
  const dir = join(DIST, hash);
  if (existsSync(join(dir, 'cli.js'))) return dir;
  try {
    await buildBundle(dir);
    return dir;
  } catch {
    return null;
  }
}

async function buildBundle(dir) {
  const { build } = await import('esbuild');
  mkdirSync(DIST, { recursive: true });
  // Built aside and renamed into place, so a run never sees a half-written bundle; when another
  // process got there first, its bundle (from the same sources) is kept.
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await build({
      entryPoints: ENTRIES.map((e) => join(SOURCES, e)),
      outdir: tmp,
      entryNames: '[name]',
      chunkNames: 'chunk-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'silent',
      define: { CAPFIT_BUNDLED: 'true' },
      // CommonJS dependencies call require(); an ES module has none of its own.
      banner: {
        js: "import { createRequire as __capfitRequire } from 'node:module'; const require = __capfitRequire(import.meta.url);",
      },
    });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'cli.js'))) throw err;
  }
  for (const name of readdirSync(DIST)) {
    const path = join(DIST, name);
    if (path !== dir && Date.now() - statSync(path).mtimeMs > STALE_MS)
      rmSync(path, { recursive: true, force: true });
  }
}

/** Imports the bundle's `entry` (e.g. `cli.js`) or, without a bundle, the TypeScript `source` under pipeline/. */
export async function importEntry(entry, source) {
  const dir = process.env.CAPFIT_SOURCES === '1' ? null : await ensureBundle();
  if (dir) return import(pathToFileURL(join(dir, entry)).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(join(SOURCES, source)).href);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = await ensureBundle();
  if (!dir) {
    process.stderr.write('capfit: the bundle could not be built; capfit runs from the TypeScript sources\n');
    process.exitCode = 1;
  } else process.stdout.write(`${relative(ROOT, dir)}\n`);
}
