import type { CloseloopConfig } from '../config/index.ts';
import { accountableFor, BRIDGE_ORIGIN, type AlertRecord } from '../domain/index.ts';
import { messageOf } from '../errors/index.ts';
import {
  describeSkipped,
  subjectForTopic,
  type AvroSerde,
  type ConsumerHealth,
  type Messaging,
  type MessageProducer,
  type SkippedRecords,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ALERTS_REFRESH_MS, openAlerts, SKIPPED_REASON } from '../ops/index.ts';

/** A consumer of this process whose skips are alerted. */
export interface WatchedConsumer {
  /** As the metrics name it: `processor`, `<connector>-sink`. */
  readonly consumer: string;
  /** The sink's connector; null for the processor. */
  readonly connector: string | null;
  /** The departments whose work it carries; none for the processor (311 answers for it). */
  readonly departments: readonly string[];
  health(): ConsumerHealth | null | undefined;
}

/** How long stop() waits for its last write of the alerts raised (see stop). */
export const STOP_WRITE_MS = 5_000;

/** How often, while alerts are open, the topic is read again to learn of acknowledgements. */
export const ACK_REFRESH_MS = ALERTS_REFRESH_MS;

const alertIdOf = (consumer: string, s: SkippedRecords) =>
  `${consumer}|${SKIPPED_REASON}|${s.topic}/${s.partition}@${s.from}`;
const consumerOf = (alertId: string) => alertId.split('|')[0] ?? '?';

/**
 * Raises RECORDS_SKIPPED on the alerts topic for every skip a consumer's health shows (the
 * consumer logged it already, and its owner counted it in closeloop_records_skipped_total). The
 * open ones are readiness reasons and closeloop_records_skipped_unacknowledged, until an operator
 * acknowledges one (`closeloop alerts ack`, which writes its clearing): records the broker no
 * longer has never come back, so no later event can end the condition, and an alert that ended
 * by itself, or with a restart, would leave the loss as silent as before. Open ones are read
 * back from the topic at start, and again every ACK_REFRESH_MS while any is open.
 */
export class SkippedWatch {
  readonly #consumers: WatchedConsumer[];
  /** The alert envelope's source: the process that raises it. */
  readonly #source: string;
  readonly #config: CloseloopConfig;
  readonly #messaging: Messaging;
  readonly #serde: AvroSerde;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #open = new Map<string, AlertRecord>();
  /** Alert ids raised or acknowledged since start: a skip still in a consumer's health is not raised twice. */
  readonly #seen = new Set<string>();
  #unwritten: AlertRecord[] = [];
  #producer: MessageProducer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #refreshedAt = 0;
  #checking: Promise<void> = Promise.resolve();
  /** Checks queued or running: a tick while one is (a send waiting on an unreachable broker) is skipped. */
  #pending = 0;

  constructor(o: {
    consumers: readonly WatchedConsumer[];
    source?: string;
    config: CloseloopConfig;
    messaging: Messaging;
    serde: AvroSerde;
    metrics: Metrics;
    logger: Logger;
  }) {
    this.#consumers = [...o.consumers];
    this.#source = o.source ?? 'closeloop-worker';
    this.#config = o.config;
    this.#messaging = o.messaging;
    this.#serde = o.serde;
    this.#metrics = o.metrics;
    this.#log = o.logger.child({ component: 'skipped-watch' });
  }

  /** Watches one more consumer (a worker's sink, next to the processor's): one watch, one producer. */
  add(consumer: WatchedConsumer): void {
    this.#consumers.push(consumer);
  }

  async start(intervalMs: number): Promise<void> {
    await this.#refresh(Date.now());
    this.#producer = this.#messaging.producer();
    await this.#producer.connect();
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Stopped after the consumers (their owners stop them first), it makes a last check: a skip
   * since the last tick, or an alert a flaky Kafka left unwritten, is written now or never, for
   * the consumer has committed past it and will not meet it again. Bounded by `writeWithinMs`;
   * what is still unwritten then is logged at error level with its alert ids.
   */
  async stop(writeWithinMs = STOP_WRITE_MS): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const producer = this.#producer;
    if (!producer) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), writeWithinMs)));
    const last = this.check(Date.now()).then(() => 'written' as const);
    const outcome = await Promise.race([last, late]);
    clearTimeout(timer);
    if (this.#unwritten.length > 0) {
      this.#log.error(
        { alertIds: this.#unwritten.map((a) => a.alertId), code: 'CL_RECORDS_SKIPPED', outcome },
        'records-skipped alerts not written before the stop',
      );
    }
    this.#producer = null;
    await producer.disconnect();
  }

  /** The open alerts, one readiness reason each, naming the alert id to acknowledge. */
  reasons(): string[] {
    this.collect();
    return [...this.#open.values()].map((a) => {
      const consumer = consumerOf(a.alertId);
      const what = a.detail.startsWith(`${consumer}: `) ? a.detail.slice(consumer.length + 2) : a.detail;
      const who = consumer.replace(/-sink$/, ' sink');
      return `${who} records skipped: ${what} (alert ${a.alertId}; acknowledge with closeloop alerts ack once dealt with)`;
    });
  }

  /** Takes in the skips the consumers' health shows that have no alert yet; written by check(). */
  collect(now = Date.now()): void {
    for (const c of this.#consumers) {
      for (const s of c.health()?.skipped ?? []) {
        const alertId = alertIdOf(c.consumer, s);
        if (this.#seen.has(alertId) || this.#open.has(alertId)) continue;
        this.#seen.add(alertId);
        const a = this.#record(c, alertId, s, now);
        this.#open.set(alertId, a);
        this.#unwritten.push(a);
        this.#metrics.alerts.inc({ reason: SKIPPED_REASON, status: 'RAISED' });
        this.#log.error({ alertId, consumer: c.consumer, code: 'CL_RECORDS_SKIPPED' }, 'records skipped: alert raised');
      }
    }
    this.#gauge();
  }

  // Queued behind a check still running, every tick would add one more for as long as Kafka
  // hangs, each trying the send again, and all run in a burst once it answers.
  #tick(): void {
    if (this.#pending === 0) void this.check(Date.now());
  }

  /** Raises what collect() found, and (every ACK_REFRESH_MS, or when `refresh`) learns of acknowledgements. */
  check(now: number, options: { refresh?: boolean } = {}): Promise<void> {
    const run = async () => {
      this.collect(now);
      await this.#write();
      if (this.#unwritten.length > 0 || this.#open.size === 0) return;
      if (options.refresh || now - this.#refreshedAt >= ACK_REFRESH_MS) await this.#refresh(now);
    };
    // One check at a time: a refresh must not meet a raise half written.
    this.#pending += 1;
    this.#checking = this.#checking
      .then(run)
      .catch((err: unknown) => {
        // Kafka unreachable: readiness already says so; the alerts stay open here and are written next time.
        this.#log.warn({ error: messageOf(err) }, 'skipped-records alerts could not be written or read');
      })
      .finally(() => {
        this.#pending -= 1;
      });
    return this.#checking;
  }

  async #write(): Promise<void> {
    if (this.#unwritten.length === 0 || !this.#producer) return;
    const topic = this.#config.topics.alerts;
    const subject = subjectForTopic(topic);
    const batch = this.#unwritten;
    const records = await Promise.all(
      batch.map(async (a) => ({ key: a.alertId, value: await this.#serde.encode(subject, a) })),
    );
    await this.#producer.send(topic, records);
    this.#unwritten = this.#unwritten.filter((a) => !batch.includes(a));
  }

  /** The open RECORDS_SKIPPED alerts as the topic has them: acknowledged ones drop out, other workers' come in. */
  async #refresh(now: number): Promise<void> {
    const admin = this.#messaging.admin();
    await admin.connect();
    try {
      const report = { log: this.#log, metrics: this.#metrics };
      const open = (await openAlerts(this.#messaging, admin, this.#serde, this.#config.topics.alerts, report)).filter(
        (a) => a.reason === SKIPPED_REASON,
      );
      const ids = new Set(open.map((a) => a.alertId));
      for (const id of [...this.#open.keys()]) {
        if (ids.has(id) || this.#unwritten.some((a) => a.alertId === id)) continue;
        this.#open.delete(id);
        this.#metrics.alerts.inc({ reason: SKIPPED_REASON, status: 'CLEARED' });
        this.#log.info({ alertId: id }, 'records-skipped alert acknowledged');
      }
      for (const a of open) {
        this.#seen.add(a.alertId);
        this.#open.set(a.alertId, a);
      }
      this.#refreshedAt = now;
    } finally {
      await admin.disconnect();
    }
    this.#gauge();
  }

  // Every process reads every open alert back (a restarted or other instance's are as open), so
  // each reports the same figure: the README says to aggregate it with max.
  #gauge(): void {
    const counts = new Map(this.#consumers.map((c) => [c.consumer, 0]));
    for (const id of this.#open.keys()) counts.set(consumerOf(id), (counts.get(consumerOf(id)) ?? 0) + 1);
    for (const [consumer, n] of counts) this.#metrics.skippedUnacknowledged.set({ consumer }, n);
  }

  #record(c: WatchedConsumer, alertId: string, s: SkippedRecords, now: number): AlertRecord {
    const department = c.departments[0] ?? null;
    return {
      envelope: {
        eventId: `${alertId}|${s.at}|raised`,
        jurisdiction: this.#config.jurisdiction,
        source: this.#source,
        sequence: null,
        occurredAt: now,
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId,
      reason: SKIPPED_REASON,
      status: 'RAISED',
      ticketId: null,
      connector: c.connector,
      department,
      accountable: accountableFor(this.#config.policy, department),
      since: s.at,
      detail: `${c.consumer}: ${describeSkipped(s)}`,
    };
  }
}
