import type { FaultSettings, WebhookTarget } from '../../src/sdk/index.ts';
import type { LockAnswer } from './simulator-locks.ts';

/** What a CrmSimulator is started with: all optional, each off or at its default when left out. */
export interface CrmSimulatorOptions {
  readonly faults?: Partial<FaultSettings>;
  readonly seed?: number;
  readonly clock?: () => number;
  /** Bearer token the integration API requires; none when undefined. */
  readonly token?: string;
  /** Called (POST, no data) after new changes reach the feed; also `PUT /_sim/webhook`. */
  readonly webhook?: WebhookTarget;
  /**
   * 'head': every page answers the feed's latest seq as its nextCursor, as some CRMs do, also a
   * page cut at its limit. Default 'page': the seq of the page's last change.
   */
  readonly nextCursor?: 'page' | 'head';
  /** The ticket view leaves out fields that are empty (null), as Open311-style JSON does. */
  readonly omitEmptyFields?: boolean;
  /** A repeat (a version the ticket holds already) is answered 409, as some CRMs answer it. */
  readonly repeatConflict?: boolean;
  /** How an update to a ticket an agent holds open is answered (see LockAnswer); default 'declined'. */
  readonly lockAnswer?: LockAnswer;
  /** A Retry-After, in seconds, on that answer; none when undefined. */
  readonly lockRetryAfterSeconds?: number;
  /** The longest status or closure note it keeps: a longer one is refused 422, as a column refuses it. */
  readonly noteLength?: number;
  /**
   * Share of changes (0..1, seeded; default 0) whose transaction commits `commitLagMs` after the
   * save that numbered it, as in a feed that is an outbox table (see ChangeLog); `commitLate()`
   * makes the next ones so.
   */
  readonly lateCommitRate?: number;
  /** How long after its save a late change commits (default 10 s). */
  readonly commitLagMs?: number;
}
