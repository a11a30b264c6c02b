import type { SourceWarning } from '../../src/sdk/index.ts';
import { LONGEST_SHIFT_MS, offsetOf, queryStart, reachOf, utcOffset } from './clocks-back.ts';
import { changeKey, maximoDate, type Stored } from './cursor-stored.ts';
import { ChangeOrder, type Moved } from './order.ts';

export { changeKey, feedCursorProblem, maximoDate } from './cursor-stored.ts';

/**
 * Where the Maximo feed stands, and why it reads a little of the past again on every poll.
 *
 * Maximo stamps `changedate` when a change is saved, not when it commits, and each app server
 * stamps it with its own clock. So a change can become visible after later ones with an earlier
 * changedate (a long transaction on one JVM, a clock behind the others). A cursor that only goes
 * forward would skip it for good, and the ticket would never close. Each query therefore starts
 * `lookBack` before the latest changedate read, and what it reads again is recognised by its row
 * version (`workorderid:_rowstamp`, as `_rowstamp` changes with every update) among the changes
 * already published, which the cursor keeps for as long as the look-back can reach them.
 *
 * The remembered changes are bounded twice: by the look-back (older ones can no longer come back)
 * and by a hard cap. Past the cap the oldest seconds are forgotten and the `floor` rises above
 * them: a change dated before the floor counts as published, which is the behaviour without a
 * look-back, and the source says so (CL_SOURCE_CURSOR_FULL) instead of growing without end. The
 * same befalls the oldest seconds of a cursor over the bytes one record may take (MAX_CURSOR_BYTES).
 *
 * A changedate far ahead of the bridge's clock (an app server's clock or time zone set wrong)
 * would carry the cursor, and the start of every later query, hours ahead, skipping whatever the
 * other servers save meanwhile. The cursor stops at `maxAhead` past the bridge's clock instead,
 * the change is published all the same, and the source says so (CL_SOURCE_CLOCK_AHEAD) while it
 * reads such changes.
 *
 * Where clocks go back, Maximo's local-time query hides the repeated hour's changes from a query
 * that starts within it; see clocks-back.ts for how the cursor reaches back for them.
 *
 * It also remembers where each work order's latest change was placed, so that its events keep the
 * order of its row stamps where app servers' clocks disagree (see order.ts).
 */

export interface CursorLimits {
  readonly lookBackMs: number;
  readonly maxRemembered: number;
  readonly maxAheadMs: number;
  /** The Maximo server's IANA zone, when the connector is told it (see clocks-back.ts). */
  readonly serverZone?: string | undefined;
}

/**
 * The most the stored cursor may take, in bytes: it is one Kafka record, and the broker refuses
 * one over its message.max.bytes (1 MiB by default) with the record's key and headers, which
 * would pause the source with its feed stopped. maxRememberedChanges keeps dense changes well
 * under it; sparse ones over a long look-back, or long ids, are held to it here.
 */
export const MAX_CURSOR_BYTES = 900_000;

/** The offsets of two falls in the dates a day apart or less are servers set to different zones, not DST. */
const FALLS_APART_MS = 86_400_000;

/** A change as the feed returns it: enough to recognise it and to name it in a warning. */
export interface FeedChange {
  readonly workorderid: number;
  readonly _rowstamp: string;
  readonly changedate: string;
  readonly wonum: string;
  readonly siteid: string;
  readonly origrecordid?: string | undefined;
}

export class FeedCursor {
  readonly #limits: CursorLimits;
  /** The latest changedate read, never more than maxAhead past the bridge's clock; null: none yet. */
  #at: number | null;
  /** Published changes by key, with their changedate. */
  readonly #published: Map<string, number>;
  /** Changes dated before this are no longer remembered and count as published. */
  #floor: number | null;
  #ahead: { change: FeedChange; byMs: number } | null = null;
  #forgotten = 0;
  /** The stored changedate since() found past the bound, for the warning. */
  #pulledBack: number | null = null;
  /** The offset of the latest changedate read, in minutes, and that date. */
  #offset: { minutes: number; at: number } | null = null;
  #fellAt: number | null = null;
  /** While queries would start before `until`, they start at `from` at the latest (see #watchOffset). */
  #hold: { from: number; until: number } | null = null;
  /** Where this poll's query started (since()); -Infinity from the beginning. */
  #queryFrom = Number.NEGATIVE_INFINITY;
  /** The fall of the dates' offset this poll saw and held the queries for, for the log. */
  #fell: { from: string; until: string; offsets: string } | null = null;
  readonly #order: ChangeOrder;

  private constructor(
    limits: CursorLimits,
    at: number | null,
    published: Map<string, number>,
    floor: number | null,
    occurred?: Stored['occurred'],
  ) {
    this.#limits = limits;
    this.#at = at;
    this.#published = published;
    this.#floor = floor;
    this.#order = new ChangeOrder(published, occurred);
  }

  /** An empty cursor is a feed that has found nothing yet. */
  static parse(raw: string | null, limits: CursorLimits): FeedCursor {
    if (raw === null || raw === '') return new FeedCursor(limits, null, new Map(), null);
    const s = JSON.parse(raw) as Stored;
    const at = Date.parse(s.changedate);
    const published = new Map<string, number>(s.seen.map((k) => [k, at]));
    for (const [date, keys] of Object.entries(s.window ?? {})) for (const k of keys) published.set(k, Date.parse(date));
    // Written before the look-back: what lay before its changedate was published or skipped by
    // then, and is not known by key, so reading it again would publish it twice.
    const floor = s.window === undefined ? at : s.floor === undefined ? null : Date.parse(s.floor);
    const cursor = new FeedCursor(limits, at, published, floor, s.occurred);
    cursor.#forgotten = s.forgotten ?? 0;
    if (s.offset !== undefined && s.offsetAt !== undefined)
      cursor.#offset = { minutes: s.offset, at: Date.parse(s.offsetAt) };
    cursor.#fellAt = s.fellAt === undefined ? null : Date.parse(s.fellAt);
    if (s.holdFrom !== undefined && s.holdUntil !== undefined)
      cursor.#hold = { from: Date.parse(s.holdFrom), until: Date.parse(s.holdUntil) };
    return cursor;
  }

  /** The fall of the dates' offset this poll saw and what the queries do about it (see #watchOffset), or null. */
  get clocksWentBack(): { from: string; until: string; offsets: string } | null {
    return this.#fell;
  }

  /** How many published changes the cursor remembers: at most what a look-back reads again. */
  get remembered(): number {
    return this.#published.size;
  }

  /**
   * Where the next query starts (its changedate >=), or null to read from the beginning. A stored
   * cursor already past the bound (written before there was one, or while the bridge's clock was
   * behind) is brought back to it and its floor lifted, so that what it passed over is read.
   */
  since(now: number): string | null {
    if (this.#at === null) return null;
    const bound = this.#bound(now);
    if (this.#at > bound) {
      this.#pulledBack = this.#at;
      this.#at = bound;
      this.#floor = null;
      this.#forgotten = 0;
    }
    const base = Math.max(this.#at - this.#limits.lookBackMs, this.#floor ?? Number.NEGATIVE_INFINITY);
    let start = queryStart(base, this.#limits.serverZone);
    if (this.#hold !== null && base >= this.#hold.until) this.#hold = null;
    if (this.#hold !== null) start = Math.min(start, this.#hold.from);
    this.#queryFrom = start;
    // What the hour the clocks repeated hid lies below the floor too; what the floor forgot is
    // published again rather than that missed (the processor knows a change again by its id).
    if (this.#floor !== null && start < this.#floor) {
      this.#floor = null;
      this.#forgotten = 0;
    }
    return maximoDate(start);
  }

  /** The earliest changedate the next query can answer, with the cursor at `at`. */
  #reach(at: number): number {
    const start = at - this.#limits.lookBackMs;
    const hold = this.#hold !== null && start < this.#hold.until ? this.#hold.from : Infinity;
    return Math.min(reachOf(start, this.#limits.serverZone), hold);
  }

  #bound(now: number): number {
    return Math.floor((now + this.#limits.maxAheadMs) / 1000) * 1000;
  }

  /**
   * Takes one change read from the feed at the bridge's time `now`: true when it is to be
   * published, false when it was published before (or lies before the floor).
   */
  take(change: FeedChange, now: number): boolean {
    const key = changeKey(change);
    const at = Date.parse(change.changedate);
    if (this.#published.has(key) || (this.#floor !== null && at < this.#floor)) {
      this.#noteAhead(change, at, now);
      return false;
    }
    this.#published.set(key, at);
    this.#at = Math.max(this.#at ?? Number.NEGATIVE_INFINITY, Math.min(at, this.#bound(now)));
    this.#noteAhead(change, at, now);
    this.#watchOffset(change.changedate, at, now);
    return true;
  }

  /**
   * Where the event of a change this poll took (see take) stands: its status date (ms), unless
   * the work order's row stamps order it otherwise (see order.ts); `moved` says why, for the log.
   */
  place(
    change: Pick<FeedChange, 'workorderid' | '_rowstamp'>,
    statusdate: number,
  ): { occurredAt: number; moved: Moved | null } {
    return this.#order.place(change, statusdate, this.#published.get(changeKey(change)));
  }

  // Without the server's zone, the clocks going back show only as the dates' offset falling: at
  // the repeated hour's first change if Maximo answers it at the later offset (ahead of the clock,
  // before the clocks went back), at the first change after it if at the earlier one (after). The
  // hour's changes lie at or after the shift before the last date at the old offset, whichever it
  // is, so queries start there at the latest until they would start past the first date at the new
  // one, which is past the hour's first local time. A second fall within a day is servers set to
  // different zones: holding on each would read the same hours over and over. A fall long past,
  // when this poll's query started before the hour anyway (a backlog), hid nothing.
  #watchOffset(date: string, at: number, now: number): void {
    const minutes = offsetOf(date);
    const last = this.#offset;
    if (minutes === null || this.#limits.serverZone !== undefined || (last !== null && at < last.at)) return;
    this.#offset = { minutes, at };
    const shift = last === null ? 0 : (last.minutes - minutes) * 60_000;
    if (last === null || shift <= 0 || shift > LONGEST_SHIFT_MS) return;
    const apart = this.#fellAt === null || at - this.#fellAt > FALLS_APART_MS;
    this.#fellAt = at;
    const from = last.at - shift;
    const until = Math.min(at, now + LONGEST_SHIFT_MS);
    if (!apart || (this.#queryFrom <= from && until + shift < now)) return;
    this.#hold = { from: Math.min(from, this.#hold?.from ?? from), until: Math.max(until, this.#hold?.until ?? until) };
    const offsets = `from UTC${utcOffset(last.minutes)} to UTC${utcOffset(minutes)}`;
    this.#fell = { from: maximoDate(this.#hold.from), until: maximoDate(this.#hold.until), offsets };
  }

  // Read again on every poll while it stays ahead, so the warning lasts as long as the cause.
  #noteAhead(change: FeedChange, at: number, now: number): void {
    const byMs = at - now;
    if (byMs > this.#limits.maxAheadMs && byMs > (this.#ahead?.byMs ?? 0)) this.#ahead = { change, byMs };
  }

  /**
   * Ends a poll: drops what the look-back can no longer reach, applies the cap, and answers the
   * cursor to store and what an operator must see about this reading (see the module comment).
   */
  end(): { cursor: string; warnings: SourceWarning[] } {
    if (this.#at === null) return { cursor: '', warnings: [] };
    const at = this.#at;
    const reach = this.#reach(at);
    for (const [k, date] of this.#published) if (date < reach) this.#published.delete(k);
    if (this.#floor !== null && this.#floor <= reach) {
      this.#floor = null;
      this.#forgotten = 0;
    }
    this.#forget(at, this.#published.size - this.#limits.maxRemembered, (keys) => keys.length);
    let cursor = this.#serialize(at);
    // Over the record's bytes: the oldest seconds go as past the cap, by what their keys take
    // (with a changedate and a placement each, at most), until it fits.
    for (let excess = Buffer.byteLength(cursor) - MAX_CURSOR_BYTES; excess > 0;) {
      if (!this.#forget(at, excess, (keys) => keys.reduce((n, k) => n + 2 * Buffer.byteLength(k) + 40, 0))) break;
      cursor = this.#serialize(at);
      excess = Buffer.byteLength(cursor) - MAX_CURSOR_BYTES;
    }
    return { cursor, warnings: this.#warnings() };
  }

  #serialize(at: number): string {
    const seen: string[] = [];
    const window: Record<string, string[]> = {};
    for (const [k, date] of this.#published) {
      if (date === at) seen.push(k);
      else (window[maximoDate(date)] ??= []).push(k);
    }
    const occurred = this.#order.stored(this.#published);
    const stored: Stored = {
      changedate: maximoDate(at),
      seen,
      window,
      ...(this.#floor === null ? {} : { floor: new Date(this.#floor).toISOString(), forgotten: this.#forgotten }),
      ...(this.#offset === null ? {} : { offset: this.#offset.minutes, offsetAt: maximoDate(this.#offset.at) }),
      ...(this.#fellAt === null ? {} : { fellAt: maximoDate(this.#fellAt) }),
      ...(this.#hold === null
        ? {}
        : { holdFrom: maximoDate(this.#hold.from), holdUntil: maximoDate(this.#hold.until) }),
      ...(occurred === undefined ? {} : { occurred }),
    };
    return JSON.stringify(stored);
  }

  #warnings(): SourceWarning[] {
    const out: SourceWarning[] = [];
    if (this.#ahead !== null) {
      const { change: c, byMs } = this.#ahead;
      out.push({
        code: 'CL_SOURCE_CLOCK_AHEAD',
        detail:
          `work order ${c.siteid}/${c.wonum}${c.origrecordid ? ` (ticket ${c.origrecordid})` : ''} changed at ` +
          `${c.changedate}, ${Math.round(byMs / 1000)} s ahead of the bridge's clock (limit ` +
          `${Math.round(this.#limits.maxAheadMs / 1000)} s): the cursor is held at the limit; check the Maximo ` +
          `servers' clocks and time zones`,
      });
    }
    if (this.#pulledBack !== null) {
      out.push({
        code: 'CL_SOURCE_CLOCK_AHEAD',
        detail:
          `the stored cursor stood at ${maximoDate(this.#pulledBack)}, past the bridge's clock by more than ` +
          `${Math.round(this.#limits.maxAheadMs / 1000)} s: brought back to ${maximoDate(this.#at ?? 0)} and ` +
          `reading from there; check the Maximo servers' clocks and time zones and the bridge's own`,
      });
    }
    // Lasts, across restarts too, until the look-back has moved past the forgotten seconds.
    if (this.#forgotten > 0 && this.#floor !== null) {
      out.push({
        code: 'CL_SOURCE_CURSOR_FULL',
        detail:
          `${this.#forgotten} changes forgotten past the cap of ${this.#limits.maxRemembered} (or of the ` +
          `${MAX_CURSOR_BYTES} bytes the cursor's record may take): changes dated ` +
          `before ${maximoDate(this.#floor + 999)} are no longer read again, so one committed late there is missed`,
      });
    }
    return out;
  }

  // Forgets whole seconds, oldest first, until what they weigh reaches `excess`, so that a second
  // is either known change by change or lies wholly below the floor. The cursor's own second and
  // any ahead of it are kept: without them the next query could not tell which of their changes
  // it has published. False when there was nothing to forget.
  #forget(at: number, excess: number, weigh: (keys: readonly string[]) => number): boolean {
    if (excess <= 0) return false;
    let forgot = false;
    const bySecond = new Map<number, string[]>();
    for (const [k, date] of this.#published)
      if (date < at) (bySecond.get(date) ?? bySecond.set(date, []).get(date))?.push(k);
    for (const date of [...bySecond.keys()].sort((a, b) => a - b)) {
      if (excess <= 0) break;
      const keys = bySecond.get(date) ?? [];
      for (const k of keys) this.#published.delete(k);
      excess -= weigh(keys);
      this.#forgotten += keys.length;
      this.#floor = Math.max(this.#floor ?? Number.NEGATIVE_INFINITY, date + 1);
      forgot = true;
    }
    return forgot;
  }
}
