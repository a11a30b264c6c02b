import type { Violation } from '../domain/index.ts';
import { readToEnd, requireTopics, type AvroSerde, type Messaging, type MessagingAdmin } from '../messaging/index.ts';

export interface QuarantineFilter {
  readonly kind?: string;
  readonly ticket?: string;
  readonly since?: string;
  readonly until?: string;
}

/**
 * Unmapped codes and policy violations recorded by the processor, filtered. A violation is in a
 * `since`/`until` window by one instant, the later of the event's time and when it was recorded
 * (the record's timestamp): history imported at go-live is about events years old, and an
 * operator looking at what go-live quarantined asks by when; a violation recorded late is never
 * listed by two adjacent windows. One with neither time readable is listed only without a window.
 */
export async function listQuarantine(
  messaging: Messaging,
  admin: MessagingAdmin,
  serde: AvroSerde,
  topic: string,
  f: QuarantineFilter = {},
): Promise<Violation[]> {
  const since = f.since ? Date.parse(f.since) : Number.NEGATIVE_INFINITY;
  const until = f.until ? Date.parse(f.until) : Number.POSITIVE_INFINITY;
  const out: Violation[] = [];
  await requireTopics(admin, [topic]);
  await readToEnd(messaging, admin, topic, 'all', async (r) => {
    const v = (await serde.decode<Violation>(r.value)).value;
    const times = [v.envelope.occurredAt, Number(r.timestamp)].filter((t) => Number.isFinite(t));
    const at = times.length > 0 ? Math.max(...times) : Number.NaN;
    const when = (!f.since && !f.until) || (at >= since && at < until);
    if ((!f.kind || v.kind === f.kind) && (!f.ticket || v.ticketId === f.ticket) && when) out.push(v);
  });
  return out;
}
