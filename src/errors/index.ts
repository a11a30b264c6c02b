export { ERROR_CATALOG, type ErrorCode, type Stage } from './catalog.ts';
export { CloseloopError, isCloseloopError, messageOf, type CloseloopErrorOptions } from './closeloop-error.ts';
export { DEFAULT_RETRY, retryAfterOf, sleep, withRetry, type RetryOptions, type RetryPolicy } from './retry.ts';
export { releaseAll } from './release.ts';
export { SUGGEST_KEYS } from './unknown-keys.ts';
