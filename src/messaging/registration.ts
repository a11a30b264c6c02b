import { sleep, withRetry, type CloseloopError, type RetryPolicy } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * A registry that does not answer for a moment as a schema is registered (a long pause of its
 * JVM, a restart behind a load balancer, a machine starved of CPU) is waited out for a while
 * before the registration fails: four more tries over 8 to 11 s of backoff, each bounded by the
 * client's own time-out (10 s by default). Registering is idempotent, so trying again is safe;
 * every process registers as it starts (processor, import, KPI publisher, reconciliation), and
 * none of them should fail on a pause a moment later would have hidden.
 */
export const REGISTRY_START_RETRY: RetryPolicy = { retries: 4, minTimeoutMs: 500, maxTimeoutMs: 4_000 };

export interface RegisterOptions {
  /** Told of every try that failed and is tried again, so a slow start says why. */
  readonly log?: Logger | undefined;
  readonly retry?: RetryPolicy | undefined;
  /** Aborted (a run told to stop): no further try, no wait. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs one registration (`once`) under the policy. Only a registry that did not answer, or
 * answered 5xx, is tried again: refused credentials, a rejected or incompatible schema stay so.
 */
export async function waitingOutRegistry<T>(
  subject: string,
  once: () => Promise<T>,
  options: RegisterOptions,
): Promise<T> {
  const policy = options.retry ?? REGISTRY_START_RETRY;
  return withRetry(once, policy, {
    signal: options.signal,
    retryIf: (err) => err.code === 'CL_SCHEMA_REGISTRY_UNAVAILABLE',
    onRetry: (err: CloseloopError, attempt) =>
      options.log?.warn(
        { code: err.code, subject, attempt, attempts: policy.retries + 1 },
        `registering the schema of ${subject} failed (try ${attempt} of ${policy.retries + 1}), trying again: ${err.message}`,
      ),
  });
}

const RACE_ATTEMPTS = 5;

/** The two answers a registration gets while another process is setting the same new subject's level. */
function racedWithAnother(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'ConfluentSchemaRegistryCompatibilityError') return true;
  return /rule named '?COMPATIBILITY'? already exists/i.test(err.message);
}

/**
 * Processes that start together register the same new subject at once. The first sets the
 * subject's level; until it has, the others see the registry's default level on a subject that
 * now exists, or are told the level's rule already exists. Both settle within a moment, so they
 * are tried again a few times before a mismatch is reported (by `fail`) as misconfiguration.
 */
export async function settlingLevelRace<T>(attempt: () => Promise<T>, fail: (err: unknown) => Error): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= RACE_ATTEMPTS || !racedWithAnother(err)) throw fail(err);
      await sleep(100 * n);
    }
  }
}
