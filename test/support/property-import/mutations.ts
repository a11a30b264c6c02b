/**
 * Faults put into one row of a generated export, each of which the README says rejects that row
 * (on its own line, naming a column), and quoting gone wrong, whose rows the README says are read
 * or rejected, none dropped unseen.
 */
import fc from 'fast-check';
import { NOW, SKIPPED, timeText, wallText, type Layout } from './layout.ts';
import { field, type Row, type Ticket } from './tickets.ts';

export const FAULTS = [
  'bad-date',
  'skipped-time',
  'future-open',
  'placeholder-open',
  'far-due',
  'empty-id',
  'control-id',
  'long-id',
  'dot-id',
  'empty-type',
  'empty-dept',
  'bad-status',
  'bad-channel',
  'bad-lat',
  'half-location',
  'closed-before-open',
  'closed-empty',
  'ragged-short',
  'ragged-long',
  'inch-mark',
  'contact-date',
  'contact-status',
  'contact-channel',
  'contact-lat',
] as const;
export type Fault = (typeof FAULTS)[number];

const DAY = 86_400_000;

/** The row with the fault in it, as it is written (one line: a fault's row holds no line break). */
export function faultyLine(t: Ticket, fault: Fault, l: Layout, quote: boolean): string {
  const row: Row = { ...t.row };
  for (const k of Object.keys(row) as (keyof Row)[]) row[k] = row[k].replace(/[\r\n]+/g, ' ');
  const closeNow = () => {
    row.status = 'Closed';
    row.parent = '';
  };
  switch (fault) {
    case 'bad-date':
      row.opened = 'yesterday';
      break;
    case 'skipped-time': {
      const wall = SKIPPED[l.zone];
      row.opened = wall && !['iso', 'epoch-seconds', 'epoch-millis'].includes(l.format) ? wallText(wall, l) : 'n/a';
      break;
    }
    case 'future-open':
      row.opened = timeText(NOW + 2 * DAY, l);
      break;
    case 'placeholder-open':
      row.opened = timeText(Date.parse('1999-12-30T00:00:00Z'), l);
      break;
    case 'far-due':
      row.due = timeText(NOW + 11 * 366 * DAY, l);
      break;
    case 'empty-id':
      row.id = ' ';
      break;
    case 'control-id':
      row.id = `${row.id}\u0001`;
      break;
    case 'long-id':
      row.id = 'X'.repeat(257);
      break;
    case 'dot-id':
      row.id = '..';
      break;
    case 'empty-type':
      row.type = '';
      break;
    case 'empty-dept':
      row.dept = '  ';
      break;
    case 'bad-status':
      row.status = 'Pending?';
      break;
    case 'bad-channel':
      row.channel = 'Carrier pigeon';
      break;
    case 'bad-lat':
      row.lat = '4e1';
      row.lon = '1.5';
      break;
    case 'half-location':
      row.lat = '41.5';
      row.lon = '';
      break;
    case 'closed-before-open':
      closeNow();
      row.closed = timeText(t.opened - DAY, l);
      break;
    case 'closed-empty':
      closeNow();
      row.closed = '';
      break;
    case 'contact-date':
      row.opened = '410-555-0199';
      break;
    case 'contact-status':
      row.status = 'jane.doe@example.org';
      break;
    case 'contact-channel':
      row.channel = 'call +44 20 7946 0958';
      break;
    case 'contact-lat':
      row.lat = '410-555-0199';
      row.lon = '1.5';
      break;
    case 'ragged-short':
    case 'ragged-long':
    case 'inch-mark':
      break;
  }
  const fields = l.columns.map((c) => field(row[c], l, quote));
  if (fault === 'ragged-short') fields.pop();
  if (fault === 'ragged-long') fields.push('extra');
  // Unquoted, as report tools write it: a quote in the middle of a field.
  if (fault === 'inch-mark') fields[l.columns.indexOf('desc')] = 'HOLE 12" deep';
  return fields.join(l.delimiter);
}

/**
 * Quoting gone wrong in a row: a quote that opens a field and does not close on its line, an inch
 * mark in an unquoted field, or one in a quoted field.
 */
export const QUOTE_FAULTS = ['stray-open', 'stray-close', 'undoubled', 'stray-at-end'] as const;
export type QuoteFault = (typeof QUOTE_FAULTS)[number];

/** The row with each quote fault in its column (`at`, any number, taken modulo the columns). */
export function quoteFaultLine(
  t: Ticket,
  faults: readonly { readonly fault: QuoteFault; readonly at: number }[],
  l: Layout,
  quote: boolean,
): string {
  const fields = l.columns.map((c) => field(t.row[c], l, quote));
  for (const { fault, at: k } of faults) {
    const at = k % fields.length;
    const raw = t.row[l.columns[at] as keyof Row].replace(/["\r\n]/g, '');
    if (fault === 'stray-open') fields[at] = `"${raw.replaceAll(l.delimiter, ' ')}`;
    if (fault === 'stray-close') fields[at] = `${raw.replaceAll(l.delimiter, ' ')} 24"`;
    if (fault === 'undoubled') fields[at] = `"${raw.replaceAll(l.delimiter, ' ')} 12" pipe"`;
    if (fault === 'stray-at-end') fields[at] = `"${raw}`;
  }
  return fields.join(l.delimiter);
}

/** Text written as is in a field: quotes, delimiters, line breaks, dates, numbers and contact data. */
export const soupArb = (l: Layout) =>
  fc
    .array(
      fc.constantFrom(
        '"',
        l.delimiter,
        l.delimiter,
        ',',
        '\n',
        '410-555-0199',
        'jane.doe@example.org',
        '2024-01-02T10:00:00Z',
        '1704211200',
        '01/02/2024 10:00:00 AM',
        '41.5',
        'Open',
        'x',
      ),
      { maxLength: 8 },
    )
    // Words apart: a number glued to a word ("410-555-0199Open") is an id to the scrubber
    // (src/domain/pii.ts), which leaves it.
    .map((a) => a.reduce((text, t) => (/\w$/.test(text) && /^\w/.test(t) ? `${text} ${t}` : text + t), ''));
