/**
 * Well-formed tickets of a generated export, the CSV text that carries them, and the events the
 * README says each becomes (an OPENED at its open time, and a RESOLVED or CANCELLED at its close
 * time when its status is closed, with the mapped closure reason and the parent it names).
 */
import fc from 'fast-check';
import type { CrmTicketEvent } from '../../../src/domain/types.ts';
import {
  NOW,
  SOURCE,
  instantArb,
  readClose,
  readOpen,
  timeText,
  truncate,
  wide,
  type Column,
  type Layout,
} from './layout.ts';

export type Row = Record<Column, string>;

export interface Ticket {
  readonly row: Row;
  /** What the import should make of it. */
  readonly opened: number;
  readonly closed: number | null;
  readonly due: number | null;
}

// Latin-1's letters only (U+00C0–U+00FF) outside UTF: no byte of them continues a UTF-8 sequence,
// so a windows-1252 export of them is not taken for UTF-8 (README: such a file is refused).
const LATIN = 'éÀÿñÜß';
const WIDE = '€漢😀\u00a0';
const charsOf = (l: Layout, extra: string) =>
  fc.constantFrom(...`abcXYZ019 -_/#.,;|:'"\t${LATIN}${extra}${wide(l) ? WIDE : ''}`);

/** Free text: quotes, delimiters, line breaks of every kind, non-ASCII. */
export const textArb = (l: Layout, lines = true): fc.Arbitrary<string> =>
  fc
    .array(fc.oneof(charsOf(l, ''), fc.constantFrom(...(lines ? ['\n', '\r\n', '\r'] : [' ']))), { maxLength: 40 })
    // Under an epoch format any number is an open time, so a note's line "0;" would read as the
    // start of a row, which the README takes for a stray quote's: notes there hold no digits.
    .map((a) => (l.format.startsWith('epoch') ? a.join('').replace(/\d/g, 'n') : a.join('')));

/** A ticket id the processor takes (README "Text limits"): no control character, not blank, not . or .. */
export const idArb = (l: Layout): fc.Arbitrary<string> =>
  fc.oneof(
    fc.integer({ min: 1, max: 99_999_999 }).map(String),
    fc.stringMatching(/^[A-Z]{1,3}-\d{1,8}$/),
    fc
      .array(charsOf(l, '%'), { minLength: 1, maxLength: 20 })
      .map((a) =>
        a
          .join('')
          .replace(/[\t\r\n]/g, 'x')
          .trim(),
      )
      .filter((s) => s !== '' && s !== '.' && s !== '..'),
    fc.constantFrom('jane.doe@example.org', '+44 20 7946 0958'),
  );

const spaced = (word: string) =>
  fc
    .tuple(fc.constantFrom('', ' ', '  '), fc.boolean())
    .map(([pad, upper]) => `${pad}${upper ? word.toUpperCase() : word}${pad}`);

const coordinate = (limit: number) =>
  fc.integer({ min: -limit * 1_000_000, max: limit * 1_000_000 }).map((n) => (n / 1_000_000).toFixed(6));

/** A ticket of the layout with this id; `parents` are ids it may name as its parent. */
export function ticketArb(l: Layout, id: string, parents: readonly string[]): fc.Arbitrary<Ticket> {
  const cut = (t: number) => truncate(t, l.format);
  return fc
    .record({
      opened: instantArb,
      closeAfter: fc.option(fc.integer({ min: 0, max: 30 * 86_400_000 }), { freq: 2 }),
      closedWord: fc.constantFrom('Closed', 'Closed (Duplicate)'),
      openWord: fc.constantFrom('Open', 'In Progress'),
      due: fc.option(fc.integer({ min: Date.parse('2000-01-02T00:00:00Z'), max: NOW + 5 * 365 * 86_400_000 })),
      utc: fc.boolean(),
      type: fc.constantFrom('Pothole', 'Info - Hours', 'Dirty Alley, rear', 'Graffiti "tag"'),
      code: fc.constantFrom('', 'PT-1', 'GR'),
      dept: fc.constantFrom('DOT', 'Solid Waste', 'Parks; Rec'),
      channel: fc.constantFrom('Phone', 'Web', 'Mobile App').chain(spaced),
      desc: textArb(l),
      outcome: fc.constantFrom('', 'Withdrawn by caller', 'Completed', 'see (Duplicate)'),
      parent: fc.option(fc.constantFrom(id, 'UNKNOWN-1', ...parents)),
      address: fc.option(textArb(l, false)),
      latLon: fc.option(fc.oneof(fc.tuple(coordinate(90), coordinate(180)), fc.constant(['0', '0.0'] as const))),
      district: fc.constantFrom('', '7', 'North', '410-555-0199'),
      phone: fc.constantFrom('', '410-555-0199'),
    })
    .chain((g) => spaced(g.closeAfter === null ? g.openWord : g.closedWord).map((status) => ({ ...g, status })))
    .map((g): Ticket => {
      const opened = cut(g.opened);
      const closed = g.closeAfter === null ? null : cut(g.opened + g.closeAfter);
      const due = g.due === null ? null : cut(g.due);
      const row: Row = {
        id,
        opened: timeText(opened, l, g.utc),
        status: g.status,
        type: g.type,
        code: g.code,
        dept: g.dept,
        channel: g.channel,
        closed: closed === null ? '' : timeText(closed, l, g.utc),
        due: due === null ? '' : timeText(due, l, g.utc),
        desc: g.desc,
        outcome: g.outcome,
        parent: g.parent ?? '',
        address: g.address ?? '',
        lat: g.latLon?.[0] ?? '',
        lon: g.latLon?.[1] ?? '',
        district: g.district,
        caller_phone: g.phone,
      };
      return { row, opened, closed, due };
    });
}

/**
 * Ids of one shape, as one CRM numbers its tickets (SR-000123): the shape by which the import
 * tells a row a stray quote ran into from a quoted note's line (README, quotes.ts).
 */
export const sameShapeIdArb: fc.Arbitrary<string> = fc
  .integer({ min: 1, max: 999_999 })
  .map((n) => `SR-${String(n).padStart(6, '0')}`);

/** A set of tickets with distinct ids, each of which may name another as its parent. */
export function ticketsArb(l: Layout, min: number, max: number, ids = idArb(l)): fc.Arbitrary<Ticket[]> {
  return fc
    .uniqueArray(ids, { minLength: min, maxLength: max })
    .chain((ids) => fc.tuple(...ids.map((id) => ticketArb(l, id, ids))))
    .map((t) => [...t]);
}

/** One field as the export writes it: quoted when it must be, or when `quote`. */
export function field(v: string, l: Layout, quote: boolean): string {
  const must = v.includes(l.delimiter) || /["\r\n]/.test(v);
  return must || quote ? `"${v.replaceAll('"', '""')}"` : v;
}

export const header = (l: Layout): string => l.columns.join(l.delimiter);

export function line(row: Row, l: Layout, quote: boolean): string {
  return l.columns.map((c) => field(row[c], l, quote)).join(l.delimiter);
}

const LINE_BREAK = /\r\n|\r|\n/g;
export const breaks = (s: string): number => s.match(LINE_BREAK)?.length ?? 0;

/** Records joined by the line ends given (each record's end: LF, CRLF, CR, or blank lines too); the line each starts on. */
export function joinLines(
  first: string,
  records: readonly string[],
  ends: readonly string[],
): { text: string; rows: number[] } {
  let text = first;
  const rows: number[] = [];
  for (const [i, r] of records.entries()) {
    text += ends[i] ?? '\n';
    rows.push(1 + breaks(text));
    text += r;
  }
  return { text, rows };
}

export const endArb = fc.constantFrom('\n', '\r\n', '\r', '\n\n', '\r\n\r\n', '\r\r\n');

const nullIfEmpty = (s: string): string | null => (s.trim() === '' ? null : s.trim());
const CHANNELS: Record<string, string> = { phone: 'PHONE', web: 'WEB', 'mobile app': 'MOBILE_APP' };

/** The events the README says the ticket's row becomes, their OPENED's id but for its digest. */
export function expectedEvents(t: Ticket, l: Layout): unknown[] {
  const r = t.row;
  const id = r.id.trim();
  const parentText = r.parent.trim();
  const parent = parentText !== '' && parentText !== id ? parentText : null;
  const opened = readOpen(t.opened, l);
  const lat = nullIfEmpty(r.lat);
  let latitude = lat === null ? null : Number(lat);
  let longitude = lat === null ? null : Number(r.lon);
  if (latitude === 0 && longitude === 0) [latitude, longitude] = [null, null];
  const address = nullIfEmpty(r.address);
  const district = nullIfEmpty(r.district);
  const location =
    address === null && district === null && latitude === null ? null : { address, latitude, longitude, district };
  const base = {
    ticketId: id,
    serviceCode: nullIfEmpty(r.code) ?? r.type.trim(),
    serviceName: r.type.trim(),
    description: nullIfEmpty(r.desc),
    requestedAt: opened,
    followUpOf: null,
    note: null,
  };
  const envelope = (kind: string, occurredAt: number) => ({
    eventId: `${SOURCE}:${id}:${kind}`,
    jurisdiction: 'propcity',
    source: SOURCE,
    sequence: null,
    occurredAt,
    origin: 'import',
    correlationId: `${SOURCE}:${id}`,
  });
  const open = {
    ...base,
    kind: 'OPENED',
    duplicateOf: t.closed === null ? parent : null,
    closureReason: null,
    channel: CHANNELS[r.channel.trim().toLowerCase()],
    requestKind: /^Info/i.test(r.type) ? 'INFORMATION' : 'SERVICE',
    location,
    crmDueAt: t.due === null ? null : readOpen(t.due, l),
    department: r.dept.trim(),
    envelope: envelope('opened:', opened),
  };
  if (t.closed === null) return [open];
  const text = `${r.status.trim()}\n${r.outcome}`;
  const rule = [/\(Duplicate\)/im, /\bwithdrawn\b/im].findIndex((re) => re.test(text));
  const reason = parent ? 'DUPLICATE' : (['DUPLICATE', 'CANCELLED_BY_REQUESTOR'][rule] ?? 'WORK_COMPLETED');
  const closing = {
    ...base,
    envelope: envelope('closed', readClose(t.closed, opened, l)),
    kind: reason === 'CANCELLED_BY_REQUESTOR' ? 'CANCELLED' : 'RESOLVED',
    duplicateOf: parent,
    closureReason: reason,
  };
  return [open, closing];
}

/** An event with its OPENED id's digest cut off, to compare with expectedEvents. */
export function withoutDigest(e: CrmTicketEvent): unknown {
  const eventId = e.envelope.eventId.replace(/:opened:[0-9a-f]{16}$/, ':opened:');
  return { ...e, envelope: { ...e.envelope, eventId } };
}
