import {
  AggregatorRegistry,
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

/** Seconds: from a millisecond, as waits behind another record's call are often that short. */
const SINK_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * One exposition of a process's own registry with the metrics its worker threads keep (each a
 * Metrics without Node's defaults): series of the same name are added up, as prom-client's
 * AggregatorRegistry does for cluster workers, and a metric only the process keeps (Node's,
 * reachability, lag) is passed through as it is, whatever aggregator its maker chose for
 * clusters.
 */
export async function combinedMetrics(own: Registry, threads: readonly MetricsSnapshot[]): Promise<string> {
  const inThreads = new Set(threads.flatMap((t) => t.map((m) => m.name)));
  const mine = (await own.getMetricsAsJSON()).map((m) =>
    inThreads.has(m.name) ? m : { ...m, aggregator: 'first' as const },
  );
  return AggregatorRegistry.aggregate([mine, ...threads]).metrics();
}

/**
 * The bridge's Prometheus metrics. Labels carry topics, codes, departments and connector names
 * only: never a ticket id or anything about a citizen.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly recordsProcessed: Counter<'topic'>;
  readonly deadLetters: Counter<'topic' | 'code'>;
  readonly repartitioned: Counter<'topic'>;
  readonly quarantined: Counter<'kind'>;
  readonly stateUnreadable: Counter<'code'>;
  readonly alertRecordsUnreadable: Counter<'code'>;
  readonly stateTombstonesRefused: Counter;
  readonly prematureClosesBlocked: Counter<'department'>;
  readonly statusChanges: Counter;
  readonly slaBreaches: Counter<'target' | 'department'>;
  readonly deliverySeconds: Histogram<'connector'>;
  readonly sinkWaitSeconds: Histogram<'connector'>;
  readonly sinkSlotWaitSeconds: Histogram<'connector'>;
  readonly retries: Counter<'connector'>;
  readonly published: Counter<'connector'>;
  readonly sourceFenced: Counter<'connector'>;
  readonly sourceLeaseHeld: Gauge<'connector'>;
  readonly importedPassedOver: Counter<'connector'>;
  readonly notAccepted: Counter<'connector'>;
  readonly heldNewer: Counter<'connector'>;
  readonly paused: Gauge<'runner' | 'reason'>;
  readonly consumerFailing: Gauge<'consumer'>;
  readonly topicMismatch: Gauge<'topic'>;
  readonly brokerUp: Gauge;
  readonly registryUp: Gauge;
  readonly ticketsInState: Gauge;
  readonly stuckTickets: Gauge;
  readonly connectorSilent: Gauge;
  readonly sourceWarning: Gauge<'connector' | 'code'>;
  readonly deliveryExhausted: Gauge<'connector'>;
  readonly recordsSkipped: Counter<'consumer' | 'topic'>;
  readonly skippedUnacknowledged: Gauge<'consumer'>;
  readonly alerts: Counter;
  readonly sweepFailures: Counter<'sweep' | 'code'>;
  readonly consumerLag: Gauge<'group' | 'topic'>;
  readonly drift: Counter<'kind' | 'department'>;
  readonly reconcileFailed: Counter<'code'>;
  readonly statusUnreadable: Counter<'code'>;
  readonly reconcileUnanswered: Counter<'system' | 'code'>;
  readonly driftUnhealed: Gauge;

  constructor(options: { defaults?: boolean } = {}) {
    const r = [this.registry];
    if (options.defaults ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'closeloop_' });
    this.recordsProcessed = new Counter({
      name: 'closeloop_records_processed_total',
      help: 'Input records the processor committed.',
      labelNames: ['topic'],
      registers: r,
    });
    this.deadLetters = new Counter({
      name: 'closeloop_dead_letters_total',
      help: 'Records sent to a dead-letter topic.',
      labelNames: ['topic', 'code'],
      registers: r,
    });
    this.repartitioned = new Counter({
      name: 'closeloop_repartitioned_total',
      help: "Input records found on another partition than their key's, forwarded to the repartition topic.",
      labelNames: ['topic'],
      registers: r,
    });
    this.quarantined = new Counter({
      name: 'closeloop_quarantine_total',
      help: 'Quarantine records (unmapped codes, policy violations).',
      labelNames: ['kind'],
      registers: r,
    });
    this.stateUnreadable = new Counter({
      name: 'closeloop_state_records_unreadable_total',
      help: 'Changelog records a restore could not read and passed over (written there by something other than the processor).',
      labelNames: ['code'],
      registers: r,
    });
    this.alertRecordsUnreadable = new Counter({
      name: 'closeloop_alert_records_unreadable_total',
      help: 'Records on the alerts topic that are no alert (written there by something other than closeloop), passed over by the readers of the topic; each counted once per process.',
      labelNames: ['code'],
      registers: r,
    });
    this.stateTombstonesRefused = new Counter({
      name: 'closeloop_state_tombstones_refused_total',
      help: 'Changelog tombstones a restore passed over because they would forget a ticket the processor never forgets (open, or closed with a review pending): written by something other than the processor. The ticket keeps its state, which is written again.',
      registers: r,
    });
    this.prematureClosesBlocked = new Counter({
      name: 'closeloop_premature_closes_blocked_total',
      help: 'Department closes at an interim status that the bridge kept open.',
      labelNames: ['department'],
      registers: r,
    });
    this.statusChanges = new Counter({
      name: 'closeloop_status_changes_total',
      help: 'Versioned statuses produced for the CRM.',
      registers: r,
    });
    this.slaBreaches = new Counter({
      name: 'closeloop_sla_breaches_total',
      help: 'SLA targets (response, completion) flagged as missed, by the department holding the work.',
      labelNames: ['target', 'department'],
      registers: r,
    });
    this.deliverySeconds = new Histogram({
      name: 'closeloop_delivery_seconds',
      help: 'Time for a sink to deliver one record to its system, retries included.',
      labelNames: ['connector'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: r,
    });
    // The two waits before a sink's call, so that an operator can tell a ticket's own order
    // (statuses one after another: nothing to tune) from a maxInFlight set too low.
    const sinkWait = (name: string, help: string) =>
      new Histogram({ name, help, labelNames: ['connector'], buckets: SINK_WAIT_BUCKETS, registers: r });
    this.sinkWaitSeconds = sinkWait(
      'closeloop_sink_wait_seconds',
      "Time a record waits in a sink, from its batch's fetch to its delivery's start: behind its ticket's earlier records, for a free slot (maxInFlight), or in a pause.",
    );
    this.sinkSlotWaitSeconds = sinkWait(
      'closeloop_sink_slot_wait_seconds',
      "Time a ticket's records in a sink wait for a free slot of their partition, every one (maxInFlight) taken by other tickets; observed only when they wait.",
    );
    this.retries = new Counter({
      name: 'closeloop_retries_total',
      help: 'Retried calls to external systems.',
      labelNames: ['connector'],
      registers: r,
    });
    this.published = new Counter({
      name: 'closeloop_source_records_total',
      help: 'Records sources published.',
      labelNames: ['connector'],
      registers: r,
    });
    this.sourceFenced = new Counter({
      name: 'closeloop_source_fenced_total',
      help: "Times a source's transactional id was taken by a newer producer: another worker runs the same connector with the same cursor.",
      labelNames: ['connector'],
      registers: r,
    });
    this.sourceLeaseHeld = new Gauge({
      name: 'closeloop_source_lease_held',
      help: "1 while this worker holds the source's lease and runs it, 0 while it stands by (another worker of the installation runs it).",
      labelNames: ['connector'],
      registers: r,
    });
    this.importedPassedOver = new Counter({
      name: 'closeloop_sink_imported_passed_over_total',
      help: 'Records a sink passed over because they are imported history (origin import): the system has them already.',
      labelNames: ['connector'],
      registers: r,
    });
    this.heldNewer = new Counter({
      name: 'closeloop_sink_held_newer_total',
      help: 'Records counted as delivered that the system answered it holds a later version of: a few after a redelivery; a steady rise is a system ahead of the bridge (drift CRM_AHEAD).',
      labelNames: ['connector'],
      registers: r,
    });
    this.notAccepted = new Counter({
      name: 'closeloop_sink_not_accepted_total',
      help: "Records a sink passed over as not its own (another system's or department's commands on the topic it shares).",
      labelNames: ['connector'],
      registers: r,
    });
    this.paused = new Gauge({
      name: 'closeloop_paused',
      help: '1 while a runner is paused for the reason: operator, or an alarm (unavailable, credentials, endpoint, cursor, breaker, dead-letter, registry, kafka, fenced).',
      labelNames: ['runner', 'reason'],
      registers: r,
    });
    this.consumerFailing = new Gauge({
      name: 'closeloop_consumer_failing',
      help: '1 while a consumer (processor, <connector>-sink) has failed to join its group, take its assignment, fetch or handle batches for longer than its grace; readiness says what.',
      labelNames: ['consumer'],
      registers: r,
    });
    this.topicMismatch = new Gauge({
      name: 'closeloop_topic_mismatch',
      help: "1 while a co-partitioned topic's partition count differs from processor.partitions (CL_TOPIC_MISMATCH): the processor reads and writes nothing until they match (see the README, Changing the partition count).",
      labelNames: ['topic'],
      // Every processor thread watches the same topics: one topic is one alarm, not one per thread.
      aggregator: 'max',
      registers: r,
    });
    this.brokerUp = new Gauge({
      name: 'closeloop_broker_up',
      help: '1 when the last (cached) check reached the Kafka cluster, 0 when it did not.',
      registers: r,
    });
    this.registryUp = new Gauge({
      name: 'closeloop_schema_registry_up',
      help: '1 when the last (cached) check reached the schema registry, 0 when it did not.',
      registers: r,
    });
    this.stuckTickets = new Gauge({
      name: 'closeloop_stuck_tickets',
      help: 'Tickets with an open stuck-ticket alert, per reason and the department holding them (311 when none).',
      labelNames: ['reason', 'department'],
      registers: r,
    });
    this.connectorSilent = new Gauge({
      name: 'closeloop_connector_silent',
      help: '1 while a source with a declared cadence has returned no records for longer than its limit.',
      labelNames: ['connector'],
      registers: r,
    });
    this.sourceWarning = new Gauge({
      name: 'closeloop_source_warning',
      help: "1 while a source's last poll warned of the condition its error code names (CL_SOURCE_CLOCK_AHEAD, CL_SOURCE_DATE_UNREAD, CL_SOURCE_REASON_UNREAD, CL_SOURCE_CURSOR_FULL, CL_SOURCE_CURSOR_HELD, CL_SOURCE_CURSOR_BEHIND); readiness says what.",
      labelNames: ['connector', 'code'],
      registers: r,
    });
    this.deliveryExhausted = new Gauge({
      name: 'closeloop_delivery_exhausted',
      help: "Records a sink dead-lettered as CL_DELIVERY_EXHAUSTED (failing through maxDeliveryCycles pause cycles while the system's health probe passed) whose DELIVERY_EXHAUSTED alert is still open.",
      labelNames: ['connector'],
      registers: r,
    });
    this.recordsSkipped = new Counter({
      name: 'closeloop_records_skipped_total',
      help: "Offsets a consumer (processor, <connector>-sink) passed over because the broker no longer had them: deleted by retention before they were read (at most that many records). A position past a re-created topic's end counts none here; its RECORDS_SKIPPED alert says so.",
      labelNames: ['consumer', 'topic'],
      registers: r,
    });
    this.skippedUnacknowledged = new Gauge({
      name: 'closeloop_records_skipped_unacknowledged',
      help: 'RECORDS_SKIPPED alerts open (records a consumer skipped, not yet acknowledged with `closeloop alerts ack`), per consumer.',
      labelNames: ['consumer'],
      registers: r,
    });
    this.alerts = new Counter({
      name: 'closeloop_alerts_total',
      help: 'Alerts raised and cleared, per reason (STUCK_<STATE>, STATUS_UNCONFIRMED, WORK_ORDER_SILENT, EXPECTED_DATE_PASSED, CONNECTOR_SILENT, DELIVERY_EXHAUSTED, RECORDS_SKIPPED).',
      labelNames: ['reason', 'status'],
      registers: r,
    });
    this.sweepFailures = new Counter({
      name: 'closeloop_sweep_failures_total',
      help: "The processor's timer sweeps that failed for a task (sweep expiry or timers), and timer decisions or expired tickets' alert clearings that could not be written (sweep timer-decision or expiry-decision), per error code.",
      labelNames: ['sweep', 'code'],
      registers: r,
    });
    this.ticketsInState = new Gauge({
      name: 'closeloop_tickets_in_state',
      help: 'Tickets held in the processor state.',
      registers: r,
    });
    this.drift = new Counter({
      name: 'closeloop_drift_total',
      help: 'Reconciliation findings (a drift still there is found again by each run), per kind and the department holding the work (311 when none).',
      labelNames: ['kind', 'department'],
      registers: r,
    });
    this.reconcileFailed = new Counter({
      name: 'closeloop_reconcile_failed_total',
      help: 'Reconciliation runs that failed before they finished (the registry or Kafka out of reach), per error code; the next scheduled run starts again from the stored cursor.',
      labelNames: ['code'],
      registers: r,
    });
    this.statusUnreadable = new Counter({
      name: 'closeloop_status_records_unreadable_total',
      help: 'Records on the status topic that reconciliation could not read as a status and passed over as it looked for statuses to re-send (written there by something other than the processor).',
      labelNames: ['code'],
      registers: r,
    });
    this.driftUnhealed = new Gauge({
      name: 'closeloop_drift_unhealed',
      help: 'DRIFT_UNHEALED alerts open (drift reconciliation left for people), as the last reconciliation run of this process left them.',
      registers: r,
    });
    this.reconcileUnanswered = new Counter({
      name: 'closeloop_reconcile_unanswered_total',
      help: "Reconciliation lookups that went unanswered, so their item was not judged, per system ('crm' for the CRM) and code: the lookup's error code, HEALTH_NOT_UP (a miss not believed from a system not up), NO_LOOKUP (no connector serves the work order).",
      labelNames: ['system', 'code'],
      registers: r,
    });
    this.consumerLag = new Gauge({
      name: 'closeloop_consumer_lag',
      help: 'Records not yet consumed, per group and topic.',
      labelNames: ['group', 'topic'],
      registers: r,
    });
  }
}
