import { verdict } from '../../src/domain/kpi/index.ts';
import { dstOddity, localMs, naiveMs, type BaltimoreRow } from './rows.ts';
import { completionDue, rowKind } from './tickets.ts';

export interface TimeZoneEffects {
  /** Wall-clock stamps the spring-forward gap skips (they name no instant) or the autumn overlap repeats. */
  readonly gapStamps: number;
  readonly overlapStamps: number;
  /** Rows whose DueDate − CreatedDate spans a DST change: N wall-clock days are N × 24 h ± 1 h. */
  readonly dstSpans: number;
  /** …of which the v1 verdict would change if the target were N × 24 h of elapsed time. */
  readonly dstSpanVerdictChanges: number;
  /** CreatedDate exactly at 00:00:00 UTC (19:00 EST / 20:00 EDT): date-only entries shifted a day back. */
  readonly createdAtUtcMidnight: number;
  readonly closedAtUtcMidnight: number;
  /** v1-population rows whose due month differs when read in UTC instead of Baltimore time. */
  readonly dueMonthDiffersInUtc: number;
}

const isUtcMidnight = (ms: number): boolean => ms % 86_400_000 === 0;
/** The month of a Baltimore wall-clock stamp, and of the same instant in UTC. */
const monthLocal = (stamp: string): string => stamp.slice(6, 10) + '-' + stamp.slice(0, 2);
const monthUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

export function timeZoneEffects(rows: readonly BaltimoreRow[], now: number): TimeZoneEffects {
  let gapStamps = 0;
  let overlapStamps = 0;
  let dstSpans = 0;
  let dstSpanVerdictChanges = 0;
  let createdAtUtcMidnight = 0;
  let closedAtUtcMidnight = 0;
  let dueMonthDiffersInUtc = 0;
  for (const r of rows) {
    for (const stamp of [r.created, r.statusDate, r.due, r.close]) {
      const odd = stamp ? dstOddity(stamp) : null;
      if (odd === 'gap') gapStamps++;
      else if (odd === 'overlap') overlapStamps++;
    }
    const created = localMs(r.created);
    if (isUtcMidnight(created)) createdAtUtcMidnight++;
    if (r.close && isUtcMidnight(localMs(r.close))) closedAtUtcMidnight++;
    const due = completionDue(r);
    if (due === null || rowKind(r) === 'duplicate' || rowKind(r) === 'transferred') continue;
    const closedAt = r.close ? localMs(r.close) : null;
    const v = verdict(closedAt, due, now);
    if (v !== 'pending' && monthLocal(r.due ?? '') !== monthUtc(due)) dueMonthDiffersInUtc++;
    const elapsedDue = created + (naiveMs(r.due ?? '') - naiveMs(r.created));
    if (elapsedDue === due) continue;
    dstSpans++;
    if (v !== verdict(closedAt, elapsedDue, now)) dstSpanVerdictChanges++;
  }
  return {
    gapStamps,
    overlapStamps,
    dstSpans,
    dstSpanVerdictChanges,
    createdAtUtcMidnight,
    closedAtUtcMidnight,
    dueMonthDiffersInUtc,
  };
}
