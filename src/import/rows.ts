import { createHash } from 'node:crypto';
import type { TokenParser } from 'luxon';
import { IMPORT_ORIGIN } from '../domain/context.ts';
import { ticketIdFault } from '../domain/identifiers.ts';
import type { Channel, ClosureReason, CrmTicketEvent, PublicLocation } from '../domain/types.ts';
import { foldValue as norm, type ColumnField, type ImportMapping } from './mapping.ts';
import { formatParser, isDateKeyword, type DateKeyword } from './date-formats.ts';
import { dueTimeFault, eventTimeFault, timeBounds, type TimeBounds } from './time-bounds.ts';
import { ZoneClock } from './zone-time.ts';
import { shown } from './report.ts';

/** Why a row could not be imported, named by the export's own column so a person can fix it. */
export interface Rejection {
  /**
   * The file's line (1-based) on which the record starts, as an editor or spreadsheet shows it:
   * blank lines and line breaks inside quoted fields count, so it is not the record's ordinal.
   */
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

export interface MappedRow {
  readonly ticketId: string;
  readonly openedAt: number;
  readonly closed: boolean;
  readonly events: readonly CrmTicketEvent[];
  /** Which of the mapping's rules gave the row its meaning: counted, so a rule that never matches is told. */
  readonly use: RuleUse;
}

/** The mapping's rules one row went by. */
export interface RuleUse {
  /** A closed row's reason: the index of the closure rule that matched, 'default', or 'parent' (a duplicate); null when open. */
  readonly closure: number | 'default' | 'parent' | null;
  /** Whether values.duplicateOf named the row's parent. */
  readonly duplicateOfMatched: boolean;
  /** Whether the row's channel value was not in values.channel and defaults.channel was taken. */
  readonly channelDefaulted: boolean;
}

export type RowResult =
  | { readonly ok: true; readonly row: MappedRow }
  /** openedAt when the open time could be read: a row outside --since/--until is left out, not rejected. */
  | { readonly ok: false; readonly rejection: Rejection; readonly openedAt: number | null };

/** A mapping with its patterns compiled once, not once per row. */
export interface CompiledMapping {
  readonly m: ImportMapping;
  readonly channels: ReadonlyMap<string, Channel>;
  readonly statuses: ReadonlyMap<string, 'open' | 'closed'>;
  readonly closure: readonly { readonly re: RegExp; readonly reason: ClosureReason }[];
  readonly duplicateOf: RegExp | null;
  readonly information: readonly RegExp[];
  /** The date formats built once: building one is most of what parsing a date costs. */
  readonly dateParsers: readonly (TokenParser | DateKeyword)[];
  readonly clock: ZoneClock;
  readonly bounds: TimeBounds;
}

/** `bounds`: the import's run time and processor.ordering.maxFutureMs (now and the default without). */
export function compileMapping(
  m: ImportMapping,
  bounds: { readonly now?: number; readonly maxFutureMs?: number } = {},
): CompiledMapping {
  return {
    m,
    channels: new Map(Object.entries(m.values.channel).map(([k, v]) => [norm(k), v])),
    statuses: new Map(Object.entries(m.values.status).map(([k, v]) => [norm(k), v])),
    // The status word and each closure-text column are lines of the text these read (see
    // mapOrThrow): multiline, so `^` and `$` anchor to a value's start and end, not the text's.
    closure: m.values.closure.map((r) => ({ re: new RegExp(r.pattern, 'im'), reason: r.reason })),
    duplicateOf: m.values.duplicateOf ? new RegExp(m.values.duplicateOf, 'im') : null,
    information: m.values.informationTypes.map((p) => new RegExp(p, 'i')),
    dateParsers: m.dateFormats.map((f) => (isDateKeyword(f) ? f : formatParser(f))),
    clock: new ZoneClock(m.timeZone),
    bounds: timeBounds(bounds),
  };
}

class Reject extends Error {
  readonly column: string;
  constructor(column: string, reason: string) {
    super(reason);
    this.column = column;
  }
}

function columnsOf(m: ImportMapping, field: ColumnField): readonly string[] {
  const ref = m.columns[field];
  return ref === undefined ? [] : typeof ref === 'string' ? [ref] : ref;
}

/** The first non-empty value among the field's columns, and the column it came from. */
function cell(
  c: CompiledMapping,
  r: Record<string, string>,
  field: ColumnField,
): { value: string; column: string } | null {
  for (const column of columnsOf(c.m, field)) {
    const v = r[column]?.trim();
    if (v) return { value: v, column };
  }
  return null;
}

function required(
  c: CompiledMapping,
  r: Record<string, string>,
  field: ColumnField,
): { value: string; column: string } {
  const v = cell(c, r, field);
  if (!v) throw new Reject(columnsOf(c.m, field).join('|'), `${field} is empty`);
  return v;
}

/** Epoch ms of a timestamp in one of the mapping's formats, in its zone unless the text has an offset. */
export function parseTime(text: string, c: CompiledMapping): number | null {
  return c.clock.parse(text, c.dateParsers);
}

/** The row's open time, or null when it is empty or unreadable. */
export function openedAtOf(c: CompiledMapping, r: Record<string, string>): number | null {
  const v = cell(c, r, 'openedAt');
  return v ? parseTime(v.value, c) : null;
}

/**
 * A time cell's instant, or null when it is empty. An open or close time the clocks skipped
 * (02:30 the night they go forward) is no instant: moved on, as luxon moves it, it would put a
 * close before its open, blaming the close, or an open an hour off. A due date there is read at
 * the offset before the change: CRMs set due dates as wall time plus whole days (two of the
 * Baltimore sample's land so). A time the clocks show twice is read at its first showing, or,
 * given `notBefore` (a close time's open time), at its second when the first is before it. A
 * due date without a time of day gives that whole day: its target ends at the day's end.
 */
function time(
  c: CompiledMapping,
  r: Record<string, string>,
  field: 'openedAt' | 'closedAt' | 'dueAt',
  notBefore?: number,
): number | null {
  const v = cell(c, r, field);
  if (!v) return null;
  const t = c.clock.read(v.value, c.dateParsers, field === 'dueAt' ? 'end' : 'start');
  if (t === null)
    throw new Reject(v.column, `${shown(v.value)} matches none of the date formats ${c.m.dateFormats.join(', ')}`);
  if (t.skipped && field !== 'dueAt') {
    throw new Reject(v.column, `${shown(v.value)} is a time the clocks skipped in ${c.m.timeZone} (they went forward)`);
  }
  const ms = notBefore !== undefined && t.second !== null && t.at < notBefore ? t.second : t.at;
  const fault = field === 'dueAt' ? dueTimeFault(ms, c.bounds) : eventTimeFault(ms, c.bounds);
  if (fault !== null) throw new Reject(v.column, `${shown(v.value)} ${fault}`);
  return ms;
}

// Plain decimal degrees only. Number() also reads "0x1A" as 26 and "4e1" as 40: no export means
// a place so, and such a value is a column mixed up, better rejected than put on a map.
const DECIMAL = /^[+-]?\d+(?:\.\d+)?$/;

function coordinate(c: CompiledMapping, r: Record<string, string>, field: 'latitude' | 'longitude'): number | null {
  const v = cell(c, r, field);
  if (!v) return null;
  if (!DECIMAL.test(v.value))
    throw new Reject(v.column, `${field} ${shown(v.value)} is not a decimal number of degrees`);
  const n = Number(v.value);
  const limit = field === 'latitude' ? 90 : 180;
  if (Math.abs(n) > limit) throw new Reject(v.column, `${field} ${shown(v.value)} is outside -${limit} to ${limit}`);
  return n;
}

function locationOf(c: CompiledMapping, r: Record<string, string>): PublicLocation | null {
  let latitude = coordinate(c, r, 'latitude');
  let longitude = coordinate(c, r, 'longitude');
  // Half a position is no place to show: dropped silently, the row would lose it unnoticed.
  if ((latitude === null) !== (longitude === null)) {
    const missing = latitude === null ? 'latitude' : 'longitude';
    const other = missing === 'latitude' ? 'longitude' : 'latitude';
    throw new Reject(columnsOf(c.m, missing).join('|'), `${missing} is empty, but ${other} is given`);
  }
  if (c.m.defaults.zeroIsNoLocation && latitude === 0 && longitude === 0) {
    latitude = null;
    longitude = null;
  }
  const address = cell(c, r, 'address')?.value ?? null;
  const district = cell(c, r, 'district')?.value ?? null;
  if (address === null && district === null && latitude === null) return null;
  return { address, latitude, longitude, district };
}

function channelOf(c: CompiledMapping, r: Record<string, string>): { channel: Channel | null; defaulted: boolean } {
  if (c.m.columns.channel === undefined) return { channel: c.m.defaults.channel ?? null, defaulted: false };
  const v = cell(c, r, 'channel');
  const mapped = v ? c.channels.get(norm(v.value)) : undefined;
  if (mapped) return { channel: mapped, defaulted: false };
  if (c.m.defaults.channel) return { channel: c.m.defaults.channel, defaulted: true };
  const column = v?.column ?? columnsOf(c.m, 'channel').join('|');
  throw new Reject(column, v ? `channel ${shown(v.value)} is not in values.channel` : 'channel is empty');
}

/**
 * A ticket id the processor would dead-letter (blank, over its length, a control character) is
 * refused here, with its row and column, while nothing has been written: a dry run names it.
 */
function idOf(c: CompiledMapping, r: Record<string, string>, field: 'ticketId' | 'parentId', id: string): string {
  const fault = ticketIdFault(id);
  if (fault !== null) throw new Reject(columnsOf(c.m, field).join('|'), `${field} ${fault}`);
  return id;
}

/** The export's statement that this is a duplicate of another ticket, if it makes one. */
function parentOf(
  c: CompiledMapping,
  r: Record<string, string>,
  text: string,
  ticketId: string,
): { parent: string | null; byPattern: boolean } {
  const column = cell(c, r, 'parentId')?.value ?? null;
  const named = column ?? c.duplicateOf?.exec(text)?.[1] ?? null;
  const parent = named && named !== ticketId ? idOf(c, r, 'parentId', named) : null;
  return { parent, byPattern: column === null && parent !== null };
}

/**
 * One export row as the CRM events that tell its story: OPENED at the open time, then RESOLVED
 * or CANCELLED at the close time when the export says it is closed. Event ids derive from the
 * export and the ticket id only, so importing the same row again yields the same events.
 */
export function mapRow(c: CompiledMapping, r: Record<string, string>, row: number): RowResult {
  try {
    return { ok: true, row: mapOrThrow(c, r) };
  } catch (err) {
    if (err instanceof Reject) {
      const rejection = { row, column: err.column, reason: err.message };
      return { ok: false, rejection, openedAt: openedAtOf(c, r) };
    }
    throw err;
  }
}

/** Open or closed: the status word's meaning, or, for an export without one, whether it closed. */
function statusOf(
  c: CompiledMapping,
  r: Record<string, string>,
): { value: string; column: string; verdict: 'open' | 'closed' } {
  if (c.m.columns.status === undefined) {
    const closed = cell(c, r, 'closedAt');
    return {
      value: '',
      column: closed?.column ?? columnsOf(c.m, 'closedAt').join('|'),
      verdict: closed ? 'closed' : 'open',
    };
  }
  const status = required(c, r, 'status');
  const verdict = c.statuses.get(norm(status.value));
  if (!verdict) throw new Reject(status.column, `status ${shown(status.value)} is not in values.status`);
  return { ...status, verdict };
}

/** A short digest of an event's facts (its JSON, the order mapOrThrow builds them in). */
function factsDigest(facts: object): string {
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 16);
}

function mapOrThrow(c: CompiledMapping, r: Record<string, string>): MappedRow {
  const { m } = c;
  const ticketId = idOf(c, r, 'ticketId', required(c, r, 'ticketId').value);
  const openedAt = time(c, r, 'openedAt');
  if (openedAt === null) throw new Reject(columnsOf(m, 'openedAt').join('|'), 'openedAt is empty');
  const status = statusOf(c, r);
  const verdict = status.verdict;
  const requestType = required(c, r, 'requestType').value;
  const department = cell(c, r, 'department')?.value ?? m.defaults.department ?? null;
  if (department === null) throw new Reject(columnsOf(m, 'department').join('|'), 'department is empty');
  const { channel, defaulted: channelDefaulted } = channelOf(c, r);
  const dueAt = time(c, r, 'dueAt');
  const text = [status.value, ...columnsOf(m, 'closureText').map((col) => r[col] ?? '')].join('\n');
  const { parent, byPattern: duplicateOfMatched } = parentOf(c, r, text, ticketId);
  const base = {
    ticketId,
    serviceCode: cell(c, r, 'serviceCode')?.value ?? requestType,
    serviceName: requestType,
    description: cell(c, r, 'description')?.value ?? null,
    requestedAt: openedAt,
    followUpOf: null,
    note: null,
  };
  const envelope = (kind: string, occurredAt: number) => ({
    eventId: `${m.source}:${ticketId}:${kind}`,
    jurisdiction: m.jurisdiction,
    source: m.source,
    sequence: null,
    occurredAt,
    origin: IMPORT_ORIGIN,
    correlationId: `${m.source}:${ticketId}`,
  });
  const facts = {
    ...base,
    kind: 'OPENED' as const,
    duplicateOf: verdict === 'open' ? parent : null,
    closureReason: null,
    channel,
    requestKind: c.information.some((re) => re.test(requestType)) ? ('INFORMATION' as const) : ('SERVICE' as const),
    location: locationOf(c, r),
    crmDueAt: dueAt,
    department,
  };
  // Named by its facts too: the same row imported again is the event the processor has applied,
  // while a newer export of a ticket still open (transferred, its due date moved) is a new one,
  // which updates the ticket, instead of the same id with other content (EVENT_ID_REUSED).
  const opened: CrmTicketEvent = { ...facts, envelope: envelope(`opened:${factsDigest(facts)}`, openedAt) };
  if (verdict === 'open') {
    const use = { closure: null, duplicateOfMatched, channelDefaulted };
    return { ticketId, openedAt, closed: false, events: [opened], use };
  }

  const closedAt = time(c, r, 'closedAt', openedAt);
  const closedColumn = columnsOf(m, 'closedAt').join('|') || status.column;
  if (closedAt === null) throw new Reject(closedColumn, 'closed, but the close time is empty');
  if (closedAt < openedAt) throw new Reject(closedColumn, 'closed before it was opened');
  const rule = parent ? -1 : c.closure.findIndex((x) => x.re.test(text));
  const reason = parent ? 'DUPLICATE' : (c.closure[rule]?.reason ?? m.defaults.closureReason);
  const closure = parent ? ('parent' as const) : rule < 0 ? ('default' as const) : rule;
  const closing: CrmTicketEvent = {
    ...base,
    envelope: envelope('closed', closedAt),
    kind: reason === 'CANCELLED_BY_REQUESTOR' ? 'CANCELLED' : 'RESOLVED',
    duplicateOf: parent,
    closureReason: reason,
  };
  const use = { closure, duplicateOfMatched, channelDefaulted };
  return { ticketId, openedAt, closed: true, events: [opened, closing], use };
}
