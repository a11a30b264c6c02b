import type { CloseloopConfig } from '../config/index.ts';
import type { AvroSerde, Messaging } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { CommitHook } from './task.ts';

/** What a LifecycleProcessor (processor.ts) is made of. */
export interface ProcessorOptions {
  readonly config: CloseloopConfig;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  readonly schemasDir: string;
  readonly clock?: () => number;
  /** Called around every transaction commit; fault injection for tests (see fault-hooks.ts). */
  readonly commitHook?: CommitHook;
  readonly metrics?: Metrics;
  /**
   * Awaited once everything is ready and before the consumer joins its group: processor threads
   * join together (see threads.ts), so that a start costs the group one rebalance, not one each.
   */
  readonly beforeJoin?: () => Promise<void>;
  /**
   * Whether start() moves ticket states to their key's partition first (place-states.ts); true
   * unless something did it for this start already (ThreadedProcessor, before its threads).
   */
  readonly placeStates?: boolean;
}
