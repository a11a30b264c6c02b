import { BRIDGE_ORIGIN, type AlertRecord } from '../domain/index.ts';
import { isCloseloopError, messageOf } from '../errors/index.ts';
import { subjectForTopic, type AvroSerde, type Messaging, type MessageProducer } from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { openAlerts } from '../ops/index.ts';

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

/** What a record says of itself: the ticket, the command or status version, its department. */
export function identifyRecord(
  ticketId: string,
  value: unknown,
): { ticketId: string; subject: string; department: string | null } {
  const v = (value ?? {}) as { commandId?: unknown; version?: unknown; department?: unknown };
  const subject = typeof v.commandId === 'string' ? v.commandId : typeof v.version === 'number' ? `v${v.version}` : '';
  return { ticketId, subject, department: typeof v.department === 'string' ? v.department : null };
}

/** The version a status's subject (`v<version>`) names; null for a command's id. */
function statusVersion(subject: string): number | null {
  const m = /^v(\d+)$/.exec(subject);
  return m ? Number(m[1]) : null;
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

/**
 * The DELIVERY_EXHAUSTED alerts of one sink: each names a ticket whose record was dead-lettered
 * after failing through every pause cycle while the system looked healthy. The alert stays open,
 * in readiness, `closeloop_delivery_exhausted{connector}` and `closeloop alerts list`, until that
 * very record (same ticket and command id or version) is delivered, which a replay of its dead
 * letter does once the cause is fixed, or, for a status, a newer status of its ticket. Open ones are read back from the alerts topic at start, so
 * a restart neither forgets nor clears them.
 */
export class DeliveryAlerts {
  readonly #connector: string;
  readonly #settings: DeliveryAlertSettings | null;
  readonly #metrics: Metrics | undefined;
  readonly #log: Logger;
  readonly #open = new Map<string, ExhaustedDelivery & { department: string | null }>();

  constructor(o: { connector: string; settings?: DeliveryAlertSettings; metrics?: Metrics; logger: Logger }) {
    this.#connector = o.connector;
    this.#settings = o.settings ?? null;
    this.#metrics = o.metrics;
    this.#log = o.logger;
  }

  /** The records given up on whose alert is open, oldest first. */
  open(): ExhaustedDelivery[] {
    return [...this.#open.values()].sort((a, b) => a.since - b.since).map(({ department: _d, ...rest }) => rest);
  }

  async seed(messaging: Messaging, serde: AvroSerde): Promise<void> {
    if (!this.#settings) return;
    const admin = messaging.admin();
    await admin.connect();
    try {
      const report = { log: this.#log, metrics: this.#metrics };
      for (const a of await openAlerts(messaging, admin, serde, this.#settings.topic, report)) {
        if (a.reason !== 'DELIVERY_EXHAUSTED' || a.connector !== this.#connector || !a.ticketId) continue;
        const subject = a.alertId.split('|').slice(2).join('|');
        const { ticketId, since, department } = a;
        const detail = a.detail.startsWith(`${subject}: `) ? a.detail.slice(subject.length + 2) : a.detail;
        this.#open.set(a.alertId, { ticketId, subject, detail, since, department });
      }
    } finally {
      await admin.disconnect();
    }
    this.#gauge();
  }

  /** `value`, the record of `ticketId`, was dead-lettered after `cycles` cycles, the last failing with `err`. */
  async raise(
    producer: MessageProducer | null,
    serde: AvroSerde,
    ticketId: string,
    value: unknown,
    cycles: number,
    err: unknown,
  ): Promise<void> {
    const record = identifyRecord(ticketId, value);
    const lastError = errorSummary(err);
    const detail = `failed after ${cycles} pause cycles while the system was healthy; last error ${lastError}; dead-lettered`;
    const entry = { ...record, detail, since: Date.now() };
    const id = this.#alertId(record);
    this.#open.set(id, entry);
    this.#gauge();
    this.#log.error({ ticketId: record.ticketId, subject: record.subject, cycles, lastError }, 'delivery exhausted');
    await this.#write(producer, serde, id, entry, 'RAISED');
  }

  /**
   * A delivered record clears its own alert, if it has one open, and, being a ticket's status of
   * version v, the alerts of that ticket's statuses below v: the system shows the newer status,
   * and would answer a replay of the older one that it has it already.
   */
  async delivered(producer: MessageProducer | null, serde: AvroSerde, ticketId: string, value: unknown): Promise<void> {
    if (this.#open.size === 0) return;
    const record = identifyRecord(ticketId, value);
    const version = statusVersion(record.subject);
    for (const [id, entry] of [...this.#open]) {
      if (entry.ticketId !== ticketId) continue;
      const older = version !== null && (statusVersion(entry.subject) ?? Infinity) < version;
      if (entry.subject !== record.subject && !older) continue;
      this.#open.delete(id);
      this.#gauge();
      const detail = older ? `superseded: ${record.subject} delivered` : 'delivered after all';
      this.#log.info({ ticketId, subject: entry.subject }, `delivery-exhausted alert cleared: ${detail}`);
      await this.#write(producer, serde, id, { ...entry, detail }, 'CLEARED');
    }
  }

  #alertId(r: { ticketId: string; subject: string }): string {
    return `${r.ticketId}|DELIVERY_EXHAUSTED|${r.subject}`;
  }

  #gauge(): void {
    this.#metrics?.deliveryExhausted.set({ connector: this.#connector }, this.#open.size);
  }

  // A failed write is logged and left: readiness and the gauge still carry the alert.
  async #write(
    producer: MessageProducer | null,
    serde: AvroSerde,
    alertId: string,
    e: ExhaustedDelivery & { department: string | null },
    status: AlertRecord['status'],
  ): Promise<void> {
    this.#metrics?.alerts.inc({ reason: 'DELIVERY_EXHAUSTED', status });
    const s = this.#settings;
    if (!s || !producer) return;
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
      await producer.send(s.topic, [{ key: alertId, value: await serde.encode(subjectForTopic(s.topic), alert) }]);
    } catch (err) {
      this.#log.error({ alertId, status, error: messageOf(err) }, 'could not write the delivery-exhausted alert');
    }
  }
}
