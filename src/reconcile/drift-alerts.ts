import type { CloseloopConfig } from '../config/index.ts';
import { accountableFor, type AlertRecord, type DriftFinding } from '../domain/index.ts';
import {
  subjectForTopic,
  type AvroSerde,
  type MessageProducer,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { openAlerts } from '../ops/index.ts';
import { reconcileEnvelope } from './heal.ts';

/** The alert of a finding reconciliation leaves for people (recorded ALERTED). */
export const DRIFT_REASON = 'DRIFT_UNHEALED';

/**
 * One alert per drift, whatever the versions seen: `<ticket>|DRIFT_UNHEALED|<kind>:<work order>`
 * (the work order empty for the CRM's findings), so the same drift found by every run is one alert.
 */
export function driftAlertId(f: Pick<DriftFinding, 'ticketId' | 'kind' | 'workOrderId'>): string {
  return `${f.ticketId}|${DRIFT_REASON}|${f.kind}:${f.workOrderId ?? ''}`;
}

/** A DRIFT_UNHEALED alert as a readiness reason: the ticket, what drifted, and who answers for it. */
export function driftReason(a: AlertRecord): string {
  const subject = a.alertId.split('|').slice(2).join('|');
  const who = a.accountable ?? 'no one named';
  return `drift unhealed on ticket ${a.ticketId ?? '-'} (${subject}, ${a.department ?? '311'}): ${who} to act`;
}

/**
 * The DRIFT_UNHEALED alerts on the alerts topic, raised and cleared by reconciliation runs: an
 * ALERTED finding raises its alert (naming the ticket, the department holding the work and who
 * answers for it), and a ticket checked again, every system answering, without the drift clears
 * it; so does a complete run for a ticket it no longer checks (closed past the window). The open
 * ones are what the worker's readiness, closeloop_drift_unhealed, `closeloop alerts list` and
 * `closeloop health` show; `closeloop alerts ack` acknowledges one (a later run finding the drift
 * again raises it again).
 */
export class DriftAlerts {
  readonly #config: CloseloopConfig;
  readonly #serde: AvroSerde;
  readonly #producer: MessageProducer;
  readonly #log: Logger;
  readonly #metrics: Metrics | undefined;
  readonly #open = new Map<string, AlertRecord>();

  constructor(o: {
    config: CloseloopConfig;
    serde: AvroSerde;
    producer: MessageProducer;
    log: Logger;
    metrics?: Metrics | undefined;
  }) {
    this.#config = o.config;
    this.#serde = o.serde;
    this.#producer = o.producer;
    this.#log = o.log;
    this.#metrics = o.metrics;
  }

  /** Reads the drift alerts open now (acknowledged ones are gone from it). */
  async load(messaging: Messaging, admin: MessagingAdmin): Promise<void> {
    const open = await openAlerts(messaging, admin, this.#serde, this.#config.topics.alerts, {
      log: this.#log,
      metrics: this.#metrics,
    });
    this.#open.clear();
    for (const a of open) if (a.reason === DRIFT_REASON) this.#open.set(a.alertId, a);
  }

  /** The alerts open, oldest first. */
  open(): AlertRecord[] {
    return [...this.#open.values()].sort((a, b) => a.since - b.since || a.alertId.localeCompare(b.alertId));
  }

  async raise(f: DriftFinding, now: number): Promise<void> {
    const alertId = driftAlertId(f);
    const before = this.#open.get(alertId);
    const alert: AlertRecord = {
      envelope: this.#envelope(`${alertId}|${before?.since ?? now}|raised|${now}`, now),
      alertId,
      reason: DRIFT_REASON,
      status: 'RAISED',
      ticketId: f.ticketId,
      connector: null,
      department: f.department,
      accountable: accountableFor(this.#config.policy, f.department),
      since: before?.since ?? now,
      detail: `${f.kind}: ${f.detail}`,
    };
    await this.#write(alert);
    this.#open.set(alertId, alert);
    if (!before) this.#metrics?.alerts.inc({ reason: DRIFT_REASON, status: 'RAISED' });
  }

  /** Clears the open alerts of `ticketId` whose drift is not among `found` (alert ids). */
  async clearTicket(ticketId: string, found: ReadonlySet<string>, now: number): Promise<void> {
    for (const a of this.open())
      if (a.ticketId === ticketId && !found.has(a.alertId)) await this.#clear(a, 'no longer found', now);
  }

  /** Clears the open alerts of tickets a complete run no longer checks. */
  async clearUnchecked(checkable: ReadonlySet<string>, now: number): Promise<void> {
    for (const a of this.open())
      if (a.ticketId !== null && !checkable.has(a.ticketId))
        await this.#clear(a, 'the ticket is no longer reconciled (closed past the window, or gone)', now);
  }

  async #clear(a: AlertRecord, why: string, now: number): Promise<void> {
    await this.#write({
      ...a,
      envelope: this.#envelope(`${a.alertId}|${a.since}|cleared|${now}`, now),
      status: 'CLEARED',
      detail: `${why}: ${a.detail}`,
    });
    this.#open.delete(a.alertId);
    this.#metrics?.alerts.inc({ reason: DRIFT_REASON, status: 'CLEARED' });
  }

  async #write(alert: AlertRecord): Promise<void> {
    const topic = this.#config.topics.alerts;
    await this.#producer.send(topic, [
      { key: alert.alertId, value: await this.#serde.encode(subjectForTopic(topic), alert) },
    ]);
  }

  #envelope(eventId: string, now: number): AlertRecord['envelope'] {
    return reconcileEnvelope(this.#config.jurisdiction, eventId, now);
  }
}
