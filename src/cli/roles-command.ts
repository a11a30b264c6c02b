import { roleEntries, type CloseloopConfig, type RoleEntry } from '../config/index.ts';
import { failureLine } from './describe-error.ts';

/**
 * `closeloop roles list`: the accountable people per department, stale entries marked. Exits 1
 * when an entry is stale (so a scheduled job can remind someone) or when the config names no roles
 * file (a config problem), 2 for an unknown subcommand.
 */
export function runRoles(
  sub: string | undefined,
  config: CloseloopConfig,
  now: number,
  print: (line: string) => void,
  printError: (line: string) => void,
): number {
  if (sub !== 'list') {
    printError('usage: closeloop roles list [--config config/closeloop.yaml] [--now ISO]');
    return 2;
  }
  if (!config.roles) {
    printError(
      failureLine(
        'CL_CONFIG_INVALID',
        'the config names no roles file; add `roles: roles.yaml` (see config/roles.yaml)',
      ),
    );
    return 1;
  }
  const entries = roleEntries(config.roles, now);
  const rows = entries.map((e) => [e.department, e.role, e.name, e.mailbox, e.confirmed, ageOf(e)]);
  const head = ['department', 'role', 'name', 'mailbox', 'confirmed', 'age'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows])
    print(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  const stale = entries.filter((e) => e.stale).length;
  const ahead = entries.some((e) => e.ahead) ? ', or dated ahead' : '';
  print(`${entries.length} role(s), ${stale} stale (older than ${config.roles.maxAgeDays} days${ahead})`);
  return stale > 0 ? 1 : 0;
}

/** `29 days`, `STALE (90 days)`, or for a date after today `STALE (dated 365 days ahead)`. */
function ageOf(e: RoleEntry): string {
  if (e.ahead) return `STALE (dated ${-e.ageDays} days ahead)`;
  return e.stale ? `STALE (${e.ageDays} days)` : `${e.ageDays} days`;
}
