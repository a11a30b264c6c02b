import { DateTime } from 'luxon';
import { HttpError, type SimRequest, type SimResponse } from '../../src/sdk/index.ts';
import { LABELS, type WorkOrder } from './simulator-model.ts';

/**
 * The part of Maximo's query language the simulator understands: oslc.where clauses joined by
 * "and" (=, !=, >, >=, <, <=, and `in [..]`; "*" matches any value that is set), oslc.orderBy
 * with +/- per attribute, and oslc.select. Anything else is refused with 400, as Maximo does with
 * a where clause it cannot parse.
 *
 * With the server's zone (LocalDates), dates behave as in a Maximo whose database keeps the app
 * server's local time: a query's date is compared in that local time, as JDBC binds it, rows are
 * ordered by it, and dates are answered at the offset the zone gives that local time. In the hour
 * the clocks repeat that is the later one (standard time), as java.util's Calendar and
 * SimpleDateFormat, which Maximo's dates go through, read a repeated local time; `repeated`
 * 'earlier' answers as java.time would. Without it dates are compared as instants.
 */

export interface LocalDates {
  readonly zone: string;
  readonly repeated: 'later' | 'earlier';
  /** false: dates are answered as the local time alone, without an offset. */
  readonly offset: boolean;
}

type Value = string | number;
interface Clause {
  readonly attr: string;
  readonly op: string;
  readonly values: readonly Value[];
}

const DATE_ATTRS = new Set(['changedate', 'statusdate', 'reportdate', 'schedstart']);

function literal(raw: string): Value {
  const s = raw.trim();
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) return s.slice(1, -1);
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new HttpError(400, `BMXAA7845E: cannot read value ${s} in oslc.where`);
  return n;
}

export function parseWhere(where: string | null): Clause[] {
  if (!where) return [];
  return where.split(/\s+and\s+/i).map((part) => {
    const inList = /^\s*([a-z_]+)\s+in\s+\[(.*)\]\s*$/i.exec(part);
    if (inList) {
      const [, attr = '', list = ''] = inList;
      return { attr: attr.toLowerCase(), op: 'in', values: list.split(',').map(literal) };
    }
    const m = /^\s*([a-z_]+)\s*(>=|<=|!=|=|>|<)\s*(.+?)\s*$/i.exec(part);
    if (!m) throw new HttpError(400, `BMXAA7845E: cannot parse oslc.where clause ${part}`);
    const [, attr = '', op = '', value = ''] = m;
    return { attr: attr.toLowerCase(), op, values: [literal(value)] };
  });
}

/** An instant as the local time a database column without a zone keeps in `zone`. */
const localIn = (date: string, zone: string) =>
  DateTime.fromISO(date, { setZone: true }).setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm:ss");

/** A local time as the server answers it, with an offset (see LocalDates). */
function answered(local: string, dates: LocalDates): string {
  if (!dates.offset) return local;
  const read = DateTime.fromISO(local, { zone: dates.zone });
  const [first] = read.getPossibleOffsets().sort((a, b) => a.toMillis() - b.toMillis());
  const at = dates.repeated === 'earlier' ? (first ?? read) : read;
  return at.toISO({ suppressMilliseconds: true }) ?? local;
}

function compare(attr: string, a: unknown, b: Value, dates?: LocalDates): number {
  if (DATE_ATTRS.has(attr) && dates !== undefined)
    return localIn(String(a), dates.zone).localeCompare(localIn(String(b), dates.zone));
  if (DATE_ATTRS.has(attr)) return Date.parse(String(a)) - Date.parse(String(b));
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

export function matches(wo: WorkOrder, clauses: readonly Clause[], dates?: LocalDates): boolean {
  return clauses.every(({ attr, op, values }) => {
    const v = (wo as unknown as Record<string, unknown>)[attr];
    const [first] = values;
    if (op === 'in') return values.some((x) => v !== null && v !== undefined && compare(attr, v, x, dates) === 0);
    if (first === '*') return op === '=' ? v !== null && v !== undefined : v === null || v === undefined;
    if (v === null || v === undefined || first === undefined) return op === '!=';
    const c = compare(attr, v, first, dates);
    return { '=': c === 0, '!=': c !== 0, '>': c > 0, '>=': c >= 0, '<': c < 0, '<=': c <= 0 }[op] ?? false;
  });
}

export function orderBy(list: WorkOrder[], spec: string | null, dates?: LocalDates): WorkOrder[] {
  if (!spec) return list;
  const keys = spec.split(',').map((k) => ({ desc: k.trim().startsWith('-'), attr: k.trim().replace(/^[+-]/, '') }));
  return [...list].sort((x, y) => {
    for (const { desc, attr } of keys) {
      const a = (x as unknown as Record<string, Value>)[attr];
      const b = (y as unknown as Record<string, Value>)[attr];
      if (a === undefined || b === undefined) continue;
      const c = compare(attr, a, b, dates);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
}

/** The record as JSON with only the selected attributes; nulls left out, as Maximo leaves them out. */
export function select(
  wo: WorkOrder,
  spec: string | null,
  href: string,
  internal: (status: string) => string = (status) => status,
  dates?: LocalDates,
): Record<string, unknown> {
  // Nested selections (worklog{logtype}) return the whole child records here.
  const names = spec?.replace(/\{[^}]*\}/g, '').trim();
  const wanted = !names || names === '*' ? null : new Set(names.split(',').map((s) => s.trim()));
  const out: Record<string, unknown> = { href, _rowstamp: wo._rowstamp };
  for (const [k, v] of Object.entries(wo)) {
    if (v === null || (wanted && !wanted.has(k))) continue;
    out[k] = Array.isArray(v) ? v.map(withoutNulls) : v;
    if (dates !== undefined && DATE_ATTRS.has(k) && typeof v === 'string')
      out[k] = answered(localIn(v, dates.zone), dates);
  }
  const maxvalue = internal(wo.status);
  if (!wanted || wanted.has('status')) out['status_description'] = LABELS[maxvalue] ?? wo.status;
  // The internal value of a synonym domain's value, as Maximo answers `<attribute>_maxvalue`.
  if (!wanted || wanted.has('status_maxvalue')) out['status_maxvalue'] = maxvalue;
  return out;
}

function withoutNulls(child: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(child).filter(([, v]) => v !== null));
}

type Row = Record<string, unknown>;

/**
 * A query's answer a page at a time (oslc.pageSize, pageno), with responseInfo.nextPage. With
 * stablepaging=true the later pages come from the result set of the first, kept by an id in the
 * nextPage href, however records change meanwhile; unless the server does not keep result sets
 * (`stable` false), when every page runs the query again and takes the rows at its offset.
 */
export class Pager {
  readonly #kept = new Map<string, Row[]>();
  #next = 1;
  readonly #stable: boolean;

  constructor(stable = true) {
    this.#stable = stable;
  }

  /** `self`: the collection's URL as Maximo writes it in hrefs (see hrefOf). */
  page(r: SimRequest, query: () => Row[], self: string): SimResponse {
    const q = r.query;
    const size = Number(q.get('oslc.pageSize') ?? '0');
    const pageno = Number(q.get('pageno') ?? '1');
    if (!Number.isInteger(size) || size < 0 || !Number.isInteger(pageno) || pageno < 1)
      throw new HttpError(400, 'BMXAA7846E - oslc.pageSize and pageno must be whole numbers');
    const token = q.get('_sptoken');
    const rows = token ? this.#kept.get(token) : query();
    if (!rows) throw new HttpError(400, 'BMXAA7847E - the stable result set has expired; query again');
    const member = size === 0 ? rows : rows.slice((pageno - 1) * size, pageno * size);
    const more = size > 0 && pageno * size < rows.length;
    const next = new URLSearchParams(q);
    next.set('pageno', String(pageno + 1));
    if (more && this.#stable && q.get('stablepaging') === 'true' && !token) {
      const id = `sp${this.#next++}`;
      this.#kept.set(id, rows);
      if (this.#kept.size > 100) this.#kept.delete(this.#kept.keys().next().value ?? '');
      next.set('_sptoken', id);
    }
    const responseInfo = {
      href: `${self}?${q.toString()}`,
      pagenum: pageno,
      totalCount: rows.length,
      ...(more ? { nextPage: { href: `${self}?${next.toString()}` } } : {}),
    };
    return { status: 200, body: { member, href: self, responseInfo } };
  }
}
