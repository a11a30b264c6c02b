import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CrmTicketEvent } from '../../src/domain/types.ts';
import { parseImportMapping, type ImportMapping } from '../../src/import/mapping.ts';
import { importFile } from '../../src/import/run.ts';

// Chicago's "311 Service Requests" layout (internal copy, with the caller's contact columns),
// written as report tools write it: fields joined with commas, nothing quoted.
export const CHICAGO_COLUMNS = [
  'SR_NUMBER',
  'SR_TYPE',
  'SR_SHORT_CODE',
  'CREATED_DEPARTMENT',
  'OWNER_DEPARTMENT',
  'STATUS',
  'ORIGIN',
  'CREATED_DATE',
  'LAST_MODIFIED_DATE',
  'CLOSED_DATE',
  'STREET_ADDRESS',
  'CITY',
  'STATE',
  'ZIP_CODE',
  'DUPLICATE',
  'LEGACY_RECORD',
  'PARENT_SR_NUMBER',
  'WARD',
  'CONTACT_NAME',
  'CONTACT_PHONE',
  'CONTACT_EMAIL',
  'LATITUDE',
  'LONGITUDE',
  'LOCATION',
] as const;
export type ChicagoColumn = (typeof CHICAGO_COLUMNS)[number];
export const CHICAGO_HEADER = CHICAGO_COLUMNS.join(',');

export const chicagoMapping = parseImportMapping(
  {
    jurisdiction: 'chicago',
    source: 'chicago-311',
    timeZone: 'America/Chicago',
    dateFormats: ['MM/dd/yyyy hh:mm:ss a'],
    columns: {
      ticketId: 'SR_NUMBER',
      openedAt: 'CREATED_DATE',
      closedAt: 'CLOSED_DATE',
      status: 'STATUS',
      requestType: 'SR_TYPE',
      department: 'OWNER_DEPARTMENT',
      channel: 'ORIGIN',
      address: 'STREET_ADDRESS',
      latitude: 'LATITUDE',
      longitude: 'LONGITUDE',
    },
    values: { channel: { 'Phone Call': 'PHONE' }, status: { Open: 'open', Completed: 'closed' } },
  },
  'chicago.yaml',
);

/** One row; `n` its ticket number, `set` the values that differ from an ordinary completed pothole. */
export function chicagoRow(n: number, set: Partial<Record<ChicagoColumn, string>> = {}): string {
  const base: Record<ChicagoColumn, string> = {
    SR_NUMBER: `SR24-0000010${n}`,
    SR_TYPE: 'Pothole in Street Complaint',
    SR_SHORT_CODE: 'PHF',
    CREATED_DEPARTMENT: 'CDOT',
    OWNER_DEPARTMENT: 'CDOT - Department of Transportation',
    STATUS: 'Completed',
    ORIGIN: 'Phone Call',
    CREATED_DATE: `01/0${n}/2024 07:15:00 AM`,
    LAST_MODIFIED_DATE: `01/0${n}/2024 10:00:00 AM`,
    CLOSED_DATE: `01/0${n}/2024 10:00:00 AM`,
    STREET_ADDRESS: `1${n}00 W MADISON ST`,
    CITY: 'Chicago',
    STATE: 'Illinois',
    ZIP_CODE: '60607',
    DUPLICATE: 'false',
    LEGACY_RECORD: 'false',
    PARENT_SR_NUMBER: '',
    WARD: '27',
    CONTACT_NAME: 'Jane Q Citizen',
    CONTACT_PHONE: '312-555-0142',
    CONTACT_EMAIL: 'jane.citizen@example.com',
    LATITUDE: '41.8815',
    LONGITUDE: '-87.6589',
    LOCATION: '(41.8815 -87.6589)',
  };
  return CHICAGO_COLUMNS.map((c) => set[c] ?? base[c]).join(',');
}

/** Imports the bytes as an export file with the mapping: the result, and the events it would publish. */
export async function importExport(content: string | Buffer, mapping: ImportMapping) {
  const dir = await mkdtemp(path.join(tmpdir(), 'closeloop-export-'));
  const file = path.join(dir, 'export.csv');
  await writeFile(file, content);
  const published: CrmTicketEvent[] = [];
  const result = await importFile({
    file,
    mapping,
    sink: { prepare: (e) => e, send: async (events) => void published.push(...events) },
  });
  return { result, published };
}

// Analyze Boston's "311 Service Requests" layout.
export const BOSTON_COLUMNS = [
  'case_enquiry_id',
  'open_dt',
  'sla_target_dt',
  'closed_dt',
  'on_time',
  'case_status',
  'closure_reason',
  'case_title',
  'subject',
  'reason',
  'type',
  'queue',
  'department',
  'location',
  'fire_district',
  'pwd_district',
  'city_council_district',
  'police_district',
  'neighborhood',
  'neighborhood_services_district',
  'ward',
  'precinct',
  'location_street_name',
  'location_zipcode',
  'latitude',
  'longitude',
  'source',
] as const;

/** The Boston mapping, with the given delimiter and encoding (the mapping's default when not given). */
export function bostonMapping(delimiter: string, encoding?: string): ImportMapping {
  return parseImportMapping(
    {
      jurisdiction: 'boston',
      source: 'boston-311',
      timeZone: 'America/New_York',
      dateFormats: ['yyyy-MM-dd HH:mm:ss'],
      delimiter,
      ...(encoding === undefined ? {} : { encoding }),
      columns: {
        ticketId: 'case_enquiry_id',
        openedAt: 'open_dt',
        dueAt: 'sla_target_dt',
        closedAt: 'closed_dt',
        status: 'case_status',
        closureText: 'closure_reason',
        requestType: 'type',
        department: 'department',
        channel: 'source',
        address: 'location',
        latitude: 'latitude',
        longitude: 'longitude',
      },
      values: { channel: { 'Constituent Call': 'PHONE' }, status: { Open: 'open', Closed: 'closed' } },
    },
    'boston.yaml',
  );
}

/** A Boston export's lines (header first), a closed and an open request, CRLF-ended as Excel saves them. */
export function bostonExport(delimiter: string): string {
  const row = (id: string, status: string, closed: string, reason: string) =>
    [
      id,
      '2024-01-15 08:30:00',
      '2024-01-17 08:30:00',
      closed,
      'ONTIME',
      status,
      reason,
      'Sidewalk Repair',
      'Public Works Department',
      'Street Cleaning',
      'Improper Storage of Trash (Barrels)',
      'PWDx_District 1C: Downtown',
      'PWDx',
      'INTERSECTION of Main St & Elm St',
      '3',
      '1C',
      '1',
      'A1',
      'Downtown / Financial District',
      '3',
      'Ward 3',
      '0306',
      'Main St',
      '02108',
      '42.3601',
      '-71.0589',
      'Constituent Call',
    ].join(delimiter);
  const lines = [
    BOSTON_COLUMNS.join(delimiter),
    row('101005123456', 'Closed', '2024-01-16 09:00:00', 'Case Resolved. Café owner notified – sidewalk cleared'),
    row('101005123457', 'Open', '', ''),
  ];
  return lines.map((l) => `${l}\r\n`).join('');
}
