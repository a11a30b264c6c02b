import type { z } from 'zod';
import type { Logger } from '../observability/logger.ts';

export interface Health {
  readonly status: 'up' | 'degraded' | 'down';
  readonly detail?: string;
}

export interface SourceRecord<T> {
  /** The CRM ticket id: every topic is keyed by it. */
  readonly key: string;
  readonly value: T;
}

export interface SourceBatch<T> {
  readonly records: readonly SourceRecord<T>[];
  /** Where the next poll starts. The runner stores it with the records, so a restart neither skips nor repeats. */
  readonly cursor: string;
}

/**
 * A source reads what changed in an external system. Pausing, resuming, stopping and storing the
 * cursor are the runner's job; a source only answers polls.
 */
export interface Source<T> {
  /** What changed after `cursor` (null: from the beginning). An empty batch means nothing new. */
  poll(cursor: string | null): Promise<SourceBatch<T>>;
  health(): Promise<Health>;
  stop?(): Promise<void>;
}

/**
 * A sink applies records to an external system, one at a time and in order per key. Delivery is
 * at least once, so deliver() must be idempotent (the CRM's version, the command id).
 * Throw the CloseloopErrors of classifyHttpError: retriable ones are retried and then pause the
 * sink; the others dead-letter the record.
 */
export interface Sink<T> {
  /**
   * Whether this record is for this sink (a department sink takes the commands of its own
   * system only). Records it does not accept are passed over, not dead-lettered.
   */
  accepts?(record: T): boolean;
  deliver(record: T): Promise<void>;
  health(): Promise<Health>;
  stop?(): Promise<void>;
}

export interface ConnectorContext {
  readonly logger: Logger;
  /** Credentials come from here, never from config files. */
  readonly env: NodeJS.ProcessEnv;
  readonly clock: () => number;
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
  readonly sink?: (config: z.infer<Config>, ctx: ConnectorContext) => Sink<In>;
}

export function defineConnector<Config extends z.ZodType, In = never, Out = never>(
  definition: ConnectorDefinition<Config, In, Out>,
): ConnectorDefinition<Config, In, Out> {
  return definition;
}
