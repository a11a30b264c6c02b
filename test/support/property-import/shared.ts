/**
 * Pieces the import's properties share: an export's line ends and quoting, and what it imported.
 */
import fc from 'fast-check';
import { check } from '../property/check.ts';
import type { Layout } from './layout.ts';
import type { Outcome } from './run.ts';
import { endArb, type Ticket } from './tickets.ts';

/** An export of the tickets: header, each row on its own line ends, `quotes` per row. */
export const exportArb = (l: Layout, tickets: readonly Ticket[]) =>
  fc.record({
    ends: fc.array(endArb, { minLength: tickets.length, maxLength: tickets.length }),
    quotes: fc.array(fc.boolean(), { minLength: tickets.length, maxLength: tickets.length }),
    trailing: fc.constantFrom('', '\n', '\r\n', '\r'),
  });

export const imported = (o: Outcome) => {
  check(o.ok, 'the export is imported', o.ok ? null : o.error.message);
  return o;
};

/** The events of each ticket id, in file order. */
export const byTicket = (o: Outcome) => {
  const m = new Map<string, unknown[]>();
  if (o.ok) for (const e of o.events) m.set(e.ticketId, [...(m.get(e.ticketId) ?? []), e]);
  return m;
};
