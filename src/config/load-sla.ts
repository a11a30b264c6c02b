import path from 'node:path';
import type { z } from 'zod';
import { addBusinessDays, businessDaysBetween, MAX_SCAN_DAYS, type BusinessCalendar } from '../domain/sla/index.ts';
import { isCloseloopError, messageOf, SUGGEST_KEYS } from '../errors/index.ts';
import {
  DEFAULT_POLICY,
  buildSlaTables,
  calendarDefinitionSchema,
  slaPoliciesSchema,
  slaSectionSchema,
  type SlaTables,
} from './sla-schema.ts';
import { issues, readYaml } from './yaml.ts';

export interface SlaFiles {
  /** Calendar definition files, relative to the config file. */
  readonly calendars: readonly string[];
  /** The policies file, relative to the config file. */
  readonly policies: string;
}

async function readYamlInto(file: string, problems: string[]): Promise<unknown> {
  try {
    return await readYaml(file);
  } catch (err) {
    problems.push(messageOf(err));
    return undefined;
  }
}

/**
 * Reads the calendars and policies an `sla` section names and builds the lookup tables. Every
 * problem goes to `problems` with the file it is in, so one run reports them all. A policy for a
 * service code the routing does not know is an error: it would silently never apply.
 */
export async function loadSla(
  configFile: string,
  files: SlaFiles,
  known: { readonly serviceCodes: readonly string[]; readonly holdReasons: ReadonlySet<string> },
  problems: string[],
): Promise<SlaTables | null> {
  const { serviceCodes, holdReasons } = known;
  const dir = path.dirname(configFile);
  const before = problems.length;
  const calendars: z.infer<typeof calendarDefinitionSchema>[] = [];
  const calendarFiles = new Map<string, string>();
  for (const rel of files.calendars) {
    const file = path.resolve(dir, rel);
    const raw = await readYamlInto(file, problems);
    if (raw === undefined) continue;
    const parsed = calendarDefinitionSchema.safeParse(raw, SUGGEST_KEYS);
    if (parsed.success) {
      calendars.push(parsed.data);
      calendarFiles.set(parsed.data.name, file);
    } else problems.push(...issues(file, parsed.error));
  }
  const policiesFile = path.resolve(dir, files.policies);
  const rawPolicies = await readYamlInto(policiesFile, problems);
  if (rawPolicies !== undefined) {
    const parsed = slaPoliciesSchema.safeParse(rawPolicies, SUGGEST_KEYS);
    if (!parsed.success) problems.push(...issues(policiesFile, parsed.error));
    else {
      // A reason no status mapping produces can never pause a clock: most likely a typo.
      for (const [code, policy] of Object.entries(parsed.data)) {
        for (const reason of policy.pauseReasons.filter((r) => !holdReasons.has(r))) {
          const produced = [...holdReasons].sort().join(', ') || 'none';
          problems.push(
            `${policiesFile}: ${code}.pauseReasons: no status mapping gives the hold reason ${reason} (mapped: ${produced}); it would never pause the clock`,
          );
        }
      }
    }
    // Read from the raw file, so a stray code is reported along with any other problem.
    const codes = rawPolicies && typeof rawPolicies === 'object' ? Object.keys(rawPolicies) : [];
    for (const code of codes) {
      if (code !== DEFAULT_POLICY && !serviceCodes.includes(code)) {
        problems.push(
          `${policiesFile}: ${code}: not a service code of routing.services (nor "${DEFAULT_POLICY}"); the policy would never apply`,
        );
      }
    }
  }
  if (problems.length > before) return null;
  const section = slaSectionSchema.safeParse({ calendars, policies: rawPolicies }, SUGGEST_KEYS);
  if (!section.success) {
    problems.push(...issues(policiesFile, section.error));
    return null;
  }
  const tables = buildSlaTables(section.data);
  problems.push(
    ...unreachableTargets(tables, Object.keys(section.data.policies), policiesFile, calendarFiles, Date.now()),
  );
  return problems.length > before ? null : tables;
}

/** The first year, and how many years ahead, whose months a business-day target is checked from. */
const FIRST_CHECKED_YEAR = 2020;
const YEARS_AHEAD = 10;

/**
 * The instants a target is checked from: the first of each month from FIRST_CHECKED_YEAR
 * (history a city imports starts clocks in the past) to YEARS_AHEAD years from now. Checking from
 * the load instant alone passed a calendar whose holidays close every day only later (a
 * "01-01 P366D since 2027" rule loaded in 2026), which then failed every decision from that date.
 */
function checkedStarts(now: number): number[] {
  const last = new Date(now).getUTCFullYear() + YEARS_AHEAD;
  const out: number[] = [];
  for (let year = FIRST_CHECKED_YEAR; year <= last; year++) {
    for (let month = 0; month < 12; month++) out.push(Date.UTC(year, month, 1));
  }
  return out;
}

/**
 * Targets in business days that a policy's calendar cannot reach from some start (checkedStarts):
 * a calendar whose every working day is a holiday (a rule of a whole year, say) parses, but would
 * fail every ticket of its services at the first decision. Refused at load, naming both files.
 * Fast: each calendar is checked from every start with its largest target only (a smaller one is
 * reachable where a larger is); where that fails, from the first start it fails at, every target
 * longer than the business days there are is named.
 */
function unreachableTargets(
  tables: SlaTables,
  codes: readonly string[],
  policiesFile: string,
  calendarFiles: ReadonlyMap<string, string>,
  now: number,
): string[] {
  const targets = codes.flatMap((code) => {
    const policy = tables.policyNamed(code);
    if (!policy) return [];
    const calendar = tables.calendarFor(policy);
    return (['response', 'completion'] as const)
      .filter((target) => policy[target].unit === 'business_days')
      .map((target) => ({ code, target, calendar, amount: policy[target].amount }));
  });
  const largest = new Map<BusinessCalendar, number>();
  for (const t of targets) largest.set(t.calendar, Math.max(t.amount, largest.get(t.calendar) ?? 0));
  const starts = checkedStarts(now);
  const failing = new Map<BusinessCalendar, { from: number; available: number; largest: number }>();
  for (const [calendar, amount] of largest) {
    const from = starts.find((start) => !reaches(calendar, start, amount));
    if (from === undefined) continue;
    const available = businessDaysBetween(calendar, from, from + MAX_SCAN_DAYS * 86_400_000);
    failing.set(calendar, { from, available, largest: amount });
  }
  return targets.flatMap(({ code, target, calendar, amount }) => {
    const f = failing.get(calendar);
    if (!f || (amount <= f.available && amount < f.largest)) return [];
    const where = calendarFiles.get(calendar.name) ?? calendar.name;
    return [
      `${policiesFile}: ${code}.${target}: ${amount} business_days can never fall due: calendar "${calendar.name}" (${where}) has fewer business days in the ${MAX_SCAN_DAYS} days from ${new Date(f.from).toISOString().slice(0, 10)}; check its workingDays and holidays`,
    ];
  });
}

function reaches(calendar: BusinessCalendar, start: number, amount: number): boolean {
  try {
    addBusinessDays(calendar, start, amount);
    return true;
  } catch (err) {
    if (!isCloseloopError(err) || err.code !== 'CL_SLA_TARGET_UNREACHABLE') throw err;
    return false;
  }
}
