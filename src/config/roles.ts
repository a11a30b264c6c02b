import path from 'node:path';
import { z } from 'zod';
import { messageOf, SUGGEST_KEYS } from '../errors/index.ts';
import { issues, readYaml } from './yaml.ts';

/**
 * The people accountable for 311 work per business area, as Edmonton's audit asks ("a current
 * list of individuals assigned to 311 roles", recommendation 4). Alerts and KPI rows name the
 * accountable role; none of it reaches public outputs.
 */
export const ROLE_KINDS = ['serviceOwner', 'programCoordinator', 'programManager'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

const isoDate = z.iso.date('a date as YYYY-MM-DD');

const roleHolderSchema = z
  .object({
    name: z.string().trim().min(1),
    /** A role mailbox, not a person's own address: it outlives staff changes. */
    mailbox: z.email('a role mailbox, e.g. housing-311-owner@city.example'),
    /** When someone last confirmed this entry is current. */
    confirmed: isoDate,
  })
  .strict();

export const rolesFileSchema = z
  .object({
    /** An entry confirmed longer ago than this is flagged as stale. */
    maxAgeDays: z.number().int().min(1).max(3650).default(180),
    departments: z.record(
      z.string().min(1),
      z
        .object({
          serviceOwner: roleHolderSchema,
          programCoordinator: roleHolderSchema,
          programManager: roleHolderSchema,
        })
        .strict(),
    ),
  })
  .strict();

export type RoleHolder = z.infer<typeof roleHolderSchema>;

export interface RolesTable {
  readonly file: string;
  readonly maxAgeDays: number;
  readonly departments: Readonly<Record<string, Readonly<Record<RoleKind, RoleHolder>>>>;
}

export interface RoleEntry extends RoleHolder {
  readonly department: string;
  readonly role: RoleKind;
  /** Confirmed longer ago than maxAgeDays at the time asked, or dated ahead (see `ahead`). */
  readonly stale: boolean;
  /**
   * Dated more than a day after the time asked (a mistyped year): such an entry would never go
   * stale, so it is flagged as stale until corrected. A day's grace: a date written where the
   * day has already begun is still the day before in UTC.
   */
  readonly ahead: boolean;
  /** Whole days since the confirmation, negative when it is dated ahead. */
  readonly ageDays: number;
}

/**
 * Reads the roles file a config names. Every department the routing sends work to must have all
 * three roles; problems go to `problems` with the file they are in, so one run reports them all.
 */
export async function loadRoles(
  configFile: string,
  rel: string,
  departments: readonly string[],
  problems: string[],
): Promise<RolesTable | null> {
  const file = path.resolve(path.dirname(configFile), rel);
  let raw: unknown;
  try {
    raw = await readYaml(file);
  } catch (err) {
    problems.push(messageOf(err));
    return null;
  }
  const parsed = rolesFileSchema.safeParse(raw, SUGGEST_KEYS);
  if (!parsed.success) {
    problems.push(...issues(file, parsed.error));
    return null;
  }
  const missing = departments.filter((d) => !Object.hasOwn(parsed.data.departments, d));
  for (const d of missing) {
    problems.push(`${file}: departments.${d}: department ${d} receives work but has no accountable roles`);
  }
  return missing.length > 0 ? null : { file, ...parsed.data };
}

const DAY_MS = 86_400_000;

/** Every role of every department, with entries older than the file's limit or dated ahead marked stale. */
export function roleEntries(table: RolesTable, now: number): RoleEntry[] {
  return Object.entries(table.departments)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([department, roles]) =>
      ROLE_KINDS.map((role) => {
        const holder = roles[role];
        const ageDays = Math.floor((now - Date.parse(`${holder.confirmed}T00:00:00Z`)) / DAY_MS);
        const ahead = ageDays < -1;
        return { department, role, ...holder, ageDays, ahead, stale: ahead || ageDays > table.maxAgeDays };
      }),
    );
}

/** Who answers for a department's stuck work: its service owner, where the roles are configured. */
export function accountableFor(table: RolesTable | null, department: string | null): string | null {
  if (!table || department === null || !Object.hasOwn(table.departments, department)) return null;
  const owner = table.departments[department]?.serviceOwner;
  return owner ? `service owner ${owner.name} <${owner.mailbox}>` : null;
}
