/**
 * Error for bad configuration, arguments or unusable inputs (CLI exit code 2). Bad *data rows*
 * never throw: they become `Issue`s. A poor fit is not an error either: it is a result.
 */
export class PipelineError extends Error {
  readonly code: string;
  /** Process exit code the CLI maps this error to. */
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'PipelineError';
    this.code = code;
    this.exitCode = exitCode;
  }
}
