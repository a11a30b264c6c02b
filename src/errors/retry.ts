import pRetry, { AbortError } from 'p-retry';
import { isCloseloopError } from './closeloop-error.ts';

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 100, maxTimeoutMs: 5_000 };

/**
 * Retries only what is marked retriable, with exponential backoff and jitter; a data error
 * fails at once, since trying again cannot fix it.
 */
export function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (err) {
        if (isCloseloopError(err) && err.retriable) throw err;
        throw new AbortError(err instanceof Error ? err : new Error(String(err)));
      }
    },
    { retries: policy.retries, minTimeout: policy.minTimeoutMs, maxTimeout: policy.maxTimeoutMs, randomize: true },
  );
}
