/**
 * A scratch copy of the repository's corpus, registry and refit.config.yaml (stability cut to a
 * few seeds so a refit takes a couple of seconds), for the spawn-based crash and order tests, and
 * a CLI spawner that can be killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'capfit.js');

/** The repository config with `stability.seeds` set to `seeds`. */
export function repoConfig(seeds: number): string {
  const text = readFileSync(join(ROOT, 'refit.config.yaml'), 'utf8');
  const out = text.replace(/^stability:\n {2}seeds: \d+$/m, `stability:\n  seeds: ${seeds}`);
  if (out === text) throw new Error('refit.config.yaml: stability.seeds not found');
  return out;
}

/** `dir/repo` holding datasets/corpus, datasets/registry and refit.config.yaml; returns its path. */
export function copyRepoInputs(dir: string, seeds: number): string {
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'datasets'), { recursive: true });
  cpSync(join(ROOT, 'datasets', 'corpus'), join(repo, 'datasets', 'corpus'), { recursive: true });
  cpSync(join(ROOT, 'datasets', 'registry'), join(repo, 'datasets', 'registry'), { recursive: true });
  writeFileSync(join(repo, 'refit.config.yaml'), repoConfig(seeds));
  return repo;
}

export function scratch(prefix: string): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
  }>;
}

/** Spawns `node bin/capfit.js ...args` (cwd = repository root). */
export function startCli(args: readonly string[]): Run {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  const done = new Promise<Awaited<Run['done']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started }));
  });
  return { child, done };
}
