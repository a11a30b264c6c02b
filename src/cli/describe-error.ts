import { isCloseloopError, messageOf } from '../errors/index.ts';

/**
 * An error as the operator reads it: a CloseloopError with its code first (`CL_CONFIG_INVALID:
 * …`), which the README and the error catalog name, so it can be looked up and scripted on.
 */
export function describeError(err: unknown): string {
  return isCloseloopError(err) ? `${err.code}: ${err.message}` : messageOf(err);
}
