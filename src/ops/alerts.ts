import type { AlertRecord } from '../domain/index.ts';
import { readToEnd, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';

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
