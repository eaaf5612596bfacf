/**
 * `capfit <command> [options]`: the thin CLI. It parses arguments, calls one command function,
 * prints what it returns and maps the outcome to an exit code:
 *   0 all targets met / command succeeded, 1 a validation target missed, 2 usage, config or input error.
 * This file and pipeline/io/ are the only places that touch `process` and the file system.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { PipelineError } from './util/errors.ts';

type Values = Record<string, string | boolean | undefined>;

/** Output of a command: text for stdout, optional text for stderr, and the exit code. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr?: string;
  readonly exitCode: number;
}

/** What a command may use of the process: passed in, so command modules stay testable. */
export interface CommandContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Progress goes here (stderr). */
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
}

interface CommandSpec {
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly run: (values: Values, ctx: CommandContext) => Promise<CommandOutput>;
}

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

const COMMANDS: Record<string, CommandSpec> = {
  refit: {
    summary: 'ingest, split, fit the six models, validate, and publish artifacts + reports',
    usage:
      'capfit refit [--config FILE] [--out DIR] [--check] [--force] [--seed S]\n' +
      '  --config FILE  refit config (default refit.config.yaml)\n' +
      '  --out DIR      write DIR/artifacts and DIR/reports instead of ./artifacts and ./reports\n' +
      '  --check        compute everything, write nothing (exit 1 on a missed target)\n' +
      '  --force        publish even when a target is missed\n' +
      '  --seed S       override the config seed (a string)',
    options: { config: str, out: str, check: bool, force: bool, seed: str },
    run: async (v, ctx) => (await import('./commands/refit.ts')).runRefit(v, ctx),
  },
  validate: {
    summary: 'score a published artifact on all records of the configured sources (no refit)',
    usage:
      'capfit validate [--artifact FILE] [--config FILE] [--targets record|config] [--json]\n' +
      '  --artifact FILE  coefficient artifact (default artifacts/fitted_models.json)\n' +
      '  --config FILE    sources and targets (default refit.config.yaml)\n' +
      '  --targets UNIT   which targets apply: config (out-of-sample, default) or record\n' +
      '  --json           machine-readable result',
    options: { artifact: str, config: str, targets: str, json: bool },
    run: async (v, ctx) => (await import('./commands/validate.ts')).runValidate(v, ctx),
  },
  predict: {
    summary: 'predict VRAM, tok/s, η, quality, cost and latency for one configuration or a batch file',
    usage:
      'capfit predict --model M --quant Q --backend B [--gpu G] [--context N] [--concurrency N]\n' +
      '               [--request-rate R] [--artifact FILE] [--json]\n' +
      'capfit predict --input FILE.csv|FILE.json [--json|--csv] [--artifact FILE]',
    options: {
      model: str,
      quant: str,
      backend: str,
      gpu: str,
      context: str,
      concurrency: str,
      'request-rate': str,
      artifact: str,
      input: str,
      json: bool,
      csv: bool,
    },
    run: async (v, ctx) => (await import('./commands/predict.ts')).runPredict(v, ctx),
  },
  plan: {
    summary:
      'search models × quants × backends × instances through the VRAM → quality → latency → budget gates',
    usage:
      'capfit plan --model-size 3b --request-rate 2 [--budget USD] [--latency-slo MS] [--quality-target Q]\n' +
      '            [--hardware NAME] [--context N] [--max-instances N] [--artifact FILE] [--json]',
    options: {
      'model-size': str,
      'request-rate': str,
      budget: str,
      'latency-slo': str,
      'quality-target': str,
      hardware: str,
      context: str,
      'max-instances': str,
      artifact: str,
      json: bool,
    },
    run: async (v, ctx) => (await import('./commands/plan.ts')).runPlan(v, ctx),
  },
  limits: {
    summary: 'largest context and concurrency that fit in a GPU for a model/quant/backend',
    usage: 'capfit limits --model M --quant Q --backend B --gpu G [--context N] [--artifact FILE] [--json]',
    options: { model: str, quant: str, backend: str, gpu: str, context: str, artifact: str, json: bool },
    run: async (v, ctx) => (await import('./commands/limits.ts')).runLimits(v, ctx),
  },
  models: {
    summary: 'list the models the artifact knows',
    usage: 'capfit models [--artifact FILE] [--json]',
    options: { artifact: str, json: bool },
    run: async (v, ctx) => (await import('./commands/catalog.ts')).runModels(v, ctx),
  },
  hardware: {
    summary: 'list the GPUs of the hardware database',
    usage: 'capfit hardware [--artifact FILE] [--json]',
    options: { artifact: str, json: bool },
    run: async (v, ctx) => (await import('./commands/catalog.ts')).runHardware(v, ctx),
  },
  generate: {
    summary: 'write a seeded synthetic TR-style corpus (all six categories) and its config',
    usage: 'capfit generate --records N --seed S --out DIR [--bad-share F]',
    options: { records: str, seed: str, out: str, 'bad-share': str },
    run: async (v) => (await import('./commands/generate.ts')).runGenerate(v),
  },
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]!.summary}`);
  return `capfit: refit and query LLM inference capacity models\n\nUsage: capfit <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'capfit <command> --help' for a command's options.\n`;
}

/** Runs the CLI for `argv` (without node and script) and returns the output; never exits. */
export async function main(argv: readonly string[], ctx: CommandContext): Promise<CommandOutput> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    return { stdout: mainHelp(), exitCode: name === undefined ? 2 : 0 };
  }
  const command = COMMANDS[name];
  if (!command || !Object.hasOwn(COMMANDS, name)) {
    return { stdout: '', stderr: `capfit: unknown command '${name}'\n\n${mainHelp()}`, exitCode: 2 };
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    return { stdout: `${command.usage}\n`, exitCode: 0 };
  }
  let parsed: { values: Values; positionals: string[] };
  try {
    const out = parseArgs({
      args: [...rest],
      options: command.options,
      strict: true,
      allowPositionals: false,
    });
    parsed = { values: out.values as Values, positionals: out.positionals };
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    return { stdout: '', stderr: `capfit ${name}: ${message}\n\n${command.usage}\n`, exitCode: 2 };
  }
  try {
    return await command.run(parsed.values, ctx);
  } catch (err) {
    if (err instanceof PipelineError) {
      return { stdout: '', stderr: `capfit ${name}: ${err.message}\n`, exitCode: err.exitCode };
    }
    throw err;
  }
}

const isEntry =
  process.argv[1] !== undefined && /(?:^|[\\/])(cli\.ts|capfit(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  // A reader that closes the pipe early (`capfit plan --json | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stderr: process.stderr }).then(
    (out) => {
      if (out.stdout) process.stdout.write(out.stdout);
      if (out.stderr) process.stderr.write(out.stderr);
      process.exitCode = out.exitCode;
    },
    (err: unknown) => {
      process.stderr.write(`capfit: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
