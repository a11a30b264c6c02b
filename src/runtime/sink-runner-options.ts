import type { RetryPolicy } from '../errors/index.ts';
import type { ConsumerHealth, Messaging, AvroSerde } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Sink } from '../sdk/connector.ts';
import type { DeliveryAlertSettings, ExhaustedDelivery } from './exhausted.ts';
import type { RunnerPauseStatus } from './pause.ts';

/** What a SinkRunner is given and what it reports; the runner itself is in sink-runner.ts. */

export interface SinkRunnerOptions<T> {
  readonly connector: string;
  readonly topic: string;
  /** The full name of the topic's record; a record written with another schema is dead-lettered. */
  readonly recordName?: string;
  readonly groupId: string;
  readonly sink: Sink<T>;
  readonly messaging: Messaging;
  readonly serde: AvroSerde;
  readonly logger: Logger;
  /** Tries per record before the runner pauses and waits for the system to be healthy. */
  readonly retry?: RetryPolicy;
  readonly probeIntervalMs?: number;
  readonly metrics?: Metrics;
  /** Tickets delivered at once per partition (default 1); one ticket's records always go one after another. */
  readonly maxInFlight?: number;
  /** Partitions whose batches are delivered side by side (default 1). */
  readonly partitionsConcurrently?: number;
  /**
   * Batches of one partition in hand at once (default 4): a ticket's update in a newer batch
   * need not wait for another ticket's long chain in an older one. Offsets still commit in order.
   */
  readonly batchesPerPartition?: number;
  /**
   * Where receipts of delivered and dead-lettered records go (bridge.deliveries.v1), so the
   * processor knows what the system has confirmed; none are written when absent.
   */
  readonly receiptsTopic?: string;
  /** How long its consumer's trouble lasts before it reports failing (see ConsumerHealth). */
  readonly failingAfterMs?: number;
  /**
   * Pause cycles (retry budget spent, paused until health passes, tried again) one record may
   * take before it is dead-lettered as CL_DELIVERY_EXHAUSTED with an alert (default 10).
   */
  readonly maxDeliveryCycles?: number;
  /** Where DELIVERY_EXHAUSTED alerts are written; without it they show in status() only. */
  readonly alerts?: DeliveryAlertSettings;
  /** How often the alerts topic is read again for other workers' alerts and clearings (default 30 s; see DeliveryAlerts). */
  readonly alertsRefreshMs?: number;
  /** Tickets dead-lettered in a row with one HTTP status before it pauses (default 5; see RejectionBreaker). */
  readonly breakAfterSameStatus?: number;
}

export interface SinkRunnerStatus extends RunnerPauseStatus {
  readonly delivered: number;
  readonly deadLettered: number;
  readonly retries: number;
  /** Imported history (origin import) not delivered: the system knows it already. */
  readonly passedOver: number;
  /** Records its sink does not accept (Sink.accepts): for another connector reading the same topic. */
  readonly notAccepted: number;
  /** Its consumer's health; null while stopped. */
  readonly consumer: ConsumerHealth | null;
  /** Records dead-lettered after maxDeliveryCycles whose alert is open (until they are delivered). */
  readonly exhausted: readonly ExhaustedDelivery[];
}
