import type { CloseloopConfig } from '../config/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Lookup } from '../sdk/index.ts';
import { checkConnector } from '../worker/connector-check.ts';
import { CloseloopError } from '../errors/index.ts';

export interface DepartmentLookup {
  readonly connector: string;
  readonly system: string;
  readonly department: string;
  readonly lookup: Lookup;
}

/** The lookups of a config's connectors: the CRM's, and each department route's. */
export interface ReconcileLookups {
  readonly crm: Lookup | null;
  readonly departments: readonly DepartmentLookup[];
  stop(): Promise<void>;
}

export function departmentLookup(
  lookups: ReconcileLookups,
  route: { system: string; department: string },
): Lookup | null {
  return (
    lookups.departments.find((d) => d.system === route.system && d.department === route.department)?.lookup ?? null
  );
}

/**
 * Builds the lookups of every configured connector that has one, with its parsed settings and
 * credentials from `env`. A department connector is picked for a work order by the routes its
 * config serves (ConnectorDefinition.serves). Every problem is reported at once.
 */
export function reconcileLookups(config: CloseloopConfig, env: NodeJS.ProcessEnv, logger: Logger): ReconcileLookups {
  let crm: Lookup | null = null;
  const departments: DepartmentLookup[] = [];
  const all: Lookup[] = [];
  const problems: string[] = [];
  for (const instance of config.connectors) {
    const checked = checkConnector(instance, env, { credentials: true });
    problems.push(...checked.problems.map((p) => `connectors: ${p}`));
    const def = checked.definition;
    if (!def?.lookup || checked.problems.length > 0) continue;
    const lookup = def.lookup(checked.settings, {
      logger: logger.child({ connector: def.name }),
      env,
      clock: Date.now,
    });
    all.push(lookup);
    if (lookup.ticket) crm = lookup;
    if (lookup.workOrder) {
      for (const route of def.serves?.(checked.settings) ?? [])
        departments.push({ connector: def.name, ...route, lookup });
    }
  }
  if (problems.length > 0) {
    throw new CloseloopError('CL_CONFIG_INVALID', `invalid connector configuration:\n${problems.join('\n')}`, {
      details: { problems },
    });
  }
  return {
    crm,
    departments,
    async stop() {
      await Promise.all(all.map((l) => l.stop?.().catch(() => undefined)));
    },
  };
}
