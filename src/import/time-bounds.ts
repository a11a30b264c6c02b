import { DEFAULT_ORDERING, beyondSkew } from '../domain/ordering.ts';
import { EARLIEST_EVENT_TIME, MAX_FORECAST_YEARS, forecastBelievable, showTime } from '../domain/request-time.ts';

/**
 * The times an import takes, judged as the processor will judge the events it publishes, so a
 * time it would quarantine is a rejection with its row and column instead: found by a dry run,
 * and not quarantined again on every re-run (a quarantined event is not remembered as seen).
 */
export interface TimeBounds {
  /** The import's run time: an export holds no time after it, beyond clock skew. */
  readonly now: number;
  /** processor.ordering.maxFutureMs: the skew the processor allows an event's time. */
  readonly maxFutureMs: number;
}

export function timeBounds(o: { readonly now?: number; readonly maxFutureMs?: number } = {}): TimeBounds {
  return { now: o.now ?? Date.now(), maxFutureMs: o.maxFutureMs ?? DEFAULT_ORDERING.maxFutureMs };
}

/**
 * Why an open or close time cannot be the time of an event, or null. One after the run time
 * (plus the skew) is a year mistyped (2204): the processor would quarantine its event as
 * IMPLAUSIBLE_SEQUENCE, leaving a closed ticket open and a request in a month to come. One
 * before EARLIEST_EVENT_TIME is a placeholder (NYC's 01/01/1900) or a year mistyped the other way.
 */
export function eventTimeFault(at: number, b: TimeBounds): string | null {
  if (at < EARLIEST_EVENT_TIME) {
    return `is before ${showTime(EARLIEST_EVENT_TIME)}, which is no time an event has (a placeholder, or a mistyped year)`;
  }
  if (!beyondSkew(at, b.now, b.maxFutureMs)) return null;
  return (
    `is after the import's run time ${showTime(b.now)} by more than processor.ordering.maxFutureMs ` +
    `(${b.maxFutureMs} ms): a mistyped year? The processor would quarantine its event`
  );
}

/**
 * Why a due date cannot be one, or null. A due date may lie ahead (the ticket is open), but not
 * further than a department's forecast may (MAX_FORECAST_YEARS): it would be published to the
 * citizen as the expected date, and judge the ticket on time whenever it closed.
 */
export function dueTimeFault(at: number, b: TimeBounds): string | null {
  if (forecastBelievable(at, b.now)) return null;
  return at < EARLIEST_EVENT_TIME
    ? `is before ${showTime(EARLIEST_EVENT_TIME)}, which is no due date (a placeholder, or a mistyped year)`
    : `is more than ${MAX_FORECAST_YEARS} years after the import's run time ` +
        `${showTime(b.now)}, which is no due date (a mistyped year?)`;
}
