import type { Gauge } from 'prom-client';
import type { TicketState } from '../domain/index.ts';

/**
 * Sets `closeloop_stuck_tickets{reason,department}` to the alerts open in the given tickets now
 * (the 311 desk stands in where no department holds the ticket). Reset first, so a reason that
 * no ticket has any more reads as gone, not as its last count.
 */
export function countStuck(stores: Iterable<Iterable<TicketState>>, gauge: Gauge): void {
  const counts = new Map<string, { reason: string; department: string; n: number }>();
  for (const store of stores) {
    for (const s of store) {
      for (const a of s.watch?.alerts ?? []) {
        const department = a.department ?? '311';
        const key = `${a.reason}|${department}`;
        const c = counts.get(key) ?? { reason: a.reason, department, n: 0 };
        c.n += 1;
        counts.set(key, c);
      }
    }
  }
  gauge.reset();
  for (const c of counts.values()) gauge.set({ reason: c.reason, department: c.department }, c.n);
}
