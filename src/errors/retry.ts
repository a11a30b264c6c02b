import pRetry, { AbortError } from 'p-retry';
import { isCloseloopError } from './closeloop-error.ts';

export interface RetryPolicy {
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 100, maxTimeoutMs: 5_000 };

/** What a failure's system asked to wait before the next call (details.retryAfterMs), in ms. */
export function retryAfterOf(err: unknown): number | null {
  const ms = isCloseloopError(err) ? err.details['retryAfterMs'] : undefined;
  return typeof ms === 'number' && ms > 0 ? ms : null;
}

/**
 * Retries only what is marked retriable, with exponential backoff and jitter; a data error
 * fails at once, since trying again cannot fix it. A system's Retry-After is a floor under the
 * backoff. One longer than the policy's longest backoff ends the retries at once: waiting it out
 * here would hold the caller with no sign of trouble, while the runner's pause shows it, says
 * until when, and probes no sooner.
 */
export function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  // Aborted (a runner stopping): no try after it, and no wait; the promise rejects with its reason.
  signal?: AbortSignal,
): Promise<T> {
  return pRetry(
    async () => {
      try {
        return await fn();
      } catch (err) {
        if (isCloseloopError(err) && err.retriable && (retryAfterOf(err) ?? 0) <= policy.maxTimeoutMs) throw err;
        throw new AbortError(err instanceof Error ? err : new Error(String(err)));
      }
    },
    {
      retries: policy.retries,
      minTimeout: policy.minTimeoutMs,
      maxTimeout: policy.maxTimeoutMs,
      randomize: true,
      ...(signal ? { signal } : {}),
      // Runs only when another try follows; p-retry's own delay comes after it.
      shouldRetry: async ({ error, retryDelay }) => {
        const extra = (retryAfterOf(error) ?? 0) - retryDelay;
        if (extra > 0) await new Promise((r) => setTimeout(r, extra));
        return true;
      },
    },
  );
}
