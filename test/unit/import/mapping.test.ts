import { describe, expect, it } from 'vitest';
import { isCloseloopError } from '../../../src/errors/index.ts';
import { loadImportMapping, parseImportMapping } from '../../../src/import/mapping.ts';
import { compileMapping, mapRow } from '../../../src/import/rows.ts';

const baltimoreRow = {
  ServiceRequestNum: '18-00269879',
  SRType: 'TRT-Traffic Signal Repairs',
  MethodReceived: 'Phone',
  CreatedDate: '04/12/2018 11:11:26 AM',
  SRStatus: 'Closed',
  DueDate: '04/13/2018 11:11:26 AM',
  CloseDate: '04/12/2018 12:45:47 PM',
  Agency: 'Transportation',
  Address: '3400 GARRISON BLVD, BALTIMORE, MD, 21215',
  CouncilDistrict: '6',
  Latitude: '39',
  Longitude: '-77',
};

describe('import mapping file', () => {
  it('reports every problem at once, each with its path', () => {
    let caught: unknown;
    try {
      parseImportMapping(
        {
          jurisdiction: 'Baltimore City',
          source: 'x',
          timeZone: 'Mars/Olympus',
          dateFormats: [],
          columns: { ticketId: 'id', openedAt: 'c', status: 's' },
          values: { status: { Open: 'maybe' }, closure: [{ pattern: '(', reason: 'DONE' }], channel: { Phone: 'FAX' } },
          extra: 1,
        },
        'city.yaml',
      );
    } catch (err) {
      caught = err;
    }
    expect(isCloseloopError(caught, 'CL_CONFIG_INVALID')).toBe(true);
    const problems = (caught as { details: { problems: string[] } }).details.problems;
    const paths = problems.map((p) => p.split(': ')[1]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'jurisdiction',
        'timeZone',
        'dateFormats',
        'columns.requestType',
        'values.status.Open',
        'values.closure.0.pattern',
        'values.closure.0.reason',
        'values.channel.Phone',
        '(root)',
      ]),
    );
  });

  // A quote or a line end as the separator passed, and every export failed later as a header mismatch.
  it('takes a delimiter that can separate values, and names one that cannot', async () => {
    const base = await loadImportMapping('config/import/baltimore.yaml');
    const withDelimiter = (delimiter: string) => () => parseImportMapping({ ...base, delimiter }, 'city.yaml');
    for (const ok of [',', ';', '\t', '|']) expect(withDelimiter(ok)().delimiter).toBe(ok);
    for (const bad of ['"', '\n', '\r', 'a', '7'])
      expect(withDelimiter(bad)).toThrow(
        /delimiter: one character that is not a quote, a line end, a letter or a digit/,
      );
  });

  it.each(['config/import/baltimore.yaml', 'config/import/sf.yaml'])('ships %s, which validates', async (file) => {
    await expect(loadImportMapping(file)).resolves.toBeDefined();
  });
});

describe('an export row as CRM events', () => {
  it('opens at the open time and resolves at the close time, in the mapping zone, with the export facts', async () => {
    const c = compileMapping(await loadImportMapping('config/import/baltimore.yaml'));
    const r = mapRow(c, baltimoreRow, 2);
    if (!r.ok) throw new Error(r.rejection.reason);
    const [opened, closed] = r.row.events;
    expect(opened).toMatchObject({
      kind: 'OPENED',
      ticketId: '18-00269879',
      serviceCode: 'TRT-Traffic Signal Repairs',
      channel: 'PHONE',
      requestKind: 'SERVICE',
      department: 'Transportation',
      requestedAt: Date.parse('2018-04-12T15:11:26Z'),
      crmDueAt: Date.parse('2018-04-13T15:11:26Z'),
      location: { address: '3400 GARRISON BLVD, BALTIMORE, MD, 21215', latitude: 39, longitude: -77, district: '6' },
      envelope: {
        origin: 'import',
        eventId: expect.stringMatching(/^open-baltimore-311:18-00269879:opened:[0-9a-f]{16}$/),
      },
    });
    expect(closed).toMatchObject({
      kind: 'RESOLVED',
      closureReason: 'WORK_COMPLETED',
      envelope: { occurredAt: Date.parse('2018-04-12T16:45:47Z'), eventId: 'open-baltimore-311:18-00269879:closed' },
    });
    // The same row maps to the same events, so importing a file twice is a no-op; a row whose
    // facts changed (a newer export) opens under another id, which updates the ticket.
    expect(mapRow(c, baltimoreRow, 9)).toEqual(r);
    const moved = mapRow(c, { ...baltimoreRow, Agency: 'Recreation and Parks' }, 9);
    expect(moved.ok && moved.row.events[0]?.envelope.eventId).not.toBe(opened?.envelope.eventId);
  });

  it('maps closure text to reasons and links a duplicate whose text names its parent', async () => {
    const c = compileMapping(await loadImportMapping('config/import/baltimore.yaml'));
    const dup = mapRow(c, { ...baltimoreRow, SRStatus: 'Closed (Duplicate)' }, 2);
    expect(dup.ok && dup.row.events[1]?.closureReason).toBe('DUPLICATE');
    const linked = mapRow(c, { ...baltimoreRow, SRStatus: 'Closed', Outcome: 'Duplicate of 18-00269001' }, 2);
    expect(linked.ok && linked.row.events[1]).toMatchObject({ closureReason: 'DUPLICATE', duplicateOf: '18-00269001' });
    const sf = compileMapping(await loadImportMapping('config/import/sf.yaml'));
    const sfRow = {
      unique_key: '1',
      created_date: '2016-07-13 15:11:07+00:00',
      closed_date: '2016-07-14 12:13:22+00:00',
      status: 'Closed',
      category: 'Sewer Issues',
      agency_name: 'PUC Sewer Ops',
      source: 'Web',
    };
    const cancelled = mapRow(
      sf,
      {
        unique_key: '1',
        created_date: '2016-07-13 15:11:07+00:00',
        closed_date: '2016-07-14 12:13:22+00:00',
        status: 'Closed',
        status_notes: "cancelled: Maximo Service Request has been cancelled.       Add'l Notes:     Cancel DUP SR",
        category: 'Sewer Issues',
        agency_name: 'PUC Sewer Ops',
        source: 'Web',
      },
      2,
    );
    expect(cancelled.ok && cancelled.row.events[1]?.closureReason).toBe('DUPLICATE');
    // A pattern anchored with ^ matched only at the status word, so a note that starts with the
    // word was taken as work completed.
    const wrong = mapRow(sf, { ...sfRow, status_notes: 'cancel due to wrong classification.' }, 2);
    expect(wrong.ok && wrong.row.events[1]?.closureReason).toBe('NO_ACTION_REQUIRED');
  });

  it('anchors a closure pattern to each value it reads, the status word and each closure column', async () => {
    const mapping = await loadImportMapping('config/import/baltimore.yaml');
    const c = compileMapping({
      ...mapping,
      columns: { ...mapping.columns, closureText: ['Outcome', 'Duplicate'] },
      values: {
        ...mapping.values,
        status: { ...mapping.values.status, Canceled: 'closed' },
        closure: [
          { pattern: '^canceled$', reason: 'CANCELLED_BY_REQUESTOR' },
          { pattern: '^true$', reason: 'DUPLICATE' },
        ],
      },
    });
    const reason = (r: Record<string, string>) => {
      const mapped = mapRow(c, { ...baltimoreRow, Outcome: '', Duplicate: 'false', ...r }, 2);
      return mapped.ok ? mapped.row.events[1]?.closureReason : mapped.rejection.reason;
    };
    expect(reason({ SRStatus: 'Canceled' })).toBe('CANCELLED_BY_REQUESTOR');
    expect(reason({ Duplicate: 'true' })).toBe('DUPLICATE');
    expect(reason({ Outcome: 'canceled by phone' })).toBe('WORK_COMPLETED');
    expect(reason({ Outcome: 'fixed\ncanceled' })).toBe('CANCELLED_BY_REQUESTOR');
  });

  it('rejects a row with its row number, column and reason', async () => {
    const c = compileMapping(await loadImportMapping('config/import/baltimore.yaml'));
    expect(mapRow(c, { ...baltimoreRow, CreatedDate: 'yesterday' }, 7)).toEqual({
      ok: false,
      rejection: { row: 7, column: 'CreatedDate', reason: expect.stringContaining('"yesterday"') },
      openedAt: null,
    });
    expect(mapRow(c, { ...baltimoreRow, SRStatus: 'Archived' }, 8)).toMatchObject({
      ok: false,
      rejection: { row: 8, column: 'SRStatus' },
    });
    expect(mapRow(c, { ...baltimoreRow, MethodReceived: 'Pigeon' }, 9)).toMatchObject({
      ok: false,
      rejection: { row: 9, column: 'MethodReceived' },
    });
    expect(mapRow(c, { ...baltimoreRow, CloseDate: '04/11/2018 12:45:47 PM' }, 10)).toMatchObject({
      ok: false,
      rejection: { row: 10, column: 'CloseDate', reason: 'closed before it was opened' },
    });
  });

  it('refuses a ticket id the processor would dead-letter, and keeps any other', async () => {
    const c = compileMapping(await loadImportMapping('config/import/baltimore.yaml'));
    expect(mapRow(c, { ...baltimoreRow, ServiceRequestNum: '18-\u0007269879' }, 3)).toEqual({
      ok: false,
      rejection: { row: 3, column: 'ServiceRequestNum', reason: 'ticketId holds a control character' },
      openedAt: expect.any(Number),
    });
    expect(mapRow(c, { ...baltimoreRow, ServiceRequestNum: 'x'.repeat(257) }, 4)).toMatchObject({
      ok: false,
      rejection: { row: 4, column: 'ServiceRequestNum', reason: expect.stringContaining('257 characters') },
    });
    // The parent a duplicate's text names is held to the same rule.
    const linked = { ...baltimoreRow, SRStatus: 'Closed', Outcome: `Duplicate of 18-${'9'.repeat(300)}` };
    expect(mapRow(c, linked, 5)).toMatchObject({ ok: false, rejection: { row: 5 } });
    // Spaces, slashes, hashes and letters of any script are ids like any other.
    for (const id of ['CS 4', 'A/B#1', 'Ünïcode-7', '北京-1']) {
      const mapped = mapRow(c, { ...baltimoreRow, ServiceRequestNum: id }, 6);
      expect(mapped.ok && mapped.row.ticketId, id).toBe(id);
    }
  });
});
