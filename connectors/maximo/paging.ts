import { quoted } from './client.ts';
import { maximoDate } from './cursor.ts';

/**
 * How one poll reads on through the Maximo change feed: by key, not by offset.
 *
 * Maximo's next page (responseInfo.nextPage, pageno) is an offset into the query. Unless the
 * server keeps the query's result set (stablepaging holds it in one JVM's memory: a next request
 * that reaches another JVM of a cluster, or a Maximo that does not honour it, runs the query
 * again; the bridge keeps no session cookie to stay on one), each page runs the query again. A
 * work order that changes meanwhile moves from before the page boundary to the end of the
 * changedate order, every later row moves up one place, and one row is on no page. The look-back
 * reads it again only if it lies within lookBackSeconds of where the poll ends, and a backlog
 * spans more: it is skipped for good.
 *
 * So each next page is a query of its own from the second of the last changedate read (>=, the
 * same order). The rows of that second read already are read again and recognised by their row
 * version. Such a query leaves out only rows before the ones read in the feed's order, so none
 * after them is skipped however rows move (one committed late, behind them, is what the look-back
 * is for). Where the rows read at that second fill half a page or more, such a query gets nowhere
 * or not far: that second is read whole by workorderid (changedate within the second, workorderid
 * above the last read), and the feed goes on from the next second. From the start of the second,
 * not from the last row read: Maximo may keep fractions of a second its API does not show, and
 * order by them, so the rows of a second read so far need not be its lowest workorderids.
 *
 * There, Maximo's own next page is tried first and read only where it provably goes on from the
 * rows read: it starts with a row version this poll has read (it overlaps them). One that starts
 * past them may follow a shift, so it is set aside unread, and the poll reads by key alone from
 * then on. It costs a page at most per poll, and a Maximo whose next pages run in a circle is
 * still caught as such (see pagingLoop in feed.ts).
 */

/** A query the poll makes (oslc.where and oslc.orderBy). */
export interface FeedQuery {
  readonly kind: 'query';
  readonly where: string;
  readonly orderBy: string;
}

/** What the poll reads next: a query of its own, or the page Maximo's nextPage names. */
export type FeedRead = FeedQuery | { readonly kind: 'page'; readonly href: string };

/** What the paging needs of a row: its version. */
interface Row {
  readonly workorderid: number;
  readonly _rowstamp: string;
}

const SECOND = 1000;
const version = (row: Row) => `${row.workorderid}:${row._rowstamp}`;

export class FeedPaging {
  /** The feed's own conditions (sites, class), which every query keeps. */
  readonly #where: string;
  readonly #pageSize: number;
  /** Row versions this poll has read, new to the feed or not. */
  readonly #read = new Set<string>();
  /** The second of the latest changedate read, in the feed's order; null: no row read yet. */
  #second: number | null = null;
  /** Row versions read at #second: what a query from that second reads again. */
  #atSecond = 0;
  /** Set while #second is read whole by workorderid: the highest one read. */
  #byId: { after: number | null } | null = null;
  /** Row versions the last page added to #read. */
  #fresh = 0;
  #setAside = false;
  #nextPages = true;
  #reread = 0;

  constructor(where: string, pageSize: number) {
    this.#where = where;
    this.#pageSize = pageSize;
  }

  /** The poll's first query: the changes since `since`, or all of them. */
  first(since: string | null): FeedQuery {
    return this.#byDate(since);
  }

  /**
   * Rows the poll reads again by design (the rows of a second a next query starts at, a next
   * page set aside): pages the poll's bound on pages read must allow for.
   */
  get reread(): number {
    return this.#reread;
  }

  /**
   * Whether the page Maximo's nextPage named goes on from the rows read: it starts with a row
   * version this poll has read (or none is read yet). If not, it is set aside, not to be read.
   */
  continues(first: Row | undefined): boolean {
    if (this.#second === null || (first !== undefined && this.#read.has(version(first)))) return true;
    this.#setAside = true;
    this.#nextPages = false;
    this.#reread += this.#pageSize;
    return false;
  }

  /** A row read, in its page's order, with its changedate (ms) as the poll placed it. */
  saw(row: Row, changedate: number): void {
    if (this.#byId) this.#byId.after = Math.max(this.#byId.after ?? row.workorderid, row.workorderid);
    const key = version(row);
    if (this.#read.has(key)) return;
    this.#read.add(key);
    this.#fresh += 1;
    if (this.#byId) return;
    const second = Math.floor(changedate / SECOND) * SECOND;
    if (this.#second === null || second > this.#second) {
      this.#second = second;
      this.#atSecond = 0;
    }
    // One dated before the latest second lies after it in the feed all the same: counted there.
    this.#atSecond += 1;
  }

  /**
   * What to read after the page just read, which held `rows` rows and had `next` as Maximo's
   * nextPage (its href) or none; null when the feed is read to its end.
   */
  next(rows: number, next: string | undefined): FeedRead | null {
    const fresh = this.#fresh;
    this.#fresh = 0;
    const second = this.#second;
    if (this.#setAside && second !== null) {
      this.#setAside = false;
      return this.#wholeSecond(second);
    }
    if (this.#byId !== null && second !== null) {
      if (next !== undefined) return this.#bySecond(second, this.#byId.after);
      this.#byId = null;
      this.#second = second + SECOND;
      this.#atSecond = 0;
      return this.#byDate(maximoDate(this.#second));
    }
    if (next === undefined) return null;
    // Nothing read to go on from: Maximo's next page is the only way on.
    if (second === null) return { kind: 'page', href: next };
    if (fresh > 0 && this.#atSecond * 2 <= rows) {
      this.#reread += this.#atSecond;
      return this.#byDate(maximoDate(second));
    }
    return this.#nextPages ? { kind: 'page', href: next } : this.#wholeSecond(second);
  }

  #byDate(since: string | null): FeedQuery {
    const from = since === null ? '' : ` and changedate>=${quoted(since)}`;
    return { kind: 'query', where: `${this.#where}${from}`, orderBy: '+changedate,+workorderid' };
  }

  #wholeSecond(second: number): FeedQuery {
    this.#reread += this.#atSecond;
    this.#byId = { after: null };
    return this.#bySecond(second, null);
  }

  #bySecond(second: number, after: number | null): FeedQuery {
    const within = `changedate>=${quoted(maximoDate(second))} and changedate<${quoted(maximoDate(second + SECOND))}`;
    const past = after === null ? '' : ` and workorderid>${after}`;
    return { kind: 'query', where: `${this.#where} and ${within}${past}`, orderBy: '+workorderid' };
  }
}
