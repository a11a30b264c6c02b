import type { Gauge } from 'prom-client';
import { accountableFor, type AlertReason, type AlertRecord, type Policy, type TicketState } from '../domain/index.ts';

/** How many of the oldest open alerts readiness names: a bounded answer for any number open. */
export const OLDEST_SHOWN = 5;

/** One open stuck-ticket alert, as readiness and `closeloop health` name it. */
export interface StuckAlert {
  readonly ticketId: string;
  readonly reason: AlertReason;
  /** A work order id, or '' for the ticket as a whole. */
  readonly subject: string;
  /** The department holding the ticket; null while it is with 311. */
  readonly department: string | null;
  readonly accountable: string | null;
  /** Since when the condition holds. */
  readonly since: number;
}

/**
 * The sentinel's alerts open in the tickets a processor owns, as of `checkedAt`: how many, per
 * reason, and the oldest few. Its size does not grow with the number open.
 */
export interface StuckTickets {
  readonly open: number;
  readonly byReason: Readonly<Partial<Record<AlertReason, number>>>;
  /** Oldest first, at most OLDEST_SHOWN. */
  readonly oldest: readonly StuckAlert[];
  readonly checkedAt: number;
  /**
   * The input partitions whose tickets were counted, ascending: this process's share when another
   * process runs the processor too (the alerts topic has every one); null for a count of the
   * alerts topic, which covers them all.
   */
  readonly partitions: readonly number[] | null;
}

const older = (a: StuckAlert, b: StuckAlert) => a.since - b.since || a.ticketId.localeCompare(b.ticketId);

/** `list` with `a` in its place (oldest first), kept to OLDEST_SHOWN; `list` is changed. */
function keepOldest(list: StuckAlert[], a: StuckAlert): void {
  if (list.length === OLDEST_SHOWN && older(a, list[OLDEST_SHOWN - 1] as StuckAlert) >= 0) return;
  const at = list.findIndex((x) => older(a, x) < 0);
  list.splice(at === -1 ? list.length : at, 0, a);
  if (list.length > OLDEST_SHOWN) list.pop();
}

/**
 * The alerts open in the given tickets now, in one pass: the summary readiness shows, and
 * `closeloop_stuck_tickets{reason,department}` set on `gauge` when there is one (the 311 desk
 * stands in where no department holds the ticket). The gauge is reset first, so a reason that no
 * ticket has any more reads as gone, not as its last count.
 */
export function tallyStuck(
  stores: Iterable<Iterable<TicketState>>,
  policy: Pick<Policy, 'accountable'>,
  now: number,
  gauge?: Gauge,
  partitions: readonly number[] = [],
): StuckTickets {
  const counts = new Map<string, { reason: string; department: string; n: number }>();
  const byReason: Partial<Record<AlertReason, number>> = {};
  const oldest: StuckAlert[] = [];
  let open = 0;
  for (const store of stores) {
    for (const s of store) {
      for (const a of s.watch?.alerts ?? []) {
        open += 1;
        byReason[a.reason] = (byReason[a.reason] ?? 0) + 1;
        const department = a.department ?? '311';
        const key = `${a.reason}|${department}`;
        const c = counts.get(key) ?? { reason: a.reason, department, n: 0 };
        c.n += 1;
        counts.set(key, c);
        keepOldest(oldest, {
          ticketId: s.ticketId,
          reason: a.reason,
          subject: a.subject,
          department: a.department,
          accountable: accountableFor(policy, a.department),
          since: a.since,
        });
      }
    }
  }
  if (gauge) {
    gauge.reset();
    for (const c of counts.values()) gauge.set({ reason: c.reason, department: c.department }, c.n);
  }
  return { open, byReason, oldest, checkedAt: now, partitions: [...partitions].sort((a, b) => a - b) };
}

/** Whether an alert is one of the sentinel's about a ticket (what readiness and `closeloop health` count). */
export const isStuckTicketAlert = (a: AlertRecord): boolean =>
  a.ticketId !== null &&
  (a.reason.startsWith('STUCK_') ||
    a.reason === 'STATUS_UNCONFIRMED' ||
    a.reason === 'WORK_ORDER_SILENT' ||
    a.reason === 'EXPECTED_DATE_PASSED');

/**
 * The sentinel's alerts open on the alerts topic (read with openAlerts), summed up as readiness
 * sums up a processor's own: every partition's, whichever process owns it.
 */
export function stuckOnTopic(open: readonly AlertRecord[], now: number): StuckTickets {
  const byReason: Partial<Record<AlertReason, number>> = {};
  const oldest: StuckAlert[] = [];
  let n = 0;
  for (const a of open) {
    if (!isStuckTicketAlert(a) || a.ticketId === null) continue;
    n += 1;
    byReason[a.reason] = (byReason[a.reason] ?? 0) + 1;
    // The id is <ticket>|<reason>|<subject>.
    const subject = a.alertId.split('|').slice(2).join('|');
    const { ticketId, reason, department, accountable, since } = a;
    keepOldest(oldest, { ticketId, reason, subject, department, accountable, since });
  }
  return { open: n, byReason, oldest, checkedAt: now, partitions: null };
}

/**
 * Several processors' summaries as one (a process's threads, each owning its partitions): the
 * counts added, the oldest of all, as of the earliest count. Null when none has counted yet.
 */
export function mergeStuck(parts: readonly (StuckTickets | null)[]): StuckTickets | null {
  const counted = parts.filter((p) => p !== null);
  if (counted.length === 0) return null;
  const byReason: Partial<Record<AlertReason, number>> = {};
  const oldest: StuckAlert[] = [];
  for (const p of counted) {
    for (const [reason, n] of Object.entries(p.byReason) as [AlertReason, number][])
      byReason[reason] = (byReason[reason] ?? 0) + n;
    for (const a of p.oldest) keepOldest(oldest, a);
  }
  return {
    open: counted.reduce((n, p) => n + p.open, 0),
    byReason,
    oldest,
    checkedAt: Math.min(...counted.map((p) => p.checkedAt)),
    partitions: [...new Set(counted.flatMap((p) => p.partitions ?? []))].sort((a, b) => a - b),
  };
}

/**
 * The readiness body's `alerts` section: the summary as JSON, times as ISO text. Kept apart from
 * `reasons` and from `ready`: a stuck ticket needs the person accountable, not a load balancer
 * taking the worker out of service.
 */
export function alertsSection(s: StuckTickets | null) {
  return {
    open: s?.open ?? 0,
    byReason: s?.byReason ?? {},
    oldest: (s?.oldest ?? []).map((a) => ({
      ticketId: a.ticketId,
      reason: a.reason,
      subject: a.subject === '' ? null : a.subject,
      department: a.department,
      accountable: a.accountable,
      since: new Date(a.since).toISOString(),
    })),
    checkedAt: s ? new Date(s.checkedAt).toISOString() : null,
    // Which tickets the figures cover: with a second process on the processor's group, only this
    // one's partitions (closeloop health reads the alerts topic for every one).
    partitions: s?.partitions ?? [],
  };
}
