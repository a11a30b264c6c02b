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
