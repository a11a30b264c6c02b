import { BRIDGE_ORIGIN, type AlertRecord, type AlertReason } from '../domain/index.ts';
import { CloseloopError, isCloseloopError, messageOf } from '../errors/index.ts';
import {
  readToEnd,
  recordAtFault,
  subjectForTopic,
  type AvroSerde,
  type IncomingRecord,
  type Messaging,
  type MessagingAdmin,
} from '../messaging/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { RECORD_NAMES } from '../topics/index.ts';

/**
 * Records a consumer passed over (see SkippedWatch): records no later event brings back, so
 * only an operator can say the loss was dealt with.
 */
export const SKIPPED_REASON = 'RECORDS_SKIPPED' satisfies AlertReason;

/**
 * The alerts an operator may acknowledge (`closeloop alerts ack`): those whose condition may
 * never end by itself. RECORDS_SKIPPED: the records are gone. DELIVERY_EXHAUSTED: its record
 * clears it when delivered, but one that will never be (its ticket closed by hand, a command the
 * department carried out another way, a connector since removed) would keep every worker not
 * ready for good; the dead letter stays on its topic, and the clearing names who acknowledged.
 * Any other alert is acknowledged only once its owner is gone (see acknowledgeAlert).
 */
export const ACKNOWLEDGED_REASONS: readonly AlertReason[] = [SKIPPED_REASON, 'DELIVERY_EXHAUSTED', 'DRIFT_UNHEALED'];

/**
 * How often a process reads the alerts topic again to learn what other processes and operators
 * raised, cleared or acknowledged (when the topic has anything new).
 */
export const ALERTS_REFRESH_MS = 30_000;

/** Who hears of a record on the alerts topic that is no alert (see openAlerts). */
export interface AlertsReadReport {
  readonly log?: Logger;
  readonly metrics?: Metrics | undefined;
}

// Per process (its metrics registry), the records already reported: the topic is read again and
// again (at every refresh), and one foreign record is one error line and one count.
const reported = new WeakMap<Metrics, Set<string>>();

/**
 * The alerts open now: the latest record of each alert id on the (compacted) alerts topic, where
 * that record raised it. A cleared alert's last word is its clearing, so it drops out.
 *
 * Only the bridge writes the topic, and reads it back for its own state (readiness, the gauges,
 * `alerts list`): a record something else wrote there that is no alert (bytes of another format,
 * another schema's record) is passed over, the alert id it is keyed by keeping its record before
 * it; logged as an error with its topic, partition, offset and code, and counted in
 * closeloop_alert_records_unreadable_total, once per process. Failing instead would stop every
 * worker from starting for one record no one can take back out of a log. Anything the registry
 * says still fails the read (see recordAtFault).
 */
export async function openAlerts(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  topic: string,
  report: AlertsReadReport = {},
): Promise<AlertRecord[]> {
  const marks = (await admin.topicOffsets(topic)).map((o) => `${o.partition}:${o.low}-${o.high}`).join(',');
  const known = lastReads.get(messaging) ?? new Map<string, LastRead>();
  lastReads.set(messaging, known);
  let last = known.get(topic);
  if (last?.marks !== marks || last.serde !== serde) {
    last = { marks, serde, read: readOpenAlerts(messaging, admin, serde, topic) };
    known.set(topic, last);
    const read = last;
    // A read that failed is not kept: the next call reads again.
    read.read.catch(() => {
      if (known.get(topic) === read) known.delete(topic);
    });
  }
  const { open, passed } = await last.read;
  // Each caller hears of what the read passed over, whoever began it (passedOver counts once per process).
  for (const p of passed) passedOver(report, p.record, p.err);
  return [...open];
}

interface AlertsRead {
  readonly open: readonly AlertRecord[];
  /** The records that are no alert, passed over. */
  readonly passed: readonly { readonly record: IncomingRecord; readonly err: unknown }[];
}

interface LastRead {
  /** Each partition's first and end offsets when the read began. */
  readonly marks: string;
  /** What decoded the records (another registry may read them otherwise). */
  readonly serde: AvroSerde;
  readonly read: Promise<AlertsRead>;
}

/**
 * Per process (its messaging), the last read of each alerts topic. A worker reads the topic from
 * several places (its sinks' delivery alerts, the silence watch, the drift watch, the skipped
 * watch), each every ALERTS_REFRESH_MS, and each read is of the whole topic, which keeps one
 * record per alert ever raised: while no partition's offsets moved, the topic holds what it held,
 * so the last read answers (or the read under way, shared). A record written since moves its
 * partition's end, and the next call reads again.
 */
const lastReads = new WeakMap<Messaging, Map<string, LastRead>>();

async function readOpenAlerts(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  topic: string,
): Promise<AlertsRead> {
  const latest = new Map<string, AlertRecord | null>();
  const passed: { record: IncomingRecord; err: unknown }[] = [];
  await readToEnd(messaging, admin, topic, 'all', async (r) => {
    const key = r.key?.toString('utf8') ?? '';
    if (r.value === null) {
      latest.set(key, null);
      return;
    }
    try {
      latest.set(key, (await serde.decodeAs<AlertRecord>(r.value, RECORD_NAMES.alerts)).value);
    } catch (err) {
      if (!recordAtFault(err)) throw err;
      passed.push({ record: r, err });
    }
  });
  const open = [...latest.values()]
    .filter((a): a is AlertRecord => a !== null && a.status === 'RAISED')
    .sort((a, b) => a.since - b.since || a.alertId.localeCompare(b.alertId));
  return { open, passed };
}

function passedOver(report: AlertsReadReport, r: IncomingRecord, err: unknown): void {
  const where = `${r.topic}/${r.partition}@${r.offset}`;
  if (report.metrics) {
    const seen = reported.get(report.metrics) ?? new Set<string>();
    reported.set(report.metrics, seen);
    if (seen.has(where)) return;
    seen.add(where);
  }
  const code = isCloseloopError(err) ? err.code : 'CL_RECORD_INVALID';
  report.metrics?.alertRecordsUnreadable.inc({ code });
  // The key only: an alert's record carries nothing of a citizen, but a foreign one might.
  report.log?.error(
    {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      key: r.key?.toString('utf8'),
      code,
      error: messageOf(err),
    },
    'alerts topic record unreadable; passed over, its alert id keeps the record before it',
  );
}

/**
 * How long an alert has lasted at `now`, from its `since`: `under 1 min`, `16 min`, `5 h 3 min`,
 * `3 d 2 h`. A `since` after `now` (another host's clock ahead) reads as under a minute.
 */
export function alertAge(since: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - since) / 60_000);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * One line per alert, for people: since when its condition holds and for how long at `now` (from
 * `since`, when the ticket entered its state or the source fell silent, which is before the
 * alert was raised, by its limit), why, what, who holds it
 * and who answers for it, and the alert's detail. The detail is written once, when the alert is
 * raised (a sentinel's says `ROUTED for 16 min (limit 15 min)` for good), so the age beside it
 * is computed here, at each reading.
 */
export function alertLine(a: AlertRecord, now: number): string {
  return [
    new Date(a.since).toISOString(),
    `for ${alertAge(a.since, now)}`,
    a.reason,
    a.ticketId ?? a.connector ?? '-',
    a.department ?? '-',
    a.accountable ?? '-',
    a.detail,
  ].join('  ');
}

/**
 * `closeloop alerts ack`: writes the clearing of an open alert, naming who acknowledged it and,
 * when given, why (`reason`); the workers drop it from readiness when they next read the topic.
 * Null when no such alert is open. RECORDS_SKIPPED and DELIVERY_EXHAUSTED alerts are acknowledged
 * as they are (see ACKNOWLEDGED_REASONS). Any other clears when its condition ends (the ticket
 * moves, records flow), which the bridge sees by itself, and clearing it by hand would only hide
 * it; so it is acknowledged only when `ownerGone` says its owner no longer exists (its connector
 * left the config, its ticket left the processor's state: see the CLI's ownerGone), and only with
 * a reason, since nothing else will ever tell why it went. Otherwise it is refused.
 */
export async function acknowledgeAlert(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  o: {
    topic: string;
    jurisdiction: string;
    alertId: string;
    by: string;
    now: number;
    reason?: string | null;
    ownerGone?: (alert: AlertRecord) => Promise<string>;
  },
  report: AlertsReadReport = {},
): Promise<AlertRecord | null> {
  const open = (await openAlerts(messaging, admin, serde, o.topic, report)).find((a) => a.alertId === o.alertId);
  if (!open) return null;
  const reason = o.reason ?? null;
  let gone: string | null = null;
  if (!ACKNOWLEDGED_REASONS.includes(open.reason)) {
    if (!o.ownerGone) {
      throw new CloseloopError(
        'CL_ARGUMENT_INVALID',
        `alert ${o.alertId} is ${open.reason}, which clears when its condition ends; only ${ACKNOWLEDGED_REASONS.join(' and ')} alerts are acknowledged`,
        { details: { alertId: o.alertId, reason: open.reason } },
      );
    }
    gone = await o.ownerGone(open);
    if (reason === null) {
      throw new CloseloopError(
        'CL_ARGUMENT_INVALID',
        `alert ${o.alertId} is ${open.reason} and ${gone}: acknowledging it needs --reason, saying why, for the audit`,
        { details: { alertId: o.alertId, reason: open.reason } },
      );
    }
  }
  const why = reason === null ? '' : ` (${reason})`;
  const detail = `acknowledged by ${o.by}${why}: ${gone === null ? '' : `${gone}; raised as: `}${open.detail}`;
  const cleared: AlertRecord = {
    ...open,
    envelope: {
      eventId: `${o.alertId}|${open.since}|cleared`,
      jurisdiction: o.jurisdiction,
      source: 'closeloop-cli',
      sequence: null,
      occurredAt: o.now,
      origin: BRIDGE_ORIGIN,
      correlationId: null,
    },
    status: 'CLEARED',
    detail,
  };
  const producer = messaging.producer();
  await producer.connect();
  try {
    await producer.send(o.topic, [{ key: o.alertId, value: await serde.encode(subjectForTopic(o.topic), cleared) }]);
  } finally {
    await producer.disconnect();
  }
  return cleared;
}
