import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountableFor, loadConfig, loadRoles, roleEntries } from '../../../src/config/index.ts';
import { runRoles } from '../../../src/cli/roles-command.ts';

async function rolesFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-roles-'));
  await writeFile(path.join(dir, 'roles.yaml'), yaml);
  return path.join(dir, 'closeloop.yaml');
}

const holder = (who: string, confirmed: string) =>
  `{ name: ${who}, mailbox: ${who.toLowerCase()}@city.example, confirmed: ${confirmed} }`;

describe('accountable roles (config/roles.yaml)', () => {
  it('loads the shipped roles: every routed department has its three roles', async () => {
    const config = await loadConfig('config/closeloop.yaml', {});
    expect(config.roles && Object.keys(config.roles.departments)).toEqual(['housing', 'transportation']);
    expect(accountableFor(config.roles, 'housing')).toBe(
      'service owner Housing 311 Service Owner <housing-311-owner@city.example>',
    );
    expect(accountableFor(config.roles, 'nobody')).toBeNull();
  });

  it('reports a routed department without roles and a bad entry together', async () => {
    const configFile = await rolesFile(`
departments:
  housing:
    serviceOwner: ${holder('Owner', '2026-11-01')}
    programCoordinator: { name: Coord, mailbox: not-a-mailbox, confirmed: 2026-11-01 }
    programManager: ${holder('Manager', 'yesterday')}
`);
    const problems: string[] = [];
    expect(await loadRoles(configFile, 'roles.yaml', ['housing', 'transportation'], problems)).toBeNull();
    const text = problems.join('\n');
    expect(text).toContain('departments.housing.programCoordinator.mailbox');
    expect(text).toContain('departments.housing.programManager.confirmed');
    // The schema problems stop the file before the department check, and both are in one list.
    const missing: string[] = [];
    const ok = await rolesFile(`
departments:
  housing: { serviceOwner: ${holder('O', '2026-11-01')}, programCoordinator: ${holder('C', '2026-11-01')}, programManager: ${holder('M', '2026-11-01')} }
`);
    expect(await loadRoles(ok, 'roles.yaml', ['housing', 'transportation'], missing)).toBeNull();
    expect(missing).toEqual([
      expect.stringContaining('departments.transportation: department transportation receives work'),
    ]);
  });

  it('marks entries confirmed longer ago than maxAgeDays as stale, and roles list exits 1 for them', async () => {
    const configFile = await rolesFile(`
maxAgeDays: 30
departments:
  housing: { serviceOwner: ${holder('O', '2026-11-01')}, programCoordinator: ${holder('C', '2026-09-01')}, programManager: ${holder('M', '2026-11-01')} }
`);
    const table = await loadRoles(configFile, 'roles.yaml', ['housing'], []);
    if (!table) throw new Error('roles did not load');
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(roleEntries(table, now).map((e) => [e.role, e.stale, e.ageDays])).toEqual([
      ['serviceOwner', false, 29],
      ['programCoordinator', true, 90],
      ['programManager', false, 29],
    ]);
    const config = { ...(await loadConfig('config/closeloop.yaml', {})), roles: table };
    const lines: string[] = [];
    expect(
      runRoles(
        'list',
        config,
        now,
        (l) => lines.push(l),
        () => undefined,
      ),
    ).toBe(1);
    expect(lines.find((l) => l.includes('programCoordinator'))).toContain('STALE (90 days)');
    expect(lines.at(-1)).toBe('3 role(s), 1 stale (older than 30 days)');
  });

  it('flags an entry dated more than a day ahead (a mistyped year) as stale, which would otherwise never go stale', async () => {
    const configFile = await rolesFile(`
maxAgeDays: 30
departments:
  housing: { serviceOwner: ${holder('O', '2062-11-01')}, programCoordinator: ${holder('C', '2026-12-01')}, programManager: ${holder('M', '2026-11-29')} }
`);
    const table = await loadRoles(configFile, 'roles.yaml', ['housing'], []);
    if (!table) throw new Error('roles did not load');
    // Noon UTC: 2026-12-01 is already today east of UTC+12, so it is not ahead.
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(roleEntries(table, now).map((e) => [e.role, e.stale, e.ahead, e.ageDays])).toEqual([
      ['serviceOwner', true, true, -13120],
      ['programCoordinator', false, false, -1],
      ['programManager', false, false, 1],
    ]);
    const config = { ...(await loadConfig('config/closeloop.yaml', {})), roles: table };
    const lines: string[] = [];
    expect(
      runRoles(
        'list',
        config,
        now,
        (l) => lines.push(l),
        () => undefined,
      ),
    ).toBe(1);
    expect(lines.find((l) => l.includes('serviceOwner'))).toContain('STALE (dated 13120 days ahead)');
    expect(lines.at(-1)).toBe('3 role(s), 1 stale (older than 30 days, or dated ahead)');
  });

  it('roles list without a roles file is a config problem: exit 1, with the code', async () => {
    const config = { ...(await loadConfig('config/closeloop.yaml', {})), roles: null };
    const errors: string[] = [];
    expect(
      runRoles(
        'list',
        config,
        Date.now(),
        () => undefined,
        (l) => errors.push(l),
      ),
    ).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/^closeloop: CL_CONFIG_INVALID: the config names no roles file/)]);
  });
});
