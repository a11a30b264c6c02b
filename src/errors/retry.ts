import pRetry, { AbortError } from 'p-retry';
import { isCloseloopError, type CloseloopError } from './closeloop-error.ts';

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

export interface RetryOptions {
  /** Aborted (a runner stopping): no try after it, and no wait; the promise rejects with its reason. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Narrows what is tried again below every retriable failure (a start-up that waits out an
   * unreachable system, but not refused credentials, which the runners wait out).
   */
  readonly retryIf?: (err: CloseloopError) => boolean;
  /** Told of each failed try that another try follows (its number, from 1), to say why a call is slow. */
  readonly onRetry?: (err: CloseloopError, attempt: number) => void;
}

/**
 * Retries only what is marked retriable, with exponential backoff and jitter; a data error
 * fails at once, since trying again cannot fix it. A system's Retry-After is a floor under the
 * backoff. One longer than the policy's longest backoff ends the retries at once: waiting it out
 * here would hold the caller with no sign of trouble, while the runner's pause shows it, says
 * until when, and probes no sooner.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  options: RetryOptions = {},
): Promise<T> {
  const { signal, retryIf = () => true, onRetry } = options;
  // An answer that came is kept though the signal aborted as it came (p-retry would throw it
  // away): a write the system took must count as done, or it is made again after a restart.
  let answer: { value: T } | null = null;
  try {
    return await pRetry(
      async () => {
        try {
          const value = await fn();
          answer = { value };
          return value;
        } catch (err) {
          if (isCloseloopError(err) && err.retriable && retryIf(err) && (retryAfterOf(err) ?? 0) <= policy.maxTimeoutMs)
            throw err;
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
        shouldRetry: async ({ error, attemptNumber, retryDelay }) => {
          // Only a retriable CloseloopError gets here: anything else was thrown as an AbortError.
          if (isCloseloopError(error)) onRetry?.(error, attemptNumber);
          const extra = (retryAfterOf(error) ?? 0) - retryDelay;
          if (extra > 0) await sleep(extra, signal);
          return true;
        },
      },
    );
  } catch (err) {
    if (answer !== null) return (answer as { value: T }).value;
    throw err;
  }
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (then, or already): a runner that is told
 * to stop leaves no wait and no timer behind. The caller checks the signal after it. `wake` is
 * handed what ends the wait early (a doorbell).
 */
export function sleep(ms: number, signal?: AbortSignal, wake?: (end: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wake?.(done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}
