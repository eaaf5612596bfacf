/** `capfit refit`: runs the pipeline and prints its summary; exit 0 met, 1 missed, 2 error. */
import type { CommandContext, CommandOutput } from '../cli.ts';
import { refit } from '../refit.ts';
import { flag, pathOption, stringOption, type Values } from './options.ts';

export async function runRefit(values: Values, ctx: CommandContext): Promise<CommandOutput> {
  const outcome = await refit({
    configPath: pathOption(values, 'config', ctx.cwd, 'refit.config.yaml'),
    outDir: pathOption(values, 'out', ctx.cwd, '.'),
    check: flag(values, 'check'),
    force: flag(values, 'force'),
    seed: stringOption(values, 'seed'),
    progressStream: ctx.stderr,
    env: ctx.env,
  });
  return { stdout: outcome.summary, exitCode: outcome.exitCode };
}
