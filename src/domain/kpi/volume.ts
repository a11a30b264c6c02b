import { monthOfInstant } from './month.ts';
import { UNROUTED, type KpiTicket } from './types.ts';

/** How many requests a month brought, where they went, how they came, and how they closed. */
export interface MonthVolume {
  /** YYYY-MM of the request time, in the ticket's zone. */
  readonly month: string;
  readonly tickets: number;
  /** By the department holding (or that held) the work; "unrouted" for none. Sorted by name. */
  readonly byDepartment: Readonly<Record<string, number>>;
  /** By channel; "unknown" where the CRM did not say. Sorted by name. */
  readonly byChannel: Readonly<Record<string, number>>;
  /** The ten most requested types (service codes), most first, ties by name. */
  readonly topRequestTypes: readonly (readonly [type: string, tickets: number])[];
  /** Resolved tickets with a completion target, resolved at or before it. */
  readonly resolvedOnTime: number;
  /** Resolved tickets with a completion target, resolved after it. */
  readonly resolvedLate: number;
  /** Resolved tickets with no target at all: neither on time nor late. */
  readonly resolvedNoTarget: number;
}

export const TOP_REQUEST_TYPES = 10;
export const UNKNOWN = 'unknown';

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Volume figures per month of request, from each ticket's latest status (docs/kpi.md,
 * "Volume"). Pure; months without requests are absent. Tickets without a request time are left out.
 */
export function volumeByMonth(tickets: readonly KpiTicket[]): MonthVolume[] {
  const months = new Map<string, KpiTicket[]>();
  const monthOf = monthOfInstant();
  for (const t of tickets) {
    if (t.requestedAt === null) continue;
    const month = monthOf(t.requestedAt, t.timeZone);
    const list = months.get(month) ?? [];
    list.push(t);
    months.set(month, list);
  }
  return [...months.keys()].sort().map((month) => {
    const list = months.get(month) ?? [];
    const departments = new Map<string, number>();
    const channels = new Map<string, number>();
    const types = new Map<string, number>();
    let onTime = 0;
    let late = 0;
    let noTarget = 0;
    for (const t of list) {
      bump(departments, t.department ?? UNROUTED);
      bump(channels, t.channel ?? UNKNOWN);
      bump(types, t.serviceCode ?? UNKNOWN);
      if (t.lifecycleState !== 'RESOLVED') continue;
      if (t.completionDueAt === null) noTarget += 1;
      else if (t.resolvedAt !== null && t.resolvedAt <= t.completionDueAt) onTime += 1;
      else late += 1;
    }
    const top = [...types].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).slice(0, TOP_REQUEST_TYPES);
    return {
      month,
      tickets: list.length,
      byDepartment: sorted(departments),
      byChannel: sorted(channels),
      topRequestTypes: top,
      resolvedOnTime: onTime,
      resolvedLate: late,
      resolvedNoTarget: noTarget,
    };
  });
}
