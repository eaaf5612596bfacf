/**
 * Shared helpers of the hostile-input tests: a scratch workspace under the OS temp folder with a
 * copy of the fixture registry, a one-source config writer, and a CLI runner that spawns
 * `node bin/capfit.js` from the repository root.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'bin', 'capfit.js');
export const FIXTURE_REGISTRY = join(ROOT, 'test', 'fixtures', 'data', 'registry');
export const HOSTILE_FIXTURES = join(ROOT, 'test', 'fixtures', 'hostile');

/** The YAML lines every scratch config ends with (registry copy, empty targets, defaults). */
export const CONFIG_TAIL = [
  'registry: { models: registry/models.csv, quants: registry/quants.csv, gpus: registry/gpus.csv, backends: registry/backends.csv }',
  'targets: { record: {}, config: {} }',
  'defaults: { reference_gpu: rtx-4080-laptop, hw_cost_per_hour: 0.035 }',
  'stability: { seeds: 0 }',
].join('\n');

/** A scratch folder holding `registry/` (the fixture registry); `dispose()` removes it. */
export interface Workspace {
  readonly dir: string;
  /** Writes `content` to `name` (relative; folders are created) and returns its absolute path. */
  write(name: string, content: string | Uint8Array): string;
  dispose(): void;
}

export function createWorkspace(prefix = 'capfit-hostile-'): Workspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(FIXTURE_REGISTRY, join(dir, 'registry'), { recursive: true });
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return path;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A config with one source (`sourceYaml` is the list item, indented two spaces) and the tail. */
export function oneSourceConfig(sourceYaml: string): string {
  return `sources:\n${sourceYaml}\n${CONFIG_TAIL}\n`;
}

/** What a spawned CLI run returned. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/capfit.js ...args` with cwd = repository root. */
export function runCli(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
