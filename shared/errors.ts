// Errors meant for the person at the terminal or reading the log: the message
// names what is wrong and where, so the CLI prints it without a stack trace.

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    /** short machine-readable cause, e.g. 'csv-parse', 'config' */
    readonly code: string = 'user-error',
  ) {
    super(message);
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
