import { CloseloopError, isCloseloopError } from '../errors/index.ts';
import type { Health } from '../sdk/connector.ts';
import { outageDetail, outageReason, probeDelay, registryOutage, type PauseReason } from './pause.ts';

/** The pauses a poll's failure raises, and so the ones a poll that answers ends. */
export const SOURCE_OUTAGES: readonly PauseReason[] = ['unavailable', 'credentials', 'endpoint', 'cursor'];

const LOG: Readonly<Record<'unavailable' | 'credentials' | 'endpoint' | 'cursor', string>> = {
  credentials: 'the source refused our credentials; pausing until its health probe passes',
  endpoint:
    'the source is not where we call it (a redirect, a 4xx to the API, a TLS failure); pausing until its health probe passes',
  cursor: "the source's cursor does not move past a page of changes; nothing published, pausing until it does",
  unavailable: 'source unavailable; pausing until it is healthy',
};

/** How a failed poll pauses a source runner: the reason, what readiness adds to it, the log line. */
export function sourceOutage(err: unknown): { reason: PauseReason; detail: string | null; log: string } {
  if (isCloseloopError(err, 'CL_SOURCE_CURSOR_STUCK')) {
    const detail = err.details['cursorDetail'];
    return { reason: 'cursor', detail: typeof detail === 'string' ? detail : null, log: LOG.cursor };
  }
  const reason = outageReason(err) ?? 'unavailable';
  return { reason, detail: outageDetail(err), log: LOG[reason] };
}

/**
 * How a failed publish pauses a source runner (a fence aside, which stands it aside instead). A
 * failure of the registry's (a subject with no schema to write with, a registry refusing to look
 * it up, a schema id a replica does not have yet) is the registry's state, not Kafka's: the pause
 * says `registry`, and ends when a publish goes through. A change that does not fit its schema is
 * dead-lettered before this (CL_ENCODE_INVALID), so every CL_SCHEMA_ code here is the registry's.
 */
export function publishOutage(err: unknown): PauseReason {
  if (isCloseloopError(err, 'CL_DEAD_LETTER_FAILED')) return 'dead-letter';
  const ofRegistry = isCloseloopError(err) && err.code.startsWith('CL_SCHEMA_');
  return registryOutage(err) || ofRegistry ? 'registry' : 'kafka';
}

/**
 * The fault of a page of `found` changes read after `given` whose cursor `next` is not past it.
 * Storing it would read the page again on every poll and publish its changes each time, so it is
 * a source fault, not a batch. (An empty page that keeps its cursor is an idle feed: never this.)
 */
export function cursorStuck(found: number, given: string | null, next: string): CloseloopError {
  const detail = `a page of ${found} changes after cursor ${shortCursor(given)} ended at cursor ${shortCursor(next)}`;
  return new CloseloopError(
    'CL_SOURCE_CURSOR_STUCK',
    `${detail}, which is not past it: storing it would read the same page again forever; nothing of it was published`,
    { details: { cursorDetail: detail } },
  );
}

/**
 * What a fenced source runner's pause says. The broker fences alike a producer whose transaction
 * outlived its timeout (a publish held up that long): no other worker then, so it names both,
 * and how long the publish took.
 */
export function fencedDetail(transactionalId: string, publishMs: number, waitMs: number): string {
  return (
    `another instance took transactional id ${transactionalId}, or a transaction of it outlived its timeout ` +
    `(the publish took ${seconds(publishMs)}); claiming it back within ${Math.ceil(waitMs / 1_000)} s`
  );
}

/** A duration as an operator reads it in a pause's detail: 0.4 s, 75 s. */
const seconds = (ms: number) => `${ms < 10_000 ? (ms / 1_000).toFixed(1) : Math.round(ms / 1_000)} s`;

/** A cursor as status and logs quote it: a long one (a JSON cursor) cut short. */
export function shortCursor(cursor: string | null): string {
  if (cursor === null) return '(the start)';
  const text = JSON.stringify(cursor);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The work's result, or null as soon as `signal` aborts (the runner stops): a poll held by a slow
 * or misbehaving system (a page that never answers, paging that does not end) must not hold
 * stop() with it. Its later answer or failure is dropped; nothing of it is published.
 */
export function unlessStopped<R>(signal: AbortSignal, work: Promise<R>): Promise<{ value: R } | null> {
  return new Promise((resolve, reject) => {
    const stopped = () => resolve(null);
    if (signal.aborted) stopped();
    signal.addEventListener('abort', stopped, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', stopped);
        resolve({ value });
      },
      (err: unknown) => {
        signal.removeEventListener('abort', stopped);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export interface HealthProbing {
  readonly health: () => Promise<Health>;
  readonly intervalMs: number;
  /** What the failure that paused the runner asked for (Retry-After), if anything. */
  readonly retryAfterMs: number | null;
  readonly signal: AbortSignal;
  /** The runner's own sleep, which its stop() and wake() end. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The probe answered with a Retry-After: the pause's detail says until when. */
  readonly onRetryAfter: (ms: number) => void;
}

/**
 * Waits, probing the source's health, until a probe passes or the runner stops. A system that
 * asked to be left alone (Retry-After, on the failure or on a probe) is probed no sooner; a
 * probe that throws counts as down.
 */
export async function probeUntilUp(p: HealthProbing): Promise<void> {
  let wait = probeDelay(p.intervalMs, p.retryAfterMs);
  while (!p.signal.aborted) {
    await p.sleep(wait);
    const probed = await unlessStopped(
      p.signal,
      p.health().catch((): Health => ({ status: 'down' })),
    );
    if (probed === null) return;
    const health = probed.value;
    if (health.status === 'up') return;
    wait = probeDelay(p.intervalMs, health.retryAfterMs);
    if (health.retryAfterMs !== undefined) p.onRetryAfter(health.retryAfterMs);
  }
}
