import { DateTime } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * How long a source may go without a record before it counts as silent. Busy hours (the first
 * window that holds the instant, in the source's time zone) may allow less than the rest of the
 * week: a CRM that takes calls from 7 to 19 is silent after 30 quiet minutes at noon, not at 3 am.
 */
export interface SilenceSettings {
  readonly limitMinutes: number;
  readonly timeZone: string;
  readonly hours: readonly {
    readonly days: readonly Weekday[];
    /** Local time `HH:MM`, inclusive. */
    readonly from: string;
    /** Local time `HH:MM`, exclusive. */
    readonly to: string;
    readonly limitMinutes: number;
  }[];
}

const minutesOf = (hhmm: string): number => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** The limit that applies at `now`. */
export function silenceLimitMinutes(s: SilenceSettings, now: number): number {
  const local = DateTime.fromMillis(now, { zone: s.timeZone });
  const day = WEEKDAYS[local.weekday - 1];
  const minute = local.hour * 60 + local.minute;
  const window = s.hours.find(
    (w) => day !== undefined && w.days.includes(day) && minute >= minutesOf(w.from) && minute < minutesOf(w.to),
  );
  return window?.limitMinutes ?? s.limitMinutes;
}

export interface SilenceVerdict {
  readonly silent: boolean;
  readonly limitMinutes: number;
  readonly quietMinutes: number;
}

/** Silent: no record since `lastRecordAt` for longer than the limit that applies now. */
export function judgeSilence(s: SilenceSettings, lastRecordAt: number, now: number): SilenceVerdict {
  const limitMinutes = silenceLimitMinutes(s, now);
  const quietMinutes = (now - lastRecordAt) / 60_000;
  return { silent: quietMinutes > limitMinutes, limitMinutes, quietMinutes };
}
