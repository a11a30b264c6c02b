/**
 * The shape of a generated export: its zone, date format, encoding, delimiter and column order,
 * the mapping that reads it, and how its times are written and read back (README "Import and
 * go-live": luxon formats and the keywords iso, epoch-seconds and epoch-millis; a wall time the
 * clocks show twice is read at its first showing, a close time at its second when the first is
 * before the open time).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parseImportMapping, type ImportMapping } from '../../../src/import/mapping.ts';

/** The import's run time in every generated run. */
export const NOW = Date.parse('2026-12-01T00:00:00Z');
export const SOURCE = 'propcity-311';

export const ZONES = [
  'America/New_York',
  'America/Santiago',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'UTC',
] as const;
/** A wall time each zone's clocks skipped (its spring-forward gap), in 2024. */
export const SKIPPED: Partial<Record<(typeof ZONES)[number], string>> = {
  'America/New_York': '2024-03-10T02:30',
  'America/Santiago': '2024-09-08T00:30',
  'Europe/London': '2024-03-31T01:30',
  'Australia/Lord_Howe': '2024-10-06T02:15',
};
/** Changes of offset (UTC), near which times are generated more often. */
const CHANGES = [
  '2024-03-10T07:00Z',
  '2024-11-03T06:00Z',
  '2024-09-08T04:00Z',
  '2024-04-07T03:00Z',
  '2024-03-31T01:00Z',
  '2024-10-27T01:00Z',
  '2024-04-06T15:00Z',
  '2024-10-05T15:30Z',
].map((t) => Date.parse(t));

export const FORMATS = [
  'iso',
  'epoch-seconds',
  'epoch-millis',
  'MM/dd/yyyy hh:mm:ss a',
  'yyyy-MM-dd HH:mm',
  'dd.MM.yyyy HH:mm:ss',
] as const;
export type Format = (typeof FORMATS)[number];

export const ENCODING_CHOICES = ['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16le-bom', 'windows-1252', 'latin1'] as const;
export type EncodingChoice = (typeof ENCODING_CHOICES)[number];

export const COLUMNS = [
  'id',
  'opened',
  'status',
  'type',
  'code',
  'dept',
  'channel',
  'closed',
  'due',
  'desc',
  'outcome',
  'parent',
  'address',
  'lat',
  'lon',
  'district',
  'caller_phone',
] as const;
export type Column = (typeof COLUMNS)[number];

export interface Layout {
  readonly zone: (typeof ZONES)[number];
  readonly format: Format;
  readonly encoding: EncodingChoice;
  readonly delimiter: string;
  readonly columns: readonly Column[];
}

export const layoutArb: fc.Arbitrary<Layout> = fc.record({
  zone: fc.constantFrom(...ZONES),
  format: fc.constantFrom(...FORMATS),
  encoding: fc.constantFrom(...ENCODING_CHOICES),
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  columns: fc.shuffledSubarray([...COLUMNS], { minLength: COLUMNS.length }),
});

/** Whether the encoding holds any character (else only Latin-1's letters are generated). */
export const wide = (l: Layout): boolean => l.encoding.startsWith('utf');

export function mappingOf(l: Layout): ImportMapping {
  return parseImportMapping(
    {
      jurisdiction: 'propcity',
      source: SOURCE,
      timeZone: l.zone,
      dateFormats: [l.format],
      encoding: l.encoding.replace('-bom', ''),
      delimiter: l.delimiter,
      columns: {
        ticketId: 'id',
        openedAt: 'opened',
        status: 'status',
        requestType: 'type',
        serviceCode: 'code',
        department: 'dept',
        channel: 'channel',
        closedAt: 'closed',
        dueAt: 'due',
        description: 'desc',
        closureText: 'outcome',
        parentId: 'parent',
        address: 'address',
        latitude: 'lat',
        longitude: 'lon',
        district: 'district',
      },
      values: {
        channel: { Phone: 'PHONE', Web: 'WEB', 'Mobile App': 'MOBILE_APP' },
        status: { Open: 'open', 'In Progress': 'open', Closed: 'closed', 'Closed (Duplicate)': 'closed' },
        closure: [
          { pattern: String.raw`\(Duplicate\)`, reason: 'DUPLICATE' },
          { pattern: String.raw`\bwithdrawn\b`, reason: 'CANCELLED_BY_REQUESTOR' },
        ],
        informationTypes: ['^Info'],
      },
    },
    'property.yaml',
  );
}

/** The text as the export's bytes. */
export function encode(text: string, e: EncodingChoice): Buffer {
  if (e === 'utf-8') return Buffer.from(text, 'utf8');
  if (e === 'utf-8-bom') return Buffer.from(`\uFEFF${text}`, 'utf8');
  if (e === 'utf-16le') return Buffer.from(text, 'utf16le');
  if (e === 'utf-16le-bom') return Buffer.from(`\uFEFF${text}`, 'utf16le');
  return Buffer.from(text, 'latin1');
}

const EARLIEST = Date.parse('2000-01-02T00:00:00Z');
const LATEST = NOW - 40 * 86_400_000;

/** An instant an event may have: any since 2000, or one near a change of offset. */
export const instantArb: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: EARLIEST, max: LATEST }),
  fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 })).map(([t, d]) => t + d),
);

/** The instant cut to what the format can express. */
export function truncate(t: number, f: Format): number {
  if (f === 'iso' || f === 'epoch-millis' || f === 'epoch-seconds') return t;
  return f === 'yyyy-MM-dd HH:mm' ? t - (((t % 60_000) + 60_000) % 60_000) : t - (((t % 1000) + 1000) % 1000);
}

/** How the export writes an instant (`utc`: an ISO text in UTC rather than with the zone's offset). */
export function timeText(t: number, l: Layout, utc = false): string {
  if (l.format === 'epoch-millis') return String(t);
  if (l.format === 'epoch-seconds') {
    const ms = t % 1000;
    return ms === 0 ? String(t / 1000) : `${Math.floor(t / 1000)}.${String(ms).padStart(3, '0')}`;
  }
  const dt = DateTime.fromMillis(t, { zone: utc && l.format === 'iso' ? 'utc' : l.zone });
  return l.format === 'iso' ? (dt.toISO() as string) : dt.toFormat(l.format);
}

/** A wall time (no zone) as the format writes it. */
export function wallText(wall: string, l: Layout): string {
  return DateTime.fromISO(wall, { zone: 'utc' }).toFormat(l.format);
}

/** Whether the format writes a wall time, which the zone's clocks may show twice. */
export const local = (l: Layout): boolean => !['iso', 'epoch-seconds', 'epoch-millis'].includes(l.format);

/** The instants that show the same text as t (sorted): two for a wall time shown twice. */
export function showings(t: number, l: Layout): number[] {
  if (!local(l)) return [t];
  const text = timeText(t, l);
  return [-60, -30, 0, 30, 60].map((m) => t + m * 60_000).filter((u) => timeText(u, l) === text);
}

/** The open time the import reads from t's text: its first showing. */
export const readOpen = (t: number, l: Layout): number => showings(t, l)[0] as number;

/** The close time read: its first showing, or its second when the first is before the open time. */
export function readClose(t: number, opened: number, l: Layout): number {
  const s = showings(t, l);
  return (s[0] as number) >= opened ? (s[0] as number) : (s.at(-1) as number);
}
