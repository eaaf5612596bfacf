/**
 * SIGKILL during a real refit. A refit over a copy of the repository corpus publishes a set into
 * a scratch --out; then refits with other seeds (--force, so each would publish) are killed at
 * seeded random delays spanning a run, and at the moment their first temp file or their publish
 * journal appears. After every kill the published names hold the previous set byte for byte, or a
 * complete new set (manifest hashes match, every file from the same seed), or, when the kill hit
 * between journal and commit, an interrupted publish that readers are told about and the next
 * writer rolls back. Never a half-written file under a published name. A final refit cleans up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPublishedSet } from '../../pipeline/io/verify.ts';
import { acquireLock, PUBLISH_JOURNAL_NAME, releaseLock } from '../../pipeline/io/write.ts';
import { createRng } from '../../pipeline/math/rng.ts';
import { copyRepoInputs, scratch, startCli } from './refit-env.ts';
import { dotFiles, snapshot } from './sets.ts';

/**
 * Kills at seeded random delays in [0, 1.2 × run time], then at publish milestones, then one at
 * twice the run time (after the run has finished: a new set).
 */
const RANDOM_KILLS = 5;
const MILESTONE_KILLS = ['first temp file', 'journal'] as const;

const env = scratch('capfit-kill-');
let config: string;
let out: string;
let runMs = 0;
afterAll(() => env.dispose());

beforeAll(async () => {
  config = join(copyRepoInputs(env.dir, 1), 'refit.config.yaml');
  out = join(env.dir, 'out');
  const first = await startCli(['refit', '--config', config, '--out', out]).done;
  expect([0, 1], first.stderr).toContain(first.code);
  runMs = first.ms;
});

type Outcome = 'old' | 'new' | 'interrupted';

/** The seed a published set was made with, per file; throws if a JSON file is not complete. */
function seedsOf(files: ReadonlyMap<string, string>): string[] {
  const json = (name: string) => JSON.parse(files.get(name)!) as Record<string, unknown>;
  const report = /with split seed (\S+) and/.exec(files.get('reports/refit.md') ?? '');
  return [
    json('artifacts/fitted_models.json').seed as string,
    json('artifacts/validation.json').seed as string,
    (json('artifacts/splits.json').record as { seed: string }).seed,
    json('artifacts/manifest.json').seed as string,
    report?.[1] ?? '(no seed in refit.md)',
  ];
}

function expectWholeFiles(files: ReadonlyMap<string, string>): void {
  for (const [name, content] of files) {
    if (name.endsWith('.json')) expect(() => JSON.parse(content), name).not.toThrow();
    if (name.endsWith('.svg')) expect(content.trimEnd().endsWith('</svg>'), name).toBe(true);
  }
}

/** Dot files allowed after a kill: the lock, the journal, temps and backups (never a published name). */
function expectOnlyKnownLeftovers(): void {
  for (const f of dotFiles(out)) {
    expect(f, f).toMatch(/^(\.capfit\.lock|\.capfit-publish\.json|(.+\/)?\.[^/]+\.\d+\.\d+\.(tmp|bak))$/);
  }
}

/** Starts a refit with `seed` and kills it when `trigger` fires; resolves when it has exited. */
async function killedRun(seed: string, trigger: number | 'first temp file' | 'journal') {
  const run = startCli(['refit', '--config', config, '--out', out, '--force', '--seed', seed]);
  let timer: NodeJS.Timeout;
  if (typeof trigger === 'number') timer = setTimeout(() => run.child.kill('SIGKILL'), trigger);
  else {
    const artifacts = join(out, 'artifacts');
    timer = setInterval(() => {
      const hit =
        trigger === 'journal'
          ? existsSync(join(out, PUBLISH_JOURNAL_NAME))
          : readdirSync(artifacts).some((n) => n.endsWith('.tmp'));
      if (hit) run.child.kill('SIGKILL');
    }, 1);
  }
  const result = await run.done;
  clearTimeout(timer);
  clearInterval(timer);
  return result;
}

describe('refit killed with SIGKILL', () => {
  it(`${RANDOM_KILLS} kills at random delays, ${MILESTONE_KILLS.length} at publish milestones and one after the end never leave a mix`, async () => {
    const rng = createRng('capfit-kill-test');
    const triggers: (number | 'first temp file' | 'journal')[] = [
      ...Array.from({ length: RANDOM_KILLS }, () => Math.round(rng() * 1.2 * runMs)),
      ...MILESTONE_KILLS,
      2 * runMs,
    ];
    let previous = snapshot(out);
    expect(verifyPublishedSet(out).status).toBe('complete');
    const outcomes: Outcome[] = [];
    for (const [i, trigger] of triggers.entries()) {
      const seed = `kill-${i}`;
      const result = await killedRun(seed, trigger);
      const now = snapshot(out);
      expectOnlyKnownLeftovers();
      expectWholeFiles(now);
      let outcome: Outcome;
      if (existsSync(join(out, PUBLISH_JOURNAL_NAME))) {
        // Killed between journal and commit: readers are told; the next lock holder rolls back.
        outcome = 'interrupted';
        expect(verifyPublishedSet(out).status).toBe('interrupted');
        releaseLock(acquireLock(out));
        expect(snapshot(out)).toEqual(previous);
      } else if (result.signal === null) {
        // Not killed in time: it finished and published.
        outcome = 'new';
      } else {
        outcome =
          [...now].every(([k, v]) => previous.get(k) === v) && now.size === previous.size ? 'old' : 'new';
      }
      if (outcome === 'new') {
        expect(verifyPublishedSet(out)).toEqual({ status: 'complete', problems: [] });
        expect([...now.keys()].sort()).toEqual([...previous.keys()].sort());
        expect(seedsOf(now)).toEqual([seed, seed, seed, seed, seed]);
        previous = now;
      } else {
        expect(snapshot(out)).toEqual(previous);
        expect(verifyPublishedSet(out).status).toBe('complete');
      }
      outcomes.push(outcome);
    }
    console.log(
      `kill outcomes: ${triggers.map((t, i) => `${t}→${outcomes[i]}`).join(', ')} (run ${runMs} ms)`,
    );
    // Early kills must have left the old set; the milestone kills land in the publish itself.
    expect(
      outcomes[triggers.indexOf(Math.min(...(triggers.filter((t) => typeof t === 'number') as number[])))],
    ).toBe('old');
    expect(outcomes.length).toBe(RANDOM_KILLS + MILESTONE_KILLS.length + 1);
    expect(outcomes.at(-1)).toBe('new');
  });

  it('a refit after the kills publishes a complete set and leaves no temp, backup, journal or lock', async () => {
    const result = await startCli(['refit', '--config', config, '--out', out, '--force', '--seed', 'after'])
      .done;
    expect([0, 1], result.stderr).toContain(result.code);
    expect(verifyPublishedSet(out)).toEqual({ status: 'complete', problems: [] });
    expect(seedsOf(snapshot(out))).toEqual(['after', 'after', 'after', 'after', 'after']);
    expect(dotFiles(out)).toEqual([]);
    expect(readFileSync(join(out, 'artifacts', 'manifest.json'), 'utf8')).toContain('"seed": "after"');
  });
});
