import type { RetryPolicy } from '../errors/index.ts';
import type { AvroSerde, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Source, SourceWarning } from '../sdk/connector.ts';
import type { RunnerPauseStatus } from './pause.ts';

/** What a SourceRunner is given and what it reports; the runner itself is in source-runner.ts. */

export interface SourceRunnerOptions<T> {
  readonly connector: string;
  /** Identifies this source's cursor, e.g. "crm-rest:baltimore". */
  readonly cursorKey: string;
  readonly topic: string;
  readonly cursorTopic?: string;
  readonly source: Source<T>;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** The longest wait between polls, once the system has been quiet a while (default 1 s). */
  readonly pollIntervalMs?: number;
  /** The wait after a poll that found records; empty polls back off from it (default 25 ms). */
  readonly busyPollIntervalMs?: number;
  /** What each empty poll multiplies the wait by, up to pollIntervalMs (default 2). */
  readonly pollBackoff?: number;
  readonly retry?: RetryPolicy;
  readonly probeIntervalMs?: number;
  /**
   * How long a runner whose transactional id another worker took (`fenced`) waits before it
   * claims the id back (default 30 s): long enough for a rolling deploy's old instance to be
   * stopped, short enough that the feed moves on soon if the one that took it is gone.
   */
  readonly fencedRetryMs?: number;
  /**
   * While the source warns CL_SOURCE_CURSOR_BEHIND and its feed is idle, how often the runner
   * writes its cursor again to find out whether an operator moved it (which fences the runner;
   * default 10 s). Only then: otherwise an idle runner learns of a fence at its next publish.
   */
  readonly behindCheckMs?: number;
  readonly metrics?: Metrics;
}

export interface SourceRunnerStatus extends RunnerPauseStatus {
  readonly cursor: string | null;
  readonly published: number;
  /** Changes dead-lettered: unreadable ones (CL_SOURCE_RECORD_INVALID) and ones the schema refused. */
  readonly deadLettered: number;
  /** What the outage pausing it said (a failed poll or publish), so status shows why; null when none. */
  readonly error: string | null;
  /**
   * When this source last published records, as far as known (lastPublishedAt), else when the
   * runner started: what silence is measured from.
   */
  readonly lastRecordAt: number;
  /**
   * When records of this source were last published, by this runner or any instance before it:
   * the time stored with the cursor, read at start and at each claim, or this runner's own last
   * publish. Null when none is known (a new source, or every cursor so far moved past nothing).
   */
  readonly lastPublishedAt: number | null;
  /** Polls made since start, answered or not. */
  readonly polls: number;
  /** The wait before the next poll, as the last poll set it (see poll-pace.ts). */
  readonly pollDelayMs: number;
  /** What the last answered poll warned of (see SourceBatch.warnings); readiness lists them. */
  readonly warnings: readonly SourceWarning[];
}
