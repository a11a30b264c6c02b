import { BRIDGE_ORIGIN, type AlertRecord } from '../domain/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import { subjectForTopic, type AvroSerde, type Messaging, type MessageProducer } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { ALERTS_REFRESH_MS, openAlerts } from '../ops/index.ts';
import { clearingOf, DeliveredTickets, statusVersion } from './delivered-tickets.ts';

/** A record a sink gave up on, as readiness and `status()` show it. */
export interface ExhaustedDelivery {
  readonly ticketId: string;
  /** The command id of a work-order command, `v<version>` of a ticket status. */
  readonly subject: string;
  /** How many cycles and its last error: the code and any HTTP status, never a message. */
  readonly detail: string;
  readonly since: number;
}

/** Where a sink runner raises DELIVERY_EXHAUSTED alerts (bridge.alerts.v1), and for whom. */
export interface DeliveryAlertSettings {
  readonly topic: string;
  readonly jurisdiction: string;
  /** Who answers for a department's work, or for the 311 side (department null). */
  accountable(department: string | null): string | null;
}

/**
 * Whether a record is a ticket's status (it has a version and no command id). A status dead-
 * lettered for any reason leaves the CRM showing an older one, so it always raises an alert; a
 * command does so only when given up on (a refused one leaves its ticket where the sentinel
 * watches it: a CREATE never made keeps it ROUTED).
 */
export function isTicketStatus(value: unknown): boolean {
  const v = (value ?? {}) as { commandId?: unknown; version?: unknown };
  return typeof v.version === 'number' && typeof v.commandId !== 'string';
}

/** What a record says of itself: the ticket, the command or status version, its department. */
export function identifyRecord(
  ticketId: string,
  value: unknown,
): { ticketId: string; subject: string; department: string | null } {
  const v = (value ?? {}) as { commandId?: unknown; version?: unknown; department?: unknown };
  const subject = typeof v.commandId === 'string' ? v.commandId : typeof v.version === 'number' ? `v${v.version}` : '';
  return { ticketId, subject, department: typeof v.department === 'string' ? v.department : null };
}

/** The code and HTTP status of an error: what may be shown without echoing what was sent. */
export function errorSummary(err: unknown): string {
  if (!isCloseloopError(err)) return 'unknown';
  const status = err.details['httpStatus'];
  const network = err.details['errorCode'];
  return [err.code, typeof status === 'number' ? `HTTP ${status}` : typeof network === 'string' ? network : null]
    .filter(Boolean)
    .join(' ');
}

type OpenDelivery = ExhaustedDelivery & { department: string | null };

/** How long stop() waits for a read of the alerts topic under way. */
const STOP_WAIT_MS = 5_000;

/**
 * The DELIVERY_EXHAUSTED alerts of one sink: each names a ticket whose record was dead-lettered
 * after failing through every pause cycle while the system looked healthy. The alert stays open,
 * in readiness, `closeloop_delivery_exhausted{connector}` and `closeloop alerts list`, until that
 * very record (same ticket and command id or version) is delivered, which a replay of its dead
 * letter does once the cause is fixed, or, for a status, a newer status of its ticket, delivered
 * or dead-lettered in turn (whose alert then stands for it); or until an operator acknowledges it
 * (`closeloop alerts ack`).
 *
 * Sinks share a consumer group, so the record may be delivered by another worker than the one
 * that gave it up, and a worker started later must not take back an alert cleared meanwhile.
 * So each follows the alerts topic: it reads the open alerts of its connector at start, at each
 * assignment of partitions (before their records are delivered) and every `refreshMs` (when the
 * topic has new records), taking in the ones other workers raised and dropping the ones cleared
 * elsewhere. Whoever delivers the record then clears the alert; one learned only after this
 * process delivered its record is cleared as soon as it is learned (see DeliveredTickets). Every
 * worker thus shows the same open alerts of the connector.
 */
export class DeliveryAlerts {
  readonly #connector: string;
  readonly #settings: DeliveryAlertSettings | null;
  readonly #metrics: Metrics | undefined;
  readonly #log: Logger;
  readonly #messaging: Messaging;
  readonly #serde: AvroSerde;
  readonly #refreshMs: number;
  readonly #open = new Map<string, OpenDelivery>();
  /** Raisings and clearings this process could not write, the latest per alert; tried again at each refresh. */
  readonly #unwritten = new Map<string, { entry: OpenDelivery; status: AlertRecord['status']; seq: number }>();
  /** Numbers each raising and clearing, so only the latest of an alert is written again. */
  #writes = 0;
  readonly #latest = new Map<string, number>();
  readonly #deliveredHere = new DeliveredTickets();
  /** Alert ids raised or cleared here while a read of the topic is under way: what it read is older. */
  #touched: Set<string> | null = null;
  /** The topic's end offsets at the last read: unchanged, there is nothing new to read. */
  #marks: string | null = null;
  #producer: MessageProducer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> = Promise.resolve();
  #pending = 0;
  #stopped = false;

  constructor(o: {
    connector: string;
    settings?: DeliveryAlertSettings;
    metrics?: Metrics;
    logger: Logger;
    messaging: Messaging;
    serde: AvroSerde;
    refreshMs?: number;
  }) {
    this.#connector = o.connector;
    this.#settings = o.settings ?? null;
    this.#metrics = o.metrics;
    this.#log = o.logger;
    this.#messaging = o.messaging;
    this.#serde = o.serde;
    this.#refreshMs = o.refreshMs ?? ALERTS_REFRESH_MS;
  }

  /** The records given up on whose alert is open, oldest first. */
  open(): ExhaustedDelivery[] {
    return [...this.#open.values()].sort((a, b) => a.since - b.since).map(({ department: _d, ...rest }) => rest);
  }

  /** Reads the open alerts back (a failure fails the start, as the topic cannot be read), then follows the topic. */
  async start(producer: MessageProducer): Promise<void> {
    this.#stopped = false;
    this.#producer = producer;
    if (!this.#settings) return;
    await this.#read();
    this.#timer = setInterval(() => {
      if (this.#pending === 0) void this.refresh();
    }, this.#refreshMs);
    this.#timer.unref();
  }

  /** Before the producer is disconnected: nothing is written after it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
    await Promise.race([this.#refreshing, late]);
    clearTimeout(timer);
    this.#producer = null;
  }

  /**
   * Reads the topic again now (one read at a time), and writes what could not be written before.
   * Never throws: Kafka unreachable, the alerts stay as they are and the next refresh tries again.
   */
  refresh(): Promise<void> {
    if (!this.#settings || this.#stopped) return this.#refreshing;
    this.#pending += 1;
    this.#refreshing = this.#refreshing
      .then(() => this.#read())
      .catch((err: unknown) => {
        this.#log.warn({ error: messageOf(err) }, 'delivery-exhausted alerts could not be read or written');
      })
      .finally(() => {
        this.#pending -= 1;
      });
    return this.#refreshing;
  }

  /**
   * `value`, the record of `ticketId`, was dead-lettered: given up on after `cycles` cycles, the
   * last failing with `err` (`exhausted`), or refused at once, as out of order
   * (CL_CONNECTOR_OUT_OF_ORDER) or, a status, for good (see isTicketStatus).
   */
  async raise(ticketId: string, value: unknown, cycles: number, err: unknown, exhausted: boolean): Promise<void> {
    const record = identifyRecord(ticketId, value);
    const lastError = errorSummary(err);
    const outOfOrder = isCloseloopError(err, 'CL_CONNECTOR_OUT_OF_ORDER');
    const detail = outOfOrder
      ? `refused: an earlier record of the ticket has not reached the system (${lastError}); dead-lettered: ` +
        "deliver the ticket's earlier records, then this one (closeloop dlq replay --ticket ID replays them in order)"
      : exhausted
        ? `failed after ${cycles} pause cycles while the system was healthy; last error ${lastError}; dead-lettered`
        : `refused by the system (${lastError}); dead-lettered: the system does not show this status until a ` +
          'replay or a newer status of the ticket is delivered';
    const entry = { ...record, detail, since: Date.now() };
    const id = this.#alertId(record);
    this.#open.set(id, entry);
    this.#touched?.add(id);
    this.#gauge();
    const said = outOfOrder ? 'delivery refused as out of order' : exhausted ? 'delivery exhausted' : 'status refused';
    this.#log.error({ ticketId: record.ticketId, subject: record.subject, cycles, lastError }, said);
    this.#metrics?.alerts.inc({ reason: 'DELIVERY_EXHAUSTED', status: 'RAISED' });
    await this.#write(id, entry, 'RAISED');
    // After the new alert is written: a crash in between leaves both open, never neither.
    await this.#supersede(record);
  }

  /**
   * A delivered record clears its own alert, if it has one open, and, being a ticket's status of
   * version v, the alerts of that ticket's statuses below v (see clearingOf), whichever worker
   * raised them.
   */
  async delivered(ticketId: string, value: unknown): Promise<void> {
    const record = identifyRecord(ticketId, value);
    if (this.#settings) this.#deliveredHere.add(record);
    for (const [id, entry] of [...this.#open]) {
      const detail = clearingOf(record, entry);
      // Still open: a refresh may have cleared it while an earlier clearing was being written.
      if (detail !== null && this.#open.get(id) === entry) await this.#clear(id, entry, detail);
    }
  }

  /**
   * A ticket's status dead-lettered ends the open alerts of its older statuses: the system would
   * show this one instead of them, and its alert stands for all of them, so a ticket the system
   * refuses every status of (deleted there, say) holds one alert, not one per version. Their dead
   * letters stay; `closeloop dlq replay --ticket ID` re-sends them in order.
   */
  async #supersede(record: { ticketId: string; subject: string }): Promise<void> {
    const version = statusVersion(record.subject);
    if (version === null) return;
    for (const [id, entry] of [...this.#open]) {
      const older = entry.ticketId === record.ticketId ? statusVersion(entry.subject) : null;
      if (older === null || older >= version || this.#open.get(id) !== entry) continue;
      await this.#clear(
        id,
        entry,
        `superseded: ${record.subject} of the ticket was dead-lettered too, and its alert stands for both`,
      );
    }
  }

  async #clear(id: string, entry: OpenDelivery, detail: string): Promise<void> {
    this.#open.delete(id);
    this.#touched?.add(id);
    this.#gauge();
    this.#log.info({ ticketId: entry.ticketId, subject: entry.subject }, `delivery-exhausted alert cleared: ${detail}`);
    this.#metrics?.alerts.inc({ reason: 'DELIVERY_EXHAUSTED', status: 'CLEARED' });
    await this.#write(id, { ...entry, detail }, 'CLEARED');
  }

  /** The open alerts of this connector as the topic has them, when it has anything new. */
  async #read(): Promise<void> {
    const s = this.#settings;
    if (!s) return;
    for (const [id, u] of [...this.#unwritten]) await this.#write(id, u.entry, u.status, u.seq);
    const admin = this.#messaging.admin();
    await admin.connect();
    try {
      const marks = (await admin.topicOffsets(s.topic)).map((o) => `${o.partition}:${o.high}`).join(',');
      if (marks === this.#marks) return;
      this.#touched = new Set();
      const report = { log: this.#log, metrics: this.#metrics };
      const open = (await openAlerts(this.#messaging, admin, this.#serde, s.topic, report)).filter(
        (a) => a.reason === 'DELIVERY_EXHAUSTED' && a.connector === this.#connector && a.ticketId,
      );
      const learned = this.#apply(open, this.#touched);
      this.#marks = marks;
      this.#touched = null;
      for (const { id, entry, detail } of learned) await this.#clear(id, entry, detail);
    } finally {
      this.#touched = null;
      await admin.disconnect();
    }
  }

  /**
   * Takes in what the topic says, but for alerts raised or cleared here since the read began, or
   * not yet written; returns the alerts learned whose record this process delivered already.
   */
  #apply(open: readonly AlertRecord[], touched: ReadonlySet<string>) {
    const mine = (id: string) => touched.has(id) || this.#unwritten.has(id);
    const ids = new Set(open.map((a) => a.alertId));
    for (const [id, entry] of [...this.#open]) {
      if (ids.has(id) || mine(id)) continue;
      this.#open.delete(id);
      this.#log.info(
        { ticketId: entry.ticketId, subject: entry.subject },
        'delivery-exhausted alert cleared elsewhere (its record delivered by another worker, or acknowledged)',
      );
    }
    const learned: { id: string; entry: OpenDelivery; detail: string }[] = [];
    for (const a of open) {
      if (mine(a.alertId)) continue;
      const subject = a.alertId.split('|').slice(2).join('|');
      const { since, department } = a;
      const detail = a.detail.startsWith(`${subject}: `) ? a.detail.slice(subject.length + 2) : a.detail;
      const entry = { ticketId: a.ticketId ?? '', subject, detail, since, department };
      const known = this.#open.has(a.alertId);
      this.#open.set(a.alertId, entry);
      const clearing = known ? null : this.#deliveredHere.clearing(entry);
      if (clearing !== null) learned.push({ id: a.alertId, entry, detail: clearing });
    }
    this.#gauge();
    return learned;
  }

  #alertId(r: { ticketId: string; subject: string }): string {
    return `${r.ticketId}|DELIVERY_EXHAUSTED|${r.subject}`;
  }

  #gauge(): void {
    this.#metrics?.deliveryExhausted.set({ connector: this.#connector }, this.#open.size);
  }

  // A failed write is logged and kept for the next refresh: readiness and the gauge carry the
  // alert meanwhile, and what the topic says does not undo it.
  async #write(alertId: string, e: OpenDelivery, status: AlertRecord['status'], retry?: number): Promise<void> {
    const s = this.#settings;
    const producer = this.#producer;
    if (!s || !producer || this.#stopped) return;
    const seq = retry ?? ++this.#writes;
    if (retry === undefined) this.#latest.set(alertId, seq);
    const alert: AlertRecord = {
      envelope: {
        eventId: `${alertId}|${e.since}|${status.toLowerCase()}`,
        jurisdiction: s.jurisdiction,
        source: `${this.#connector}-sink`,
        sequence: null,
        occurredAt: Date.now(),
        origin: BRIDGE_ORIGIN,
        correlationId: null,
      },
      alertId,
      reason: 'DELIVERY_EXHAUSTED',
      status,
      ticketId: e.ticketId,
      connector: this.#connector,
      department: e.department,
      accountable: s.accountable(e.department),
      since: e.since,
      detail: `${e.subject}: ${e.detail}`,
    };
    try {
      await producer.send(s.topic, [
        { key: alertId, value: await this.#serde.encode(subjectForTopic(s.topic), alert) },
      ]);
      if ((this.#unwritten.get(alertId)?.seq ?? Infinity) <= seq) this.#unwritten.delete(alertId);
      if (this.#latest.get(alertId) === seq) this.#latest.delete(alertId);
    } catch (err) {
      if (this.#latest.get(alertId) === seq) this.#unwritten.set(alertId, { entry: e, status, seq });
      this.#log.error({ alertId, status, error: messageOf(err) }, 'could not write the delivery-exhausted alert');
    }
  }
}
