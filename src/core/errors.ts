/** Exit codes are part of the public contract (README, docs/exit-codes). */
export const ExitCode = {
  ok: 0,
  findings: 1,
  error: 2,
} as const;

/**
 * An error the user can act on: bad flags, bad configuration, a missing path, a conflict.
 * The CLI prints its message and hint on one line each, without a stack trace, and exits 2.
 */
export class KnownError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'KnownError';
    this.hint = hint;
  }
}

export function isKnownError(error: unknown): error is KnownError {
  return error instanceof KnownError;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
