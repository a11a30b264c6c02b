import Holidays, { type HolidaysTypes } from 'date-holidays';
import type { HolidaySources } from './types.ts';

/**
 * The only module that touches date-holidays. Holidays are whole local dates: every date a
 * library holiday touches counts whole (Halloween, from 18:00, is its date; a city's own rule may
 * not have a time of day: ruleProblem), and one of several days
 * (Romania's New Year, Russia's New Year break, Korea's Seollal, a "12-24 P3D" rule) is each of
 * its dates. A holiday may run into the next year: those dates are listed with its year's.
 */

/** Dates (YYYY-MM-DD) the library and the rules yield when asked for one year. */
export type YearHolidays = (year: number) => string[];

export function holidaySource(src: HolidaySources): YearHolidays {
  // Built once per calendar: construction parses the country data (~10 ms).
  const library = src.country
    ? new Holidays({ country: src.country, state: src.state, region: src.region })
    : undefined;
  const types: readonly string[] = src.types;
  const substitutes = library ? keptSubstitutes(library, types) : new Set<string>();
  // Rules live apart so that they apply whatever library types the calendar observes.
  const custom = new Holidays();
  for (const r of src.rules) {
    if (!custom.setHoliday(r.rule, { name: r.name, type: 'public' })) {
      throw new Error(`holiday rule "${r.rule}" (${r.name}) cannot be parsed`);
    }
  }
  return (year) => {
    const fromLibrary = library
      ? library.getHolidays(year).filter((h) => types.includes(h.type) || (h.substitute && substitutes.has(h.rule)))
      : [];
    return [...fromLibrary, ...custom.getHolidays(year)].flatMap(datesOf);
  };
}

/**
 * The rules of substitute days to keep whatever their own type: those standing in for a holiday
 * of a type observed. date-holidays gives a substitute of its own ("substitutes 11-11 if sunday
 * then next monday …") the type the data says, which may not be its holiday's: the US Veterans
 * Day substitute is "bank" (federal offices close) though Veterans Day is "public", and filtering
 * on type alone would work the observed day. The link is the rule: the text after "substitutes"
 * is the held holiday's rule, or its start ("01-01" of Hong Kong's "01-01 not on Sunday").
 * A substitute typed "observance" is kept out: date-holidays' word for "not a day off" (Spain's
 * national list types so the substitutes each region decides, and a region that moves the day
 * lists it "public"). A substitute made by the holiday's own rule ("12-25 and if sunday then
 * next monday") shares its type and needs nothing here.
 */
function keptSubstitutes(library: Holidays, types: readonly string[]): ReadonlySet<string> {
  // The class's declared type hides the fields its objects carry (the rule and the data's own).
  const rules = (library.getRules() as unknown as readonly HolidaysTypes.HolidayRule[]).map((r) => ({
    rule: r.rule,
    type: r.type ?? 'public', // date-holidays' default for a rule without one
  }));
  const kept = new Set<string>();
  for (const sub of rules) {
    if (sub.type === 'observance' || types.includes(sub.type)) continue;
    const base = SUBSTITUTES.exec(sub.rule)?.[1];
    if (base === undefined) continue;
    const exact = rules.filter((r) => r.rule === base);
    const held =
      exact.length > 0 ? exact : rules.filter((r) => !SUBSTITUTES.test(r.rule) && r.rule.startsWith(`${base} `));
    if (held.some((r) => types.includes(r.type))) kept.add(sub.rule);
  }
  return kept;
}

/** "substitutes <held holiday's rule> if … | and if …" (date-holidays' rule grammar). */
const SUBSTITUTES = /^substitutes (.+?) (?:and|if)\b/i;

const DAY_MS = 86_400_000;

/**
 * The local dates of one holiday. `date` is its local start ("2026-01-02 00:00:00"); `start` and
 * `end` are instants, `end` the local midnight after its last day. Counted from the local
 * midnight it starts on, a 23- or 25-hour day (a clock change) still rounds to whole days.
 */
function datesOf(h: { date: string; start: Date; end: Date }): string[] {
  const first = h.date.slice(0, 10);
  const [hh = 0, mm = 0, ss = 0] = h.date.slice(11, 19).split(':').map(Number);
  const midnight = h.start.getTime() - ((hh * 60 + mm) * 60 + ss) * 1000;
  const days = Math.max(1, Math.round((h.end.getTime() - midnight) / DAY_MS));
  if (days === 1 || !Number.isFinite(days)) return [first];
  const at = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(at + i * DAY_MS).toISOString().slice(0, 10));
}

let countries: Readonly<Record<string, string>> | undefined;

export interface RegionProblem {
  readonly field: 'country' | 'state' | 'region';
  readonly message: string;
}

/** What date-holidays does not know of this country/state/region, or null when it knows it all. */
export function regionProblem(country?: string, state?: string, region?: string): RegionProblem | null {
  const lib = new Holidays();
  countries ??= lib.getCountries();
  if (!country) {
    if (state) return { field: 'state', message: 'holidays.state needs holidays.country' };
    return region ? { field: 'region', message: 'holidays.region needs holidays.country' } : null;
  }
  if (!Object.hasOwn(countries, country)) {
    return { field: 'country', message: `date-holidays does not know country "${country}"` };
  }
  if (!state) return region ? { field: 'region', message: 'holidays.region needs holidays.state' } : null;
  const states = lib.getStates(country) ?? {};
  if (!Object.hasOwn(states, state)) {
    const known = Object.keys(states);
    const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
    return { field: 'state', message: `date-holidays does not know state "${state}" of ${country}${hint}` };
  }
  if (!region) return null;
  const regions = lib.getRegions(country, state) ?? {};
  if (Object.hasOwn(regions, region)) return null;
  return { field: 'region', message: `date-holidays does not know region "${region}" of ${country}-${state}` };
}

/**
 * Why the types asked for give no holiday at all where asked (the US has no "bank" holidays in
 * date-holidays), or null: a calendar that silently observes nothing would pass every due date
 * through the city's holidays.
 */
export function typesProblem(
  country: string,
  state: string | undefined,
  region: string | undefined,
  types: readonly string[],
): string | null {
  const lib = new Holidays({ country, state, region });
  for (let year = 2020; year < 2032; year++) {
    if (lib.getHolidays(year).some((h) => types.includes(h.type))) return null;
  }
  const where = [country, state, region].filter(Boolean).join('-');
  return `date-holidays has no holidays of type ${types.join(', ')} for ${where}`;
}

/**
 * Why a rule is unusable, or null. date-holidays accepts some nonsense (a "13-45" rule yields
 * February of the next year), so a rule must also land inside the asked year at least once. A
 * rule with a time of day ("12-24 12:00", "12-24 PT4H") is refused: business days are whole days,
 * so its half day would close the whole date, and a city writing one expects its morning worked.
 */
export function ruleProblem(rule: string): string | null {
  const lib = new Holidays();
  if (!lib.setHoliday(rule, { name: 'probe', type: 'public' })) return `holiday rule "${rule}" cannot be parsed`;
  let lands = false;
  for (let year = 2020; year < 2032; year++) {
    const holidays = lib.getHolidays(year);
    if (holidays.some(partOfDay)) {
      return `holiday rule "${rule}" closes part of a day; a business day is a whole day, so write the date alone (closed all day) or leave it out (worked)`;
    }
    lands ||= holidays.some((h) => h.date.startsWith(`${year}-`));
  }
  return lands ? null : `holiday rule "${rule}" yields no date in the years it is asked for`;
}

/**
 * A holiday that starts after midnight, or lasts other than whole days (give or take a clock
 * change). The time is read at its fixed place, as datesOf reads it: an Islamic or Hebrew rule's
 * date carries a zone suffix ("2026-03-20 00:00:00 -0600") and a start at the sunset before, and
 * is still its whole date, so the length is counted from the local midnight its date begins.
 */
function partOfDay(h: { date: string; start: Date; end: Date }): boolean {
  const time = h.date.slice(11, 19);
  const days = (h.end.getTime() - h.start.getTime()) / DAY_MS;
  return time !== '00:00:00' || Math.abs(days - Math.round(days)) > 1 / 24 || Math.round(days) < 1;
}
