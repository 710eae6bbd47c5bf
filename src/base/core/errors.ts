/** The one exit-code table every command uses. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  locked: 75,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The only error type commands throw on purpose. It carries the exit code so that the CLI layer, and only it,
 * can map it to `process.exitCode`. Anything else that escapes a command is a bug and exits 1.
 */
export class FailoverError extends Error {
  readonly exitCode: ExitCode;
  /** A short machine-readable tag for `--json` consumers (e.g. "config", "locked", "not-implemented"). */
  readonly code: string;
  /** What the operator can do about it, when we know. */
  readonly hint: string | undefined;

  constructor(exitCode: ExitCode, code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FailoverError';
    this.exitCode = exitCode;
    this.code = code;
    this.hint = options.hint;
  }
}

export const usageError = (message: string, hint?: string) =>
  new FailoverError(ExitCode.usage, 'usage', message, hint === undefined ? {} : { hint });

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Node's errno code of a system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/**
 * The `default` of a switch over a union of kinds: it type-checks only when every kind has its case, so a kind added
 * later fails the build where it is not handled. At run time (a value from outside the types) it is a bug, said so.
 */
export function unreachable(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
