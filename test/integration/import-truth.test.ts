import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { runImport } from '../../src/cli/import-command.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { volumeByMonth, type MonthVolume } from '../../src/domain/kpi/index.ts';
import { readKpiInputs } from '../../src/kpi/read-inputs.ts';
import { AvroSerde } from '../../src/messaging/index.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { endpoints, testMessaging } from '../support/kafka.ts';
import { testConfig, testProcessor, untilConsumed } from '../support/processor.ts';
import { cleanupAfter } from '../support/cleanup.ts';

const EXPORT = 'data/baltimore_311_sample_10k.csv';

const cleanup = cleanupAfter('all');

/**
 * The figures straight from the CSV, with nothing of closeloop: Baltimore's timestamps are its
 * own wall time, so a month is read off the text, and "on time" compares two wall times.
 */
function recompute(csv: string): MonthVolume[] {
  // The channel table a person would write from the export's MethodReceived values.
  const channel: Record<string, string> = {
    Phone: 'PHONE',
    API: 'MOBILE_APP',
    Web: 'WEB',
    Email: 'EMAIL',
    Mail: 'OTHER',
    Internal: 'EMPLOYEE',
    System: 'SYSTEM',
    Other: 'OTHER',
  };
  const stamp = (s: string) => {
    const m = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d) (AM|PM)$/.exec(s);
    if (!m) throw new Error(`unexpected timestamp ${s}`);
    const hour = (Number(m[4]) % 12) + (m[7] === 'PM' ? 12 : 0);
    return `${m[3]}-${m[1]}-${m[2]}T${String(hour).padStart(2, '0')}:${m[5]}:${m[6]}`;
  };
  const rows: Record<string, string>[] = parse(readFileSync(csv), { columns: true });
  const months = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    const month = stamp(r['CreatedDate'] ?? '').slice(0, 7);
    months.set(month, [...(months.get(month) ?? []), r]);
  }
  const count = (list: string[]) => {
    const m: Record<string, number> = {};
    for (const k of [...list].sort()) m[k] = (m[k] ?? 0) + 1;
    return m;
  };
  return [...months.keys()].sort().map((month) => {
    const list = months.get(month) ?? [];
    const closed = list.filter((r) => (r['SRStatus'] ?? '').startsWith('Closed'));
    const withDue = closed.filter((r) => r['DueDate']);
    const onTime = withDue.filter((r) => stamp(r['CloseDate'] ?? '') <= stamp(r['DueDate'] ?? '')).length;
    const types = Object.entries(count(list.map((r) => r['SRType'] ?? '')))
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, 10);
    return {
      month,
      tickets: list.length,
      byDepartment: count(list.map((r) => r['Agency'] ?? '')),
      byChannel: count(list.map((r) => channel[r['MethodReceived'] ?? ''] ?? 'unmapped')),
      topRequestTypes: types,
      resolvedOnTime: onTime,
      resolvedLate: withDue.length - onTime,
      resolvedNoTarget: closed.length - withDue.length,
    };
  });
}

/** `closeloop …` in process, as a person would type it; what it printed and its exit code. */
async function closeloop(...args: string[]): Promise<{ out: string[]; err: string[]; code: number | string }> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | string = -1;
  const program = buildProgram({ print: (l) => out.push(l), printError: (l) => err.push(l) }, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'closeloop', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.code;
  }
  return { out, err, code };
}

describe('the Baltimore sample imported', () => {
  it('gives, month by month, exactly the figures recomputed straight from the CSV', async () => {
    const { config, file } = await testConfig(3, 30, { jurisdiction: 'baltimore' });
    const silent = createLogger({ level: 'silent' });
    const lines: string[] = [];
    expect(
      await runImport(
        { file: EXPORT, mapping: 'config/import/baltimore.yaml' },
        config,
        silent,
        (l) => lines.push(l),
        (l) => lines.push(l),
      ),
    ).toBe(0);
    expect(lines[0]).toBe('read 10000 row(s): imported 10000 (208 open), rejected 0');

    const processor = testProcessor(config);
    cleanup.push(() => processor.stop());
    await processor.start();
    const admin = testMessaging().admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await untilConsumed(
      admin,
      config.processor.groupId,
      config.topics.crmEvents,
      'the processor through the imported events',
      240_000,
    );
    const inputs = await readKpiInputs({
      messaging: testMessaging(),
      admin,
      serde: new AvroSerde({ url: endpoints().registryUrl }),
      logger: silent,
      statusTopic: config.topics.status,
      quarantineTopic: config.topics.quarantine,
      driftTopic: null,
      fallbackZone: 'America/New_York',
    });
    expect(inputs.undecodable).toBe(0);
    expect(inputs.tickets).toHaveLength(10_000);
    // Imported history is never quarantined (no implausible time, no undocumented closure).
    expect(inputs.violations).toEqual([]);
    const bridge = volumeByMonth(inputs.tickets);
    const truth = recompute(EXPORT);
    expect(lines).toContain(
      `months covered: ${truth[0]?.month} to ${truth.at(-1)?.month}, ${truth.length} month(s) with requests`,
    );
    expect(bridge.map((m) => m.month)).toEqual(truth.map((m) => m.month));
    for (const [i, m] of truth.entries()) expect(bridge[i]).toEqual(m);

    // What an operator prints is the same truth: all months as JSON, a range as CSV, the table's total.
    const volume = (...more: string[]) =>
      closeloop('kpi', 'volume', '--config', file, '--time-zone', 'America/New_York', ...more);
    const json = await volume('--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out.join('\n'))).toEqual(truth);
    const csv = await volume('--from', '2019-01', '--to', '2019-12', '--format', 'csv');
    expect(csv.code).toBe(0);
    const year = truth.filter((m) => m.month.startsWith('2019-'));
    expect(year.length).toBeGreaterThan(0);
    const row = (month: string, measure: string, key: string, n: number) => ({ month, measure, key, count: `${n}` });
    expect(parse(csv.out.join('\n'), { columns: true })).toEqual(
      year.flatMap((m) => [
        row(m.month, 'tickets', '', m.tickets),
        ...Object.entries(m.byDepartment).map(([k, n]) => row(m.month, 'department', k, n)),
        ...Object.entries(m.byChannel).map(([k, n]) => row(m.month, 'channel', k, n)),
        ...m.topRequestTypes.map(([k, n], i) => row(m.month, `top_type_${i + 1}`, k, n)),
        row(m.month, 'resolved', 'on_time', m.resolvedOnTime),
        row(m.month, 'resolved', 'late', m.resolvedLate),
        row(m.month, 'resolved', 'no_target', m.resolvedNoTarget),
      ]),
    );
    const table = await volume();
    expect(table.code).toBe(0);
    const sums = (['tickets', 'resolvedOnTime', 'resolvedLate', 'resolvedNoTarget'] as const).map((k) =>
      truth.reduce((n, m) => n + m[k], 0),
    );
    expect(table.out).toContainEqual(expect.stringMatching(new RegExp(`^total +${sums.join(' +')}$`)));

    // Every kind of verdict occurs, so the comparison is not between zeros.
    const total = (k: 'resolvedOnTime' | 'resolvedLate' | 'resolvedNoTarget') => truth.reduce((n, m) => n + m[k], 0);
    expect([total('resolvedOnTime'), total('resolvedLate'), total('resolvedNoTarget')].every((n) => n > 100)).toBe(
      true,
    );
  }, 300_000);
});
