import path from 'node:path';
import type { z } from 'zod';
import { addBusinessDays, MAX_SCAN_DAYS } from '../domain/sla/index.ts';
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

/**
 * Targets in business days that a policy's calendar cannot reach from `start`: a calendar whose
 * every working day is a holiday (a rule of a whole year, say) parses, but would fail every
 * ticket of its services at the first decision. Refused at load, naming both files.
 */
function unreachableTargets(
  tables: SlaTables,
  codes: readonly string[],
  policiesFile: string,
  calendarFiles: ReadonlyMap<string, string>,
  start: number,
): string[] {
  const out: string[] = [];
  for (const code of codes) {
    const policy = tables.policyNamed(code);
    if (!policy) continue;
    const calendar = tables.calendarFor(policy);
    for (const target of ['response', 'completion'] as const) {
      const { amount, unit } = policy[target];
      if (unit !== 'business_days') continue;
      try {
        addBusinessDays(calendar, start, amount);
      } catch (err) {
        if (!isCloseloopError(err) || err.code !== 'CL_SLA_TARGET_UNREACHABLE') throw err;
        const where = calendarFiles.get(calendar.name) ?? calendar.name;
        out.push(
          `${policiesFile}: ${code}.${target}: ${amount} business_days can never fall due: calendar "${calendar.name}" (${where}) has fewer business days in the ${MAX_SCAN_DAYS} days from ${new Date(start).toISOString().slice(0, 10)}; check its workingDays and holidays`,
        );
      }
    }
  }
  return out;
}
