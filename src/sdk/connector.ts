import type { z } from 'zod';
import type { CloseloopError } from '../errors/index.ts';
import type { WorkOrderEvent } from '../domain/index.ts';
import type { ErrorCode } from '../errors/index.ts';
import type { Logger } from '../observability/logger.ts';

export interface Health {
  readonly status: 'up' | 'degraded' | 'down';
  readonly detail?: string;
  /** Down, and the system asked to be left alone this long (Retry-After): the next probe waits. */
  readonly retryAfterMs?: number;
}

export interface SourceRecord<T> {
  /** The CRM ticket id: every topic is keyed by it. */
  readonly key: string;
  readonly value: T;
  /**
   * Where the change sits in the system's feed ("seq 42"), as a RejectedRecord's position: the
   * dead letter's provenance should the value not fit the topic's schema after all. readChanges
   * sets it from the reader's position; without it such a dead letter names no position.
   */
  readonly position?: string;
}

/**
 * A change a source read but cannot turn into a record: it does not match the system's contract
 * for one change (a missing field, an enum value the connector does not know). The runner
 * dead-letters it to the topic's `.dlq` with its position and moves the cursor past it, so one
 * bad change never stops the feed. Build these with the SDK's readChanges(), which names the
 * record and the failing field in the error.
 */
export interface RejectedRecord {
  /** The change as the system sent it (parsed JSON): the dead letter's value, for a person to read. */
  readonly raw: unknown;
  /** A non-retriable CloseloopError (CL_SOURCE_RECORD_INVALID) naming the change and the field. */
  readonly error: CloseloopError;
  /** Where the change sits in the feed ("seq 42", a row stamp): the dead letter's provenance. */
  readonly position: string;
  /** Its ticket id when that much could be read, as the dead letter's key; null otherwise. */
  readonly key: string | null;
}

export interface SourceBatch<T> {
  readonly records: readonly SourceRecord<T>[];
  /**
   * The changes of this batch that could not be read, dead-lettered in the same transaction as
   * the records and the cursor. One such change is no reason to fail the poll: a poll fails
   * (throws) only when the page as a whole is not what the system promises (not JSON, no list of
   * changes), which no cursor move could get past.
   */
  readonly rejected?: readonly RejectedRecord[];
  /** Where the next poll starts. The runner stores it with the records, so a restart neither skips nor repeats. */
  readonly cursor: string;
  /**
   * The system has more after this batch right now (a full page): the runner polls again at
   * once instead of waiting. Leave it out when the system cannot tell; a full page then waits the
   * runner's busy interval.
   */
  readonly more?: boolean;
  /**
   * What an operator must see about this reading though the poll succeeded (a change dated far
   * ahead, a cursor that had to forget). The runner shows the last poll's warnings in its status,
   * readiness and `closeloop_source_warning`, so a source says them again on every poll for as
   * long as the cause lasts.
   */
  readonly warnings?: readonly SourceWarning[];
}

/** A condition a source reports with a poll; the code is from the error catalogue. */
export interface SourceWarning {
  readonly code: ErrorCode;
  /** What is wrong, naming the item and what to check. */
  readonly detail: string;
}

/**
 * A source reads what changed in an external system. Pausing, resuming, stopping and storing the
 * cursor are the runner's job; a source only answers polls.
 */
export interface Source<T> {
  /**
   * What changed after `cursor` (null: from the beginning). An empty batch means nothing new.
   * A batch that holds changes must end at a cursor past `cursor`: the runner refuses one whose
   * cursor is the one given (or, see cursorAdvances, not past it), since storing it would read and
   * publish the same page forever. `signal` aborts when the runner stops: a source that reads
   * several pages checks it between them.
   */
  poll(cursor: string | null, signal?: AbortSignal): Promise<SourceBatch<T>>;
  /**
   * Whether `next` lies past `given` (null: the start) in the feed, for a source whose cursors
   * are ordered (a sequence, a watermark; see sequenceAdvances). Without it the runner can only
   * tell a cursor that did not change at all, not one that went back. The runner also asks it the
   * other way round, whether the stored cursor lies past an empty page's: the system's feed went
   * back (restored from a backup), which it reports as CL_SOURCE_CURSOR_BEHIND.
   */
  cursorAdvances?(given: string | null, next: string): boolean;
  health(): Promise<Health>;
  stop?(): Promise<void>;
}

/**
 * A sink applies records to an external system, one at a time and in order per key. Delivery is
 * at least once, so deliver() must be idempotent (the CRM's version, the command id).
 * Throw the CloseloopErrors of classifyHttpError: retriable ones are retried and then pause the
 * sink, refused credentials and a misdirected API (a redirect, a 4xx to a call marked about the
 * API) pause it at once; the others dead-letter the record, until a run of them with one HTTP
 * status trips the runner's breaker.
 */
export interface Sink<T> {
  /**
   * Whether this record is for this sink (a department sink takes the commands of its own
   * system only). Records it does not accept are passed over, not dead-lettered: the runner
   * counts them (closeloop_sink_not_accepted_total) and logs their ticket and work order at debug.
   */
  accepts?(record: T): boolean;
  /**
   * `signal` aborts when the runner stops: a sink that waits (for a save to land) or calls out
   * (pass it to the HttpClient's calls) ends then, throwing anything; the runner neither counts
   * nor dead-letters the record, which the partition's next owner delivers again.
   */
  deliver(record: T, signal?: AbortSignal): Promise<void>;
  health(): Promise<Health>;
  stop?(): Promise<void>;
}

/** What the CRM holds for a ticket right now, as a lookup reads it. */
export interface TicketObservation {
  readonly ticketId: string;
  readonly status: 'open' | 'closed';
  /**
   * The last status version the CRM applied from the bridge. An agent's own edit does not change
   * it, so a ticket closed at a version the bridge wrote as open was closed by hand.
   */
  readonly statusVersion: number;
  readonly lifecycleState: string | null;
  readonly closureReason: string | null;
  /** When the CRM last changed the ticket, by anyone; null when the system does not say. */
  readonly updatedAt: number | null;
}

/** The work order a lookup is asked about, as the bridge knows it. */
export interface WorkOrderRef {
  readonly workOrderId: string;
  readonly ticketId: string;
  readonly department: string;
  readonly system: string;
}

/**
 * A lookup reads one item's current state from an external system, for reconciliation: events
 * get lost, agents close tickets by hand, systems are restored from backups, jobs are deleted,
 * and only asking the system shows it. It is one concept for both sides, so a connector answers
 * for what it knows: a CRM connector implements `ticket`, a department connector `workOrder`.
 *
 * - null means the system does not know the item (a 404): it is missing, which is drift to heal,
 *   not a failure. Anything else that goes wrong throws the CloseloopErrors of classifyHttpError
 *   (retriable for an outage), so an outage is never mistaken for a deleted item.
 * - A work order comes back in the canonical shape its source emits, with the system's raw
 *   status code, so the processor takes it like any other event; its envelope has origin
 *   RECONCILE_ORIGIN and no sequence, since it is an observation, not a position in the feed.
 * - health() is a real call, as for sources and sinks: check it before trusting a miss, since a
 *   wrong base URL would otherwise make every item look deleted.
 */
export interface Lookup {
  ticket?(ticketId: string): Promise<TicketObservation | null>;
  /** Refuses (CL_CONNECTOR_REJECTED) a work order of a route the connector does not serve. */
  workOrder?(ref: WorkOrderRef): Promise<WorkOrderEvent | null>;
  health(): Promise<Health>;
  stop?(): Promise<void>;
}

export interface ConnectorContext {
  readonly logger: Logger;
  /** Credentials come from here, never from config files. */
  readonly env: NodeJS.ProcessEnv;
  readonly clock: () => number;
  /**
   * A sink tells of a record it counts as delivered though the system answered that it holds a
   * later version (a CRM at a higher status version): after a redelivery (a restart, a
   * rebalance) a status sent before; otherwise a system ahead of the bridge, dropping its
   * statuses as repeats (reconciliation's CRM_AHEAD). The worker counts it in
   * closeloop_sink_held_newer_total{connector}, so that shows between reconciliation runs.
   */
  readonly heldNewer?: () => void;
}

/** A connector declares its config once, as a zod schema: defaults, validation and docs. */
export interface ConnectorDefinition<Config extends z.ZodType, In, Out> {
  readonly name: string;
  readonly description: string;
  readonly config: Config;
  /** The bridge topic the source publishes to and the one the sink consumes. */
  readonly sourceTopic?: 'crmEvents' | 'deptEvents';
  readonly sinkTopic?: 'status' | 'commands';
  /**
   * The department routes (system and department) this connector's sink delivers commands for.
   * Config validation refuses a route no running connector serves, and the processor
   * quarantines a command for one (NO_CONNECTOR) instead of sending it where nothing reads it.
   */
  readonly serves?: (config: z.infer<Config>) => readonly { system: string; department: string }[];
  /** Environment variables the connector needs (credentials); a missing one is a start-up error. */
  readonly credentials?: (config: z.infer<Config>) => readonly string[];
  readonly source?: (config: z.infer<Config>, ctx: ConnectorContext) => Source<Out>;
  /**
   * What is wrong with a cursor an operator would store for this source (`closeloop source cursor
   * --set`), or null when the source can read it: a cursor it cannot read would stop its feed,
   * each poll failing as if the system were down. Without it, any cursor is stored as given.
   */
  readonly cursorProblem?: (cursor: string) => string | null;
  readonly sink?: (config: z.infer<Config>, ctx: ConnectorContext) => Sink<In>;
  /** Reads single items for reconciliation; see Lookup. */
  readonly lookup?: (config: z.infer<Config>, ctx: ConnectorContext) => Lookup;
}

export function defineConnector<Config extends z.ZodType, In = never, Out = never>(
  definition: ConnectorDefinition<Config, In, Out>,
): ConnectorDefinition<Config, In, Out> {
  return definition;
}
