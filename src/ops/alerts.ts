import { BRIDGE_ORIGIN, type AlertRecord, type AlertReason } from '../domain/index.ts';
import { CloseloopError } from '../errors/index.ts';
import { readToEnd, subjectForTopic, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';

/**
 * Records a consumer passed over (see SkippedWatch): the one alert no later event can clear, so
 * the only one an operator acknowledges by hand.
 */
export const SKIPPED_REASON = 'RECORDS_SKIPPED' satisfies AlertReason;

/**
 * The alerts open now: the latest record of each alert id on the (compacted) alerts topic, where
 * that record raised it. A cleared alert's last word is its clearing, so it drops out.
 */
export async function openAlerts(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  topic: string,
): Promise<AlertRecord[]> {
  const latest = new Map<string, AlertRecord | null>();
  await readToEnd(messaging, admin, topic, 'all', async (r) => {
    const key = r.key?.toString('utf8') ?? '';
    latest.set(key, r.value === null ? null : (await serde.decode<AlertRecord>(r.value)).value);
  });
  return [...latest.values()]
    .filter((a): a is AlertRecord => a !== null && a.status === 'RAISED')
    .sort((a, b) => a.since - b.since || a.alertId.localeCompare(b.alertId));
}

/** One line per alert, for people: since when, why, what, who holds it and who answers for it. */
export function alertLine(a: AlertRecord): string {
  return [
    new Date(a.since).toISOString(),
    a.reason,
    a.ticketId ?? a.connector ?? '-',
    a.department ?? '-',
    a.accountable ?? '-',
    a.detail,
  ].join('  ');
}

/**
 * `closeloop alerts ack`: writes the clearing of an open RECORDS_SKIPPED alert, naming who
 * acknowledged it; the workers drop it from readiness when they next read the topic. Null when no
 * such alert is open. Other alerts are refused: each clears when its condition ends (the ticket
 * moves, the record is delivered, records flow), and clearing one by hand would only hide it.
 */
export async function acknowledgeAlert(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  o: { topic: string; jurisdiction: string; alertId: string; by: string; now: number },
): Promise<AlertRecord | null> {
  const open = (await openAlerts(messaging, admin, serde, o.topic)).find((a) => a.alertId === o.alertId);
  if (!open) return null;
  if (open.reason !== SKIPPED_REASON) {
    throw new CloseloopError(
      'CL_ARGUMENT_INVALID',
      `alert ${o.alertId} is ${open.reason}, which clears when its condition ends; only ${SKIPPED_REASON} alerts are acknowledged`,
      { details: { alertId: o.alertId, reason: open.reason } },
    );
  }
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
    detail: `acknowledged by ${o.by}: ${open.detail}`,
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
