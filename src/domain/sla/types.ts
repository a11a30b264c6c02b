export const SLA_UNITS = ['business_days', 'calendar_hours'] as const;
export type SlaUnit = (typeof SLA_UNITS)[number];

/** date-holidays' holiday types; a calendar observes the ones it lists. */
export const HOLIDAY_TYPES = ['public', 'bank', 'optional', 'school', 'observance'] as const;
export type HolidayType = (typeof HOLIDAY_TYPES)[number];

export interface SlaTarget {
  readonly amount: number;
  readonly unit: SlaUnit;
}

export interface SlaPolicy {
  readonly name: string;
  readonly calendar: string;
  /** Stops when the ticket first reaches ACCEPTED, ASSIGNED or any later state; never pauses. */
  readonly response: SlaTarget;
  /** Stops at RESOLVED; pauses on hold for one of pauseReasons. */
  readonly completion: SlaTarget;
  /** Upper-snake hold reasons that pause the completion clock. */
  readonly pauseReasons: readonly string[];
}

export interface SlaPause {
  readonly from: number;
  /** null while the pause is open; an open pause is always the last one. */
  readonly to: number | null;
  /** The hold reason, or LINKED (clock.ts) while the ticket is linked to a parent. */
  readonly reason: string;
}

/** Plain JSON data: it lives in the processor's state changelog. */
export interface SlaClock {
  readonly policy: string;
  readonly calendar: string;
  readonly startedAt: number;
  /**
   * null: the clock runs no response target. A clock started from imported history has none:
   * an export records no first response, so neither a due date nor a verdict can be made up.
   */
  readonly responseDueAt: number | null;
  /** Current completion due date; resuming from a pause moves it out. */
  readonly completionDueAt: number;
  /** The completion target's unit at start: a resume adds back remaining time in this unit. */
  readonly completionUnit: SlaUnit;
  readonly respondedAt: number | null;
  readonly resolvedAt: number | null;
  /** The last MAX_CLOSED_PAUSES closed pauses plus the open one; the totals below cover all. */
  readonly pauses: readonly SlaPause[];
  /** Business days spent in closed pauses. */
  readonly pausedBusinessDays: number;
  /** Wall-clock ms spent in closed pauses. */
  readonly pausedMs: number;
  /** Sticky once set (by checkBreaches): the record that the target was missed. */
  readonly responseBreached: boolean;
  readonly completionBreached: boolean;
  /**
   * Kept on the clock so that it never needs config once stopped: a policy and its calendar may
   * be removed while its ticket stands (README). The calendar's zone, which places its months;
   * the response target's unit at start, which a release moves the response due date in; and,
   * once resolved, its business days to resolve. Optional: states written before have none
   * (the changelog's default null), and then the configured calendar and policy are read.
   */
  readonly timeZone?: string | null;
  readonly responseUnit?: SlaUnit | null;
  readonly businessDaysToResolve?: number | null;
}

/** What the processor needs of the configured SLA tables (built in src/config/sla-schema.ts). */
export interface SlaLookup {
  /** The service code's policy, else the "default" policy, else null (no clock). */
  policyFor(serviceCode: string | null): SlaPolicy | null;
  /** A policy by name, as a running clock records it; undefined once removed from config. */
  policyNamed(name: string): SlaPolicy | undefined;
  /** A calendar by name; undefined once removed from config. */
  calendarNamed(name: string): BusinessCalendar | undefined;
}

export interface ExtraHoliday {
  /** YYYY-MM-DD, a local date in the calendar's zone. */
  readonly date: string;
  readonly name?: string | undefined;
}

/** An annual holiday in date-holidays' rule grammar, e.g. "09-30" or "1st monday in August". */
export interface HolidayRule {
  readonly rule: string;
  readonly name: string;
}

export interface HolidaySources {
  /** ISO 3166 country code as date-holidays knows it (CA, US, …); no library holidays when absent. */
  readonly country?: string | undefined;
  readonly state?: string | undefined;
  readonly region?: string | undefined;
  /**
   * Library holiday types observed. date-holidays' own substitute days are kept with the holiday
   * they stand in for, whatever type the library gives them (not one it types "observance").
   */
  readonly types: readonly HolidayType[];
  /** Recurring city holidays the library lacks or lists under a type not observed. */
  readonly rules: readonly HolidayRule[];
  /** One-off closures. */
  readonly extra: readonly ExtraHoliday[];
  /** Dates the library (or a rule) lists that the city works anyway. */
  readonly exclude: readonly string[];
}

/** Shape of a validated calendar definition (see src/config/sla-schema.ts). */
export interface CalendarDefinition {
  readonly name: string;
  /** IANA zone; local days begin and end at midnight in it. */
  readonly timeZone: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  readonly workingDays: readonly number[];
  readonly holidays: HolidaySources;
}

/** One local calendar day: [start, end) in epoch ms; 23, 24 or 25 hours long, or empty for a date the zone skipped. */
export interface LocalDay {
  /** Local days since 1970-01-01. */
  readonly index: number;
  /** YYYY-MM-DD. */
  readonly date: string;
  readonly start: number;
  readonly end: number;
  /** A working weekday that is not a holiday. */
  readonly business: boolean;
}

export interface BusinessCalendar {
  readonly name: string;
  readonly timeZone: string;
  isBusinessDay(epochMs: number): boolean;
  /** Whether a local date (YYYY-MM-DD) is a holiday of this calendar, working weekday or not. */
  isHoliday(date: string): boolean;
  /** The local day containing an instant. */
  dayAt(epochMs: number): LocalDay;
  /** The local day with this index (see LocalDay.index). */
  day(index: number): LocalDay;
  /** Sorted holiday dates of a year, for review and tests. */
  holidaysIn(year: number): string[];
}
