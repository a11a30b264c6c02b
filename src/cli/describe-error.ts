import { isCloseloopError, messageOf, type ErrorCode } from '../errors/index.ts';

/**
 * An error as the operator reads it: a CloseloopError with its code first (`CL_CONFIG_INVALID:
 * …`), which the README and the error catalog name, so it can be looked up and scripted on.
 */
export function describeError(err: unknown): string {
  return isCloseloopError(err) ? `${err.code}: ${err.message}` : messageOf(err);
}

/**
 * The one line every command prints an error as, `closeloop: <code>: <message>` (the README's
 * Commands section): a script greps one shape whichever command failed.
 */
export function errorLine(err: unknown): string {
  return `closeloop: ${describeError(err)}`;
}

/** errorLine for a failure the command finds itself, with the catalog's code for it. */
export function failureLine(code: ErrorCode, message: string): string {
  return `closeloop: ${code}: ${message}`;
}
