import type { ErrorCode } from '../errors/index.ts';
import type { ConsumerHealth } from '../messaging/index.ts';
import type { MetricsSnapshot } from '../observability/metrics.ts';
import type { StuckTickets } from './stuck-tickets.ts';

/**
 * What the main thread and a processor thread (processor-thread.ts) say to each other. Plain
 * data only: messages are copied between threads by the structured-clone algorithm.
 */

/** What a thread is built from; the config is read again from its file, as it holds functions. */
export interface ThreadSetup {
  readonly index: number;
  readonly configFile: string;
  /** The environment the config was loaded with (its ${VAR} references and overrides). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly schemasDir: string;
  readonly logLevel: string;
  /** Whether the thread keeps the processor's metrics for the main thread to gather. */
  readonly metrics: boolean;
  /**
   * The routes a connector sink serves, as the main thread's config found them (policy.served):
   * a thread loads the file again without the connectors' checks, and without this would take
   * every route as served and send work no sink reads instead of quarantining NO_CONNECTOR.
   */
  readonly served: readonly string[] | null;
}

/** How often a thread reports its status unasked, besides at each assignment. */
export const STATUS_EVERY_MS = 500;

export type Method = 'expire' | 'timers' | 'metrics';

/** A thread's exit code after a clean stop; any other means the stop failed or it was lost. */
export const STOPPED = 0;

export interface ThreadStatus {
  readonly ready: boolean;
  readonly health: ConsumerHealth | null;
  readonly tickets: readonly (readonly [number, number])[];
  /** The partitions of its latest restored assignment, or null before the first one. */
  readonly partitions: readonly number[] | null;
  /** Counts assignments, so the main thread can tell a new one from a repeated report. */
  readonly assignments: number;
  /** The sentinel's alerts open in its tickets (bounded: see StuckTickets). */
  readonly stuck: StuckTickets | null;
}

export type { MetricsSnapshot };

export type ToThread =
  | { readonly type: 'call'; readonly id: number; readonly method: Method }
  /** Every thread is ready: join the group now, all together. */
  | { readonly type: 'join' }
  /** Stop the processor, then end the thread (exit code STOPPED, or 1 when the stop failed). */
  | { readonly type: 'stop' };

export type FromThread =
  /** Ready, and waiting for 'join'. */
  | { readonly type: 'prepared' }
  | { readonly type: 'started' }
  /** The start's error, with its catalogue code when it had one. */
  | { readonly type: 'start-failed'; readonly error: string; readonly code: ErrorCode | null }
  | { readonly type: 'status'; readonly status: ThreadStatus }
  /** Its metrics, with each status report when it keeps them: what stands for it once lost. */
  | { readonly type: 'metrics'; readonly snapshot: MetricsSnapshot }
  | { readonly type: 'reply'; readonly id: number; readonly value: number | MetricsSnapshot | null }
  | { readonly type: 'call-failed'; readonly id: number; readonly error: string };
