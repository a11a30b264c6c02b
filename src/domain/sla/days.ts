/**
 * Proleptic Gregorian date arithmetic on day indexes (days since 1970-01-01), so that walking
 * through days needs no date library objects. Algorithms after H. Hinnant, "chrono-Compatible
 * Low-Level Date Algorithms".
 */

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function civilFromIndex(index: number): CivilDate {
  const z = index + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function indexFromCivil({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** ISO weekday, 1 = Monday … 7 = Sunday; 1970-01-01 was a Thursday. */
export function isoWeekday(index: number): number {
  return ((((index + 3) % 7) + 7) % 7) + 1;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function formatDate({ year, month, day }: CivilDate): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses YYYY-MM-DD; undefined for anything else, including 2026-02-30. */
export function parseDate(text: string): CivilDate | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  const back = civilFromIndex(indexFromCivil(date));
  return back.month === date.month && back.day === date.day ? date : undefined;
}
