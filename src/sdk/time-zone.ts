import { IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * Which time zone names a config may give: a canonical IANA Area/Location name
 * (America/New_York), or UTC, Etc/UTC and Etc/GMT±N for a fixed offset on purpose. Every
 * place a zone is configured checks it here.
 *
 * The legacy names are valid IANA names, so a zone library takes them, but they are traps: EST,
 * MST and HST are fixed offsets with no daylight saving, so a city meaning US Eastern time that
 * writes EST gets every SLA deadline and every month's boundary an hour off from March to
 * November, with nothing said. POSIX-style names (EST5EDT) and backward links (US/Eastern,
 * Canada/Pacific) name a zone better written as the zone itself.
 */

/** The areas of the IANA database's Area/Location names (backward links use others: US/, Canada/). */
const AREAS = [
  'Africa',
  'America',
  'Antarctica',
  'Arctic',
  'Asia',
  'Atlantic',
  'Australia',
  'Europe',
  'Indian',
  'Pacific',
];
const AREA_LOCATION = new RegExp(`^(?:${AREAS.join('|')})/[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$`);
const FIXED = /^(?:UTC|Etc\/UTC|Etc\/GMT(?:[+-](?:[1-9]|1[0-4]))?)$/;

/*
 * The US regions the legacy names were written for. ICU (Node's Intl) still keeps EST5EDT and
 * its kin as zones of their own, though the IANA database links them to these since 2024b, and
 * resolves EST to America/Panama, a place that keeps its clock, not to the region that meant it.
 */
const MEANT: Readonly<Record<string, string>> = {
  EST: 'America/New_York',
  EST5EDT: 'America/New_York',
  CST6CDT: 'America/Chicago',
  MST: 'America/Denver',
  MST7MDT: 'America/Denver',
  PST8PDT: 'America/Los_Angeles',
};

/** The name ICU gives a zone: a link's target (US/Eastern: America/New_York). */
function resolvedName(zone: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone;
}

/** The Etc zone that keeps an offset of this many minutes all year; its sign is POSIX's, reversed. */
function etcZoneFor(minutes: number): string | null {
  if (minutes === 0) return 'UTC';
  if (minutes % 60 !== 0) return null;
  const hours = -minutes / 60;
  return `Etc/GMT${hours > 0 ? '+' : ''}${hours}`;
}

function notAZone(zone: string): string {
  // GMT+5 and UTC-3 are not IANA names; the Etc zones with their offset are, signs reversed.
  const offset = /^(?:GMT|UTC)([+-])(\d{1,2})$/.exec(zone);
  const etc = offset ? etcZoneFor((offset[1] === '+' ? 60 : -60) * Number(offset[2])) : null;
  return (
    `"${zone}" is not an IANA time zone (e.g. America/New_York)` +
    (etc === null ? '' : `; for a fixed offset write ${etc} (its sign is reversed)`)
  );
}

/** Why a configured time zone is refused, or null when it is a canonical zone. */
export function timeZoneProblem(zone: string): string | null {
  if (!IANAZone.isValidZone(zone)) return notAZone(zone);
  if (FIXED.test(zone)) return null;
  const resolved = resolvedName(zone);
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) {
    return `"${zone}" is written "${resolved}"`;
  }
  // A link within an area (Asia/Calcutta) keeps the clock of its zone and is let be: ICU's own
  // canonical names are older than the IANA ones (it resolves Asia/Kolkata to Asia/Calcutta).
  if (AREA_LOCATION.test(zone)) return null;
  const place = MEANT[zone] ?? (AREA_LOCATION.test(resolved) ? resolved : null);
  const tz = IANAZone.create(zone);
  const year = new Date().getUTCFullYear();
  const winter = tz.offset(Date.UTC(year, 0, 1));
  if (!zone.includes('/') && winter === tz.offset(Date.UTC(year, 6, 1))) {
    const clock =
      place !== null && resolved !== place && AREA_LOCATION.test(resolved) ? ` (the clock of ${resolved})` : '';
    const etc = etcZoneFor(winter);
    return (
      `"${zone}" is a legacy name for a fixed offset, UTC${tz.formatOffset(Date.UTC(year, 0, 1), 'short')} all year ` +
      `with no daylight saving${clock}: write the Area/Location zone of the place meant ` +
      `(e.g. ${place ?? 'America/New_York'})${etc === null ? '' : `, or ${etc} for a fixed offset`}`
    );
  }
  const named = place ?? (FIXED.test(resolved) ? resolved : null);
  return (
    `"${zone}" is a legacy name, not an IANA Area/Location zone: ` +
    (named === null
      ? 'write the Area/Location zone of the place meant (e.g. America/New_York)'
      : `write ${named}, the zone it names`)
  );
}

/** A configured time zone: a canonical IANA zone, checked by timeZoneProblem. */
export const timeZoneSchema = z.string().superRefine((zone, ctx) => {
  const problem = timeZoneProblem(zone);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});
