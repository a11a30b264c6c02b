import { isCloseloopError, retryAfterOf } from '../errors/index.ts';

/**
 * Why a runner is paused. Every reason but `operator` is an alarm: readiness names it, the
 * `closeloop_paused{runner,reason}` gauge shows it, and the runner resumes by itself once a
 * probe passes.
 * - `unavailable`: the system failed past the retry budget (5xx, time-outs), kept answering
 *   an update without applying it (CL_CONNECTOR_NOT_APPLIED), or refused a record while its
 *   health probe failed (a web tier's 404 while the system restarts).
 * - `credentials`: the system, or a proxy in front of it, refused the bridge's credentials (401,
 *   403, 407).
 * - `dead-letter`: a record could not be written to its dead-letter topic.
 * - `registry`: the schema registry could not be reached to decode a record, or, for a source,
 *   has no schema under the topic's subject to encode with (the processor not started yet).
 * - `kafka`: a source's records and cursor could not be written.
 * - `endpoint`: the system's API is not where the bridge calls it (a redirect, a 4xx to a
 *   collection query, a link outside the API root, a TLS failure: CL_CONNECTOR_MISDIRECTED).
 * - `cursor`: a source answered a page of changes with a cursor that does not move past the one
 *   it was given (CL_SOURCE_CURSOR_STUCK): storing it would read and publish the same page
 *   forever. Nothing of the page is published; the runner polls again each probe interval and
 *   resumes when a poll moves the cursor (or finds nothing new).
 * - `fenced`: a source's transactional id was taken by a newer producer: another worker runs the
 *   same connector with the same cursor (a rolling deploy's overlap, or a worker started twice).
 *   The runner stands aside for a while before it claims the id back (see SourceRunnerOptions).
 * - `breaker`: a sink dead-lettered a run of records with the same HTTP status; the one that
 *   would have been next is held until an operator resumes the connector (never by itself:
 *   a system that refuses everything answers its health probe all the same).
 */
export type PauseReason =
  | 'operator'
  | 'unavailable'
  | 'credentials'
  | 'endpoint'
  | 'cursor'
  | 'breaker'
  | 'dead-letter'
  | 'registry'
  | 'kafka'
  | 'fenced';

/** What a source or sink runner says of its running and pauses (the start of its status). */
export interface RunnerPauseStatus {
  readonly state: 'stopped' | 'running' | 'paused';
  /** Why it is paused (an alarm before an operator's pause when several hold); null otherwise. */
  readonly pausedBy: PauseReason | null;
  /** Every reason that holds right now. */
  readonly pauses: readonly PauseReason[];
  /** What more there is to say about pausedBy (a redirect's origin, the breaker's status), or null. */
  readonly pauseDetail: string | null;
}

export const PAUSE_REASONS: readonly PauseReason[] = [
  'operator',
  'unavailable',
  'credentials',
  'endpoint',
  'cursor',
  'breaker',
  'dead-letter',
  'registry',
  'kafka',
  'fenced',
];

/** Whether a failure is the schema registry out of reach or refusing closeloop: waited out as `registry`. */
export function registryOutage(err: unknown): boolean {
  return (
    isCloseloopError(err, 'CL_SCHEMA_REGISTRY_UNAVAILABLE') || isCloseloopError(err, 'CL_SCHEMA_REGISTRY_UNAUTHORIZED')
  );
}

/** The outage a failed call to a system means, or null when it is a data error of one record. */
export function outageReason(err: unknown): 'credentials' | 'endpoint' | 'unavailable' | null {
  if (isCloseloopError(err, 'CL_CONNECTOR_UNAUTHORIZED')) return 'credentials';
  if (isCloseloopError(err, 'CL_CONNECTOR_MISDIRECTED')) return 'endpoint';
  if (isCloseloopError(err) && err.retriable) return 'unavailable';
  return null;
}

/** The sink runner's error log line as it pauses, per outage. */
export const SINK_OUTAGE_LOG: Readonly<Record<'credentials' | 'endpoint' | 'unavailable', string>> = {
  credentials: 'the system refused our credentials; pausing until its health probe passes',
  endpoint:
    'the system is not where we call it (a redirect, a 4xx to the API, a TLS failure); pausing until its health probe passes',
  unavailable: 'retry budget spent, or the system asked to wait; pausing until it is healthy',
};

/** The sink runner's error log line as it pauses on a refusal met while the system's probe fails. */
export const REFUSED_WHILE_DOWN_LOG =
  'the system refused a record while its health probe fails; pausing as an outage rather than dead-lettering it';

/**
 * What an operator is to be told about an outage beyond its reason: where a redirect points (its
 * origin only), which status a call got, until when the system asked to be left alone
 * (Retry-After, from `now`), which ticket's update it answered but did not apply (both versions),
 * what a malformed answer was by its headers (details.malformed), the network's code when there
 * was no answer; null when nothing is known. Never a message, which could echo what the system
 * was sent.
 */
export function outageDetail(err: unknown, now = Date.now()): string | null {
  if (!isCloseloopError(err)) return null;
  const retryAfter = retryAfterOf(err);
  if (retryAfter !== null) return retryAfterDetail(err.details['httpStatus'], retryAfter, now);
  // The system is up and answering: say it declined, or readiness reads as an outage.
  if (err.code === 'CL_CONNECTOR_NOT_APPLIED') {
    const { ticketId, version, currentVersion } = err.details;
    return `ticket ${String(ticketId)} not applied: v${String(version)} sent, the system holds v${String(currentVersion)}`;
  }
  const link = err.details['outsideApiRoot'];
  if (typeof link === 'string') return `a link outside the API root: ${link}`;
  const code = err.details['errorCode'];
  if (err.details['tls'] === true && typeof code === 'string')
    return `TLS failure ${code}: check the system's certificate and the scheme and port of its base URL`;
  // What the SDK chose to tell an operator of a failure no status or code says (details.why).
  const why = err.details['why'];
  if (typeof why === 'string') return why;
  const malformed = err.details['malformed'];
  if (typeof malformed === 'string') return `malformed response: ${malformed}`;
  const status = err.details['httpStatus'];
  const to = err.details['redirectedTo'];
  // No HTTP answer: what the network said (ENOTFOUND, ECONNREFUSED, ETIMEDOUT), else nothing known.
  if (typeof status !== 'number') return typeof code === 'string' ? `no HTTP answer: ${code}` : null;
  if (typeof to === 'string') return `HTTP ${status} redirecting to ${to}`;
  if (err.code !== 'CL_CONNECTOR_MISDIRECTED') return `HTTP ${status}`;
  const type = err.details['contentType'];
  return typeof type === 'string'
    ? `HTTP ${status} in ${type}, from the web tier in front of the system rather than its API`
    : `HTTP ${status} to a call about the API`;
}

/** `HTTP 429: asked to retry after 2026-12-01T15:30:00.000Z`. */
export function retryAfterDetail(status: unknown, retryAfterMs: number, now: number): string {
  const at = new Date(now + retryAfterMs).toISOString();
  return `${typeof status === 'number' ? `HTTP ${status}: ` : ''}asked to retry after ${at}`;
}

/** The wait before a runner's next probe: its interval, or longer when the system asked so. */
export function probeDelay(intervalMs: number, retryAfterMs: number | null | undefined): number {
  return Math.max(intervalMs, retryAfterMs ?? 0);
}

/**
 * The reasons a runner is paused right now. Several can hold at once (one ticket waits for the
 * CRM while another waits for its dead-letter write), and the runner is running again only when
 * none does.
 */
export class PauseSet {
  readonly #active = new Map<PauseReason, number>();
  readonly #details = new Map<PauseReason, string>();

  /** `detail` (see outageDetail) replaces the reason's last one; it lasts while the reason holds. */
  enter(reason: PauseReason, detail: string | null = null): void {
    this.#active.set(reason, (this.#active.get(reason) ?? 0) + 1);
    if (detail !== null) this.#details.set(reason, detail);
  }

  leave(reason: PauseReason): void {
    const left = (this.#active.get(reason) ?? 0) - 1;
    if (left > 0) this.#active.set(reason, left);
    else {
      this.#active.delete(reason);
      this.#details.delete(reason);
    }
  }

  /** Replaces the detail of a reason that holds (a probe learnt something new). */
  describe(reason: PauseReason, detail: string): void {
    if (this.#active.has(reason)) this.#details.set(reason, detail);
  }

  /** What readiness shows after the reason, e.g. `HTTP 302 redirecting to https://sso.city.gov`. */
  detail(reason: PauseReason | null): string | null {
    return reason === null ? null : (this.#details.get(reason) ?? null);
  }

  /** The reason to show first: an alarm before an operator's pause, in PAUSE_REASONS order. */
  get reason(): PauseReason | null {
    return this.reasons().find((r) => r !== 'operator') ?? (this.#active.has('operator') ? 'operator' : null);
  }

  reasons(): PauseReason[] {
    return PAUSE_REASONS.filter((r) => this.#active.has(r));
  }
}
