import { verdict } from '../../src/domain/kpi/index.ts';
import { localMs, naiveMs, type BaltimoreRow } from './rows.ts';
import { completionDue, rowKind } from './tickets.ts';

/**
 * Why a row counts differently in the naive figure and in closeloop v1. Each row gets exactly
 * one role, tested in this order, so the roles add up from one figure to the other.
 */
export type Role =
  | 'duplicate' // any "(Duplicate)" status: a link, not the agency's clock
  | 'transferred' // "Closed (Transferred)": a misroute; the receiving agency's record carries the clock
  | 'no-due' // no DueDate: no SLA policy
  | 'zero-target' // DueDate equal to CreatedDate: no real target (none lies before it)
  | 'open-past-due' // open at the snapshot with the due date passed: late in v1, unseen by the naive figure
  | 'open-pending' // open, due after the snapshot: in neither figure
  | 'closed'; // closed against a real target: in both

export interface RowVerdicts {
  readonly role: Role;
  /** Naive figure: among rows with a CloseDate; on time when CloseDate <= DueDate, wall clock. */
  readonly naive: 'on-time' | 'late' | null;
  /** closeloop v1: completion population, instants in America/New_York. */
  readonly v1: 'on-time' | 'late' | null;
}

export function naiveVerdict(r: BaltimoreRow): 'on-time' | 'late' | null {
  if (!r.close) return null;
  // A missing DueDate compares false (NaT in pandas, NULL in SQL): the row counts as not on time.
  return r.due && naiveMs(r.close) <= naiveMs(r.due) ? 'on-time' : 'late';
}

export function classify(r: BaltimoreRow, now: number): RowVerdicts {
  const naive = naiveVerdict(r);
  const kind = rowKind(r);
  if (kind === 'duplicate' || kind === 'transferred') return { role: kind, naive, v1: null };
  if (!r.due) return { role: 'no-due', naive, v1: null };
  const due = completionDue(r);
  if (due === null) return { role: 'zero-target', naive, v1: null };
  const v = verdict(r.close ? localMs(r.close) : null, due, now);
  if (r.close) return { role: 'closed', naive, v1: v === 'pending' ? null : v };
  return v === 'pending' ? { role: 'open-pending', naive, v1: null } : { role: 'open-past-due', naive, v1: v };
}

export interface Counts {
  rows: number;
  naiveDue: number;
  naiveOnTime: number;
  v1Due: number;
  v1OnTime: number;
  /** Rows per role, with how many of them the naive figure called on time. */
  roles: Record<Role, { rows: number; naiveDue: number; naiveOnTime: number }>;
  /** Closed rows with a real target whose verdict differs between the two readings. */
  verdictChanges: number;
}

const ROLES: readonly Role[] = [
  'duplicate',
  'transferred',
  'no-due',
  'zero-target',
  'open-past-due',
  'open-pending',
  'closed',
];

export function emptyCounts(): Counts {
  const roles = Object.fromEntries(ROLES.map((r) => [r, { rows: 0, naiveDue: 0, naiveOnTime: 0 }]));
  return {
    rows: 0,
    naiveDue: 0,
    naiveOnTime: 0,
    v1Due: 0,
    v1OnTime: 0,
    roles: roles as Counts['roles'],
    verdictChanges: 0,
  };
}

export function add(c: Counts, v: RowVerdicts): void {
  const role = c.roles[v.role];
  c.rows++;
  role.rows++;
  if (v.naive !== null) {
    c.naiveDue++;
    role.naiveDue++;
  }
  if (v.naive === 'on-time') {
    c.naiveOnTime++;
    role.naiveOnTime++;
  }
  if (v.v1 !== null) c.v1Due++;
  if (v.v1 === 'on-time') c.v1OnTime++;
  if (v.role === 'closed' && v.v1 !== null && v.naive !== v.v1) c.verdictChanges++;
}

/** Counts overall ("(all)") and per agency. */
export function reconcile(rows: readonly BaltimoreRow[], now: number): Map<string, Counts> {
  const byAgency = new Map<string, Counts>([['(all)', emptyCounts()]]);
  for (const r of rows) {
    const v = classify(r, now);
    add(byAgency.get('(all)') ?? emptyCounts(), v);
    let c = byAgency.get(r.agency);
    if (!c) byAgency.set(r.agency, (c = emptyCounts()));
    add(c, v);
  }
  return byAgency;
}
