import { isCloseloopError } from '../errors/index.ts';

/**
 * Why a runner is paused. Every reason but `operator` is an alarm: readiness names it, the
 * `closeloop_paused{runner,reason}` gauge shows it, and the runner resumes by itself once a
 * probe passes.
 * - `unavailable`: the system failed past the retry budget (5xx, time-outs).
 * - `credentials`: the system refused the bridge's credentials (401, 403).
 * - `dead-letter`: a record could not be written to its dead-letter topic.
 * - `registry`: the schema registry could not be reached to decode a record.
 * - `kafka`: a source's records and cursor could not be written.
 */
export type PauseReason = 'operator' | 'unavailable' | 'credentials' | 'dead-letter' | 'registry' | 'kafka';

export const PAUSE_REASONS: readonly PauseReason[] = [
  'operator',
  'unavailable',
  'credentials',
  'dead-letter',
  'registry',
  'kafka',
];

/** The outage a failed call to a system means, or null when it is a data error of one record. */
export function outageReason(err: unknown): 'credentials' | 'unavailable' | null {
  if (isCloseloopError(err, 'CL_CONNECTOR_UNAUTHORIZED')) return 'credentials';
  if (isCloseloopError(err) && err.retriable) return 'unavailable';
  return null;
}

/**
 * The reasons a runner is paused right now. Several can hold at once (one ticket waits for the
 * CRM while another waits for its dead-letter write), and the runner is running again only when
 * none does.
 */
export class PauseSet {
  readonly #active = new Map<PauseReason, number>();

  enter(reason: PauseReason): void {
    this.#active.set(reason, (this.#active.get(reason) ?? 0) + 1);
  }

  leave(reason: PauseReason): void {
    const left = (this.#active.get(reason) ?? 0) - 1;
    if (left > 0) this.#active.set(reason, left);
    else this.#active.delete(reason);
  }

  /** The reason to show first: an alarm before an operator's pause, in PAUSE_REASONS order. */
  get reason(): PauseReason | null {
    return this.reasons().find((r) => r !== 'operator') ?? (this.#active.has('operator') ? 'operator' : null);
  }

  reasons(): PauseReason[] {
    return PAUSE_REASONS.filter((r) => this.#active.has(r));
  }
}
