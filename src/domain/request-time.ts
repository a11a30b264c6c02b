import type { DecideContext } from './context.ts';
import { DEFAULT_ORDERING, beyondSkew } from './ordering.ts';
import type { Policy } from './policy.ts';

/** Request times further back than this before the event reporting them are taken as errors. */
export const MAX_BACKDATE_MS = 366 * 86_400_000;

/**
 * An event time before this is not a time a source meant (an unset timestamp, 0; a count of
 * seconds taken for milliseconds, which lands in January 1970). A later one, however old, is the
 * source's word: a connector catching up on a backlog sends old events, and judging them against
 * the clock would also make every fixed-time test fail once a year has passed.
 */
export const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);

/**
 * How far after processing time a department's expected date may lie. A forecast further out is
 * no forecast a citizen can use; the dates this catches are units slipped by orders of magnitude
 * (microseconds taken for milliseconds land in the year 58896).
 */
export const MAX_FORECAST_YEARS = 10;
export const MAX_FORECAST_MS = MAX_FORECAST_YEARS * 366 * 86_400_000;

export interface RequestTime {
  /** The instant the ticket runs on: its SLA clocks start there, its report month is taken there. */
  readonly at: number;
  /** Why the time the event gave was not believed, for IMPLAUSIBLE_TIME; null when it was. */
  readonly doubt: string | null;
}

/** An instant for people; Avro longs can lie outside what a Date can show. */
export function showTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}

function believable(at: number, reportedAt: number, latest: number): boolean {
  return Number.isFinite(at) && at <= latest && at >= reportedAt - MAX_BACKDATE_MS;
}

/**
 * When a request was made, as far as it can be believed. The CRM's request time is believed
 * unless it is later than processing time, more than MAX_BACKDATE_MS before the event reporting
 * it, or not a time at all (a seconds-for-ms slip, a default 0). Without one, the event's own time
 * stands in unless it is before EARLIEST_EVENT_TIME or ahead of processing time by more than the
 * skew ordering tolerates (processor.ordering.maxFutureMs); a little ahead is taken as now. An
 * unset producer timestamp (0) or a corrupted one must not start a ticket's clocks in 1970 or
 * 2036. What is not believed gives way to the event's time where that is believable, else to
 * processing time.
 */
export function requestTime(
  requestedAt: number | null,
  occurredAt: number,
  // Only the clock and the ordering bounds: the public figures judge a request the processor has
  // not told about yet by this same rule, without a policy of their own.
  ctx: Pick<DecideContext, 'now'> & { readonly policy: Pick<Policy, 'ordering'> },
): RequestTime {
  const { now } = ctx;
  const maxFutureMs = (ctx.policy.ordering ?? DEFAULT_ORDERING).maxFutureMs;
  const eventBelieved = occurredAt >= EARLIEST_EVENT_TIME && !beyondSkew(occurredAt, now, maxFutureMs);
  const reported = eventBelieved ? Math.min(occurredAt, now) : now;
  if (requestedAt !== null) {
    if (believable(requestedAt, reported, now)) return { at: requestedAt, doubt: null };
    return {
      at: reported,
      doubt: `request time ${showTime(requestedAt)} is later than processing time or over a year before the event`,
    };
  }
  if (eventBelieved) return { at: reported, doubt: null };
  return {
    at: now,
    doubt:
      `event time ${showTime(occurredAt)}, standing in for the request time, is before ` +
      `${showTime(EARLIEST_EVENT_TIME)} or more than processor.ordering.maxFutureMs (${maxFutureMs} ms) after processing time`,
  };
}

/**
 * Whether a date a system sets ahead (a department's expected date, an export's due date) is
 * one it can mean: from EARLIEST_EVENT_TIME to MAX_FORECAST_MS after `now`.
 */
export function forecastBelievable(at: number, now: number): boolean {
  return Number.isFinite(at) && at >= EARLIEST_EVENT_TIME && at <= now + MAX_FORECAST_MS;
}

/** A department's expected date as far as it can be believed: `at` null when it is not, or none. */
export interface ExpectedTime {
  readonly at: number | null;
  /** Why the date given was not believed, for IMPLAUSIBLE_TIME; null when it was, or there was none. */
  readonly doubt: string | null;
}

/**
 * When a department expects the work done, as far as it can be believed. A date before
 * EARLIEST_EVENT_TIME (an unset 0, seconds taken for milliseconds) or more than MAX_FORECAST_MS
 * after processing time (a finer unit taken for milliseconds) is not a date the department
 * meant: published, it would tell the citizen the work is due in 1970 or in the year 58896. A
 * date in the past is believed (the work is overdue).
 */
export function expectedTime(expectedAt: number | null | undefined, ctx: DecideContext): ExpectedTime {
  if (expectedAt == null) return { at: null, doubt: null };
  if (forecastBelievable(expectedAt, ctx.now)) return { at: expectedAt, doubt: null };
  return {
    at: null,
    doubt:
      `expected date ${showTime(expectedAt)} is before ${showTime(EARLIEST_EVENT_TIME)} or more than ` +
      `${MAX_FORECAST_YEARS} years after processing time`,
  };
}
