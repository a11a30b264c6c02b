import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runVolume } from '../../../src/cli/volume-command.ts';
import { loadConfig } from '../../../src/config/index.ts';
import type { MonthVolume } from '../../../src/domain/kpi/index.ts';
import { formatVolume } from '../../../src/kpi/volume-format.ts';
import { createLogger } from '../../../src/observability/logger.ts';

// Arguments are checked before anything connects, so these need no broker.
const config = await loadConfig('config/closeloop.yaml', {});

async function run(args: Parameters<typeof runVolume>[0]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runVolume(
    args,
    config,
    createLogger({ level: 'silent' }),
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err: err.join('\n') };
}

const MONTHS: MonthVolume[] = [
  {
    month: '2018-01',
    tickets: 3,
    byDepartment: { 'Parks, Trees': 1, Water: 2 },
    byChannel: { PHONE: 3 },
    topRequestTypes: [
      ['Leak', 2],
      ['Tree "down"', 1],
    ],
    resolvedOnTime: 1,
    resolvedLate: 1,
    resolvedNoTarget: 1,
  },
  {
    month: '2018-02',
    tickets: 1,
    byDepartment: { Water: 1 },
    byChannel: { WEB: 1 },
    topRequestTypes: [['Leak', 1]],
    resolvedOnTime: 0,
    resolvedLate: 0,
    resolvedNoTarget: 0,
  },
];

describe('closeloop kpi volume arguments', () => {
  it('exits 2 naming every bad option at once, with the usage', async () => {
    const r = await run({ from: '2018-13', to: 'March', format: 'xml', timeZone: 'Mars/Olympus' });
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    for (const problem of [
      '--from must be YYYY-MM',
      '--to must be YYYY-MM',
      '--format must be one of',
      '--time-zone',
    ]) {
      expect(r.err).toContain(problem);
    }
    expect(r.err).toContain('usage: closeloop kpi volume');
  });

  it('exits 2 when --from is after --to', async () => {
    const r = await run({ from: '2019-02', to: '2019-01' });
    expect(r).toMatchObject({ code: 2, out: [] });
    expect(r.err).toContain('--from 2019-02 is after --to 2019-01');
  });
});

describe('the volume figures printed', () => {
  it('as JSON are the figures as computed', () => {
    expect(JSON.parse(formatVolume(MONTHS, 'json', 'UTC').join('\n'))).toEqual(MONTHS);
  });

  it('as CSV give one row per figure, quoted where the value needs it', () => {
    const rows = parse(formatVolume(MONTHS, 'csv', 'UTC').join('\n'), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r['month'] === '2018-01')).toEqual([
      { month: '2018-01', measure: 'tickets', key: '', count: '3' },
      { month: '2018-01', measure: 'department', key: 'Parks, Trees', count: '1' },
      { month: '2018-01', measure: 'department', key: 'Water', count: '2' },
      { month: '2018-01', measure: 'channel', key: 'PHONE', count: '3' },
      { month: '2018-01', measure: 'top_type_1', key: 'Leak', count: '2' },
      { month: '2018-01', measure: 'top_type_2', key: 'Tree "down"', count: '1' },
      { month: '2018-01', measure: 'resolved', key: 'on_time', count: '1' },
      { month: '2018-01', measure: 'resolved', key: 'late', count: '1' },
      { month: '2018-01', measure: 'resolved', key: 'no_target', count: '1' },
    ]);
    expect(rows).toHaveLength(9 + 7);
  });

  it('as a table give each month, a total, and departments and channels over the range, most first', () => {
    const lines = formatVolume(MONTHS, 'table', 'America/New_York');
    expect(lines[0]).toContain('2018-01 to 2018-02 (2 month(s) with requests');
    expect(lines).toContain('2018-01        3        1     1          1');
    expect(lines).toContain('total          4        1     1          1');
    const departments = lines.slice(lines.indexOf('By department'));
    // Names padded to the longest ("Parks, Trees"), counts to the header ("tickets").
    expect(departments.slice(2, 4)).toEqual([`${'Water'.padEnd(12)}  ${'3'.padStart(7)}`, 'Parks, Trees        1']);
    expect(lines).toContain('2018-01: Leak 2, Tree "down" 1');
  });

  it('say so when no month has requests', () => {
    expect(formatVolume([], 'table', 'UTC')).toEqual(['no tickets were requested in these months']);
  });
});
