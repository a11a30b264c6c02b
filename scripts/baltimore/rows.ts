import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';

/** Baltimore's zone: the CSV's timestamps carry no offset and are read as local wall time in it. */
export const BALTIMORE_ZONE = 'America/New_York';

/** The columns of the Open Baltimore 311 export that the recomputation uses; '' becomes null. */
export interface BaltimoreRow {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly agency: string;
  readonly method: string;
  readonly created: string;
  readonly statusDate: string | null;
  readonly due: string | null;
  readonly close: string | null;
}

export function parseRows(csv: string): BaltimoreRow[] {
  const records: Record<string, string>[] = parse(csv, { columns: true, skip_empty_lines: true });
  const opt = (v: string | undefined): string | null => (v ? v : null);
  return records.map((r, i) => {
    const created = r['CreatedDate'];
    if (!created) throw new Error(`row ${i + 2}: no CreatedDate`);
    return {
      id: r['ServiceRequestNum'] ?? `row-${i + 2}`,
      type: r['SRType'] ?? '',
      status: r['SRStatus'] ?? '',
      agency: r['Agency'] ?? '',
      method: r['MethodReceived'] ?? '',
      created,
      statusDate: opt(r['StatusDate']),
      due: opt(r['DueDate']),
      close: opt(r['CloseDate']),
    };
  });
}

export interface Wall {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const STAMP = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) (AM|PM)$/;

/** "04/12/2018 11:11:26 AM" → its wall-clock fields. */
export function wallOf(text: string): Wall {
  const m = STAMP.exec(text);
  if (!m) throw new Error(`not a Baltimore timestamp (MM/DD/YYYY hh:mm:ss AM): "${text}"`);
  const hour12 = Number(m[4]) % 12;
  return {
    year: Number(m[3]),
    month: Number(m[1]),
    day: Number(m[2]),
    hour: m[7] === 'PM' ? hour12 + 12 : hour12,
    minute: Number(m[5]),
    second: Number(m[6]),
  };
}

/** The wall clock as if it were UTC: what a zone-less dashboard script compares. */
export function naiveMs(text: string): number {
  const w = wallOf(text);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/**
 * The UTC offset (minutes) that holds all day on a local date, or null on a day with a DST change.
 * Luxon's zone arithmetic is slow per stamp and a sample has a few thousand distinct dates.
 */
function steadyOffset(w: Wall): number | null {
  const key = w.year * 10_000 + w.month * 100 + w.day;
  let offset = steadyOffsets.get(key);
  if (offset === undefined) {
    const start = DateTime.fromObject({ year: w.year, month: w.month, day: w.day }, { zone: BALTIMORE_ZONE });
    const end = start.plus({ days: 1 }).minus({ milliseconds: 1 });
    offset = start.offset === end.offset ? start.offset : null;
    steadyOffsets.set(key, offset);
  }
  return offset;
}
const steadyOffsets = new Map<number, number | null>();

/**
 * The instant the wall clock names in Baltimore. A time the spring-forward gap skips moves an
 * hour on (02:43 → 03:43 EDT); in the autumn overlap the earlier (EDT) reading is taken.
 */
export function localMs(text: string): number {
  const w = wallOf(text);
  const offset = steadyOffset(w);
  if (offset !== null) return naiveMs(text) - offset * 60_000;
  return DateTime.fromObject(w, { zone: BALTIMORE_ZONE }).toMillis();
}

/** Whether the wall clock names no instant (gap) or two (overlap) in Baltimore. */
export function dstOddity(text: string): 'gap' | 'overlap' | null {
  const w = wallOf(text);
  if (steadyOffset(w) !== null) return null;
  const dt = DateTime.fromObject(w, { zone: BALTIMORE_ZONE });
  if (dt.hour !== w.hour) return 'gap';
  return dt.plus({ hours: 1 }).hour === dt.hour ? 'overlap' : null;
}

/** When the extract was taken, as near as the file tells: its latest recorded event. */
export function snapshotAt(rows: readonly BaltimoreRow[]): number {
  let latest = -Infinity;
  for (const r of rows) {
    for (const t of [r.created, r.statusDate, r.close]) if (t) latest = Math.max(latest, localMs(t));
  }
  return latest;
}
