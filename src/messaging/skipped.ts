import type { Logger } from '../observability/logger.ts';
import type { SkippedRecords } from './types.ts';

/** Where a consumer reads on after the broker said its position is not in the log. */
export interface OutOfRangeVerdict {
  readonly resumeAt: bigint;
  /** Null when nothing was skipped: the offset is in the log again (a new leader's end caught up). */
  readonly skipped: SkippedRecords | null;
}

/**
 * What an out-of-range position means, given the partition's log start and end as they are now.
 * A consumer that starts at the beginning reads on from the log start, one that starts at the
 * end from the end, as Kafka's auto.offset.reset does; either way the range skipped is named.
 */
export function judgeOutOfRange(
  where: { readonly topic: string; readonly partition: number },
  wanted: bigint,
  logStart: bigint,
  logEnd: bigint,
  fromBeginning: boolean,
  at: number,
): OutOfRangeVerdict {
  if (wanted >= logStart && wanted <= logEnd) return { resumeAt: wanted, skipped: null };
  const to = fromBeginning ? logStart : logEnd;
  const deleted = wanted < logStart;
  const skipped: SkippedRecords = {
    topic: where.topic,
    partition: where.partition,
    from: String(wanted),
    to: String(to),
    logStart: String(logStart),
    logEnd: String(logEnd),
    cause: deleted ? 'deleted' : 'past-end',
    count: deleted ? Number(to - wanted) : null,
    at,
  };
  return { resumeAt: to, skipped };
}

/**
 * The skip in plain words, for logs, readiness and alerts: offsets and counts only, never a
 * record's content. E.g. `offsets 3-7 (5) of crm.ticket-events.v1/0 deleted before they were
 * read (log start 8); read on from 8`.
 */
export function describeSkipped(s: SkippedRecords): string {
  const where = `${s.topic}/${s.partition}`;
  if (s.cause === 'past-end') {
    return `position ${s.from} of ${where} lies past the log end ${s.logEnd} (the topic re-created or its log cut back; what it held from ${s.from} on is not known); read on from ${s.to}`;
  }
  const last = BigInt(s.to) - 1n;
  const passed = BigInt(s.to) > BigInt(s.logStart) ? `, and the rest up to the log end passed over` : '';
  return `offsets ${s.from}-${last} (${s.count ?? 0}) of ${where} deleted before they were read (log start ${s.logStart}${passed}); read on from ${s.to}`;
}

/** The consumer's error line for a skip: never the generic retry warning, and never silent. */
export function logSkipped(log: Logger, s: SkippedRecords): void {
  const { topic, partition, from, to, logStart, logEnd, cause, count } = s;
  log.error(
    { code: 'CL_RECORDS_SKIPPED', topic, partition, from, to, logStart, logEnd, cause, count },
    `records skipped: ${describeSkipped(s)}`,
  );
}
