import type { ConnectorContext, RejectedRecord, SourceBatch, SourceRecord, SourceWarning } from '../connector.ts';
import { WARN_FOR_MS } from '../lasting-warning.ts';
import { pageEnd, seqOf } from './page.ts';
import { FeedPosition, type PositionLimits } from './position.ts';

/**
 * The seqs above a hole the cursor remembers at most (see FeedPosition): a busy feed reads this
 * many in the wait only at over 80 changes a second for the default two minutes.
 */
export const MAX_REMEMBERED = 10_000;

/** Pages of the read from a hole a poll takes at most, before it reads what is new. */
export const HOLE_PAGES = 10;

/** A page of a feed numbered by a sequence: its changes in seq order, and where it ends. */
export interface SeqPage {
  readonly changes: readonly unknown[];
  /** The system's cursor for the page (POSSE's watermark, the CRM's nextCursor). */
  readonly watermark: number;
}

/** What a connector tells seqFeedPoll of its feed. */
export interface SeqFeed<T> {
  /** The system as messages name it: "POSSE", "CRM". */
  readonly system: string;
  /** What the system calls a page's cursor in its API, as warnings name it: "watermark". */
  readonly cursorName: string;
  /** What the holes a sequence leaves are in this system, as the log line naming them says. */
  readonly holes: string;
  readonly pageSize: number;
  /** Seconds the feed waits at a hole (the connector's holeWaitSeconds). */
  readonly holeWaitSeconds: number;
  /** One page of changes after the seq `after`, at most `limit`. */
  page(after: number, limit: number): Promise<SeqPage>;
  /** A page's changes, one by one (readChanges): read `after` that seq. */
  read(raws: readonly unknown[], after: number): { records: SourceRecord<T>[]; rejected: RejectedRecord[] };
  /** The connector's own warnings, said first on every poll. */
  warnings?(now: number): SourceWarning[];
}

/**
 * How many changes a page is asked for: pageSize, and never fewer than two. A system that reads
 * `after` inclusively answers the change at that seq again (or, scanning rows, looks at the row
 * there again), which fills a page of one: a feed read in pages of one would never move past it.
 */
const pageLimit = (feed: Pick<SeqFeed<unknown>, 'pageSize'>): number => Math.max(2, feed.pageSize);

export const positionLimits = (holeWaitSeconds: number): PositionLimits => ({
  waitMs: holeWaitSeconds * 1_000,
  maxRemembered: MAX_REMEMBERED,
});

/**
 * The poll of a change feed numbered by a database sequence, with its cursor a FeedPosition. With
 * a hole held it reads twice: from the hole, for a change that filled it since, and from the
 * highest seq read, for what is new.
 */
export function seqFeedPoll<T>(feed: SeqFeed<T>, ctx: Pick<ConnectorContext, 'clock' | 'logger'>) {
  const limits = positionLimits(feed.holeWaitSeconds);
  let passedTotal = 0;
  let full: { at: number; forced: number } | null = null;
  // An empty page whose watermark stood ahead of the head: since when, and how far it looked.
  let ahead: { head: number; to: number; since: number } | null = null;
  const warnings = (now: number): SourceWarning[] => {
    const out = feed.warnings?.(now) ?? [];
    if (full !== null && now - full.at < WARN_FOR_MS)
      out.push({
        code: 'CL_SOURCE_CURSOR_FULL',
        detail:
          `more than ${MAX_REMEMBERED} changes were read above a hole in the seqs within holeWaitSeconds: ` +
          `${full.forced === 1 ? '1 seq was' : `${full.forced} seqs were`} read past before the wait was over, ` +
          'so a change committed late there is missed',
      });
    if (ahead !== null && now - ahead.since >= limits.waitMs)
      out.push({
        code: 'CL_SOURCE_CURSOR_HELD',
        detail:
          `the feed's empty pages have answered ${feed.cursorName} ${ahead.to} past seq ${ahead.head} for ` +
          `${Math.round((now - ahead.since) / 1_000)} s, longer than holeWaitSeconds, and a hole below ` +
          `still holds the cursor: nothing after the ${feed.cursorName} is read until the hole is read or passed`,
      });
    return out;
  };

  return async (cursor: string | null): Promise<SourceBatch<T>> => {
    const now = ctx.clock();
    const at = FeedPosition.parse(cursor, limits);
    const head = at.head;
    const { fills, lookedTo } = at.remembered > 0 ? await readHoles(feed, at, head) : { fills: [], lookedTo: at.seq };
    const limit = pageLimit(feed);
    const page = await feed.page(head, limit);
    // A system that reads `after` inclusively answers the change at the head again: it is read,
    // and neither published again nor taken for a page that does not move.
    const changes = page.changes.filter((raw) => {
      const seq = seqOf(raw);
      return seq === null || !at.has(seq);
    });
    const last = Math.max(head, ...changes.map(seqOf).filter((seq) => seq !== null));
    // The feed likely holds more, so the runner reads on at once: a full page, or one whose
    // watermark lies past its last change (a system that caps its pages below pageSize).
    const more = page.changes.length >= limit || (changes.length > 0 && page.watermark > last);
    const { end, placed, guessed } = pageEnd(changes, page.watermark, page.changes.length >= limit, head);
    if (guessed)
      ctx.logger.warn(
        { after: head, end, [feed.cursorName]: page.watermark, changes: changes.length },
        `${feed.system} feed: a full page of changes whose seq cannot be read (dead-lettered); read on after ` +
          `the lowest seq the last of them can have, not at the ${feed.cursorName}: a change still to commit ` +
          'at a seq among them is not read',
      );
    const low = feed.read(fills, at.seq);
    const high = feed.read(changes, head);
    const records: SourceRecord<T>[] = [...low.records, ...high.records];
    const rejected: RejectedRecord[] = [...low.rejected, ...high.rejected];
    // An empty page whose watermark lies ahead of the head looked over the seqs between and found
    // nothing (see passAhead); timed from the first such page at this head.
    const aheadTo = changes.length === 0 && page.watermark > head ? page.watermark : null;
    ahead =
      aheadTo === null
        ? null
        : ahead?.head === head
          ? { ...ahead, to: Math.min(ahead.to, aheadTo) }
          : { head, to: aheadTo, since: now };
    // A page whose changes end at or before the seq asked after, or an empty page that ends
    // below it: its own end, as the feed gave it, for the runner to refuse (CL_SOURCE_CURSOR_STUCK)
    // or to warn of (CL_SOURCE_CURSOR_BEHIND, the feed went back).
    if (changes.length > 0 ? end <= head : page.watermark < head && fills.length === 0)
      return {
        records,
        rejected,
        // At the head itself, the position as it was (with any hole it holds), not the bare seq.
        cursor: changes.length > 0 ? (end === head ? at.toString() : String(end)) : String(page.watermark),
        more,
        warnings: warnings(now),
      };

    for (const raw of fills) at.read(seqOf(raw) ?? 0, now);
    for (const raw of changes) {
      const seq = seqOf(raw);
      if (seq !== null && seq <= end) at.read(seq, now);
    }
    // The page ended at its watermark for changes whose seqs it could not read: those seqs are read.
    for (let seq = end - placed + 1; seq <= end; seq += 1) at.read(seq, now);
    const { passed, forced } = at.settle(now, (from, to) => to <= lookedTo || from > head);
    passAhead(at, now, passed);
    if (passed.length > 0) {
      passedTotal += passed.reduce((n, [from, to]) => n + to - from + 1, 0);
      ctx.logger.info(
        { seqs: passed.map(([from, to]) => (from === to ? `${from}` : `${from}-${to}`)), passedTotal },
        `${feed.system} feed: read on past seqs that never appeared (${feed.holes})`,
      );
    }
    if (forced > 0) {
      const before = full !== null && now - full.at < WARN_FOR_MS ? full.forced : 0;
      full = { at: now, forced: before + forced };
      ctx.logger.warn(
        { forced, maxRemembered: MAX_REMEMBERED },
        `${feed.system} feed: too many seqs above a hole; read past it`,
      );
    }
    return { records, rejected, cursor: at.toString(), more, warnings: warnings(now) };
  };

  /**
   * The seqs from the head to an empty page's watermark are holes this poll looked over: a feed
   * that scans a number of rows and answers only the bridge's among them (the last row scanned as
   * the watermark), or one that answers its head, counting seqs a rolled-back save left or a
   * change not committed yet. They are passed as any hole is, once the watermark has stood ahead
   * for holeWaitSeconds (so a late commit there is still read) and a page of this poll still
   * answers it; and only with no hole held below, as the position keeps no seqs given up on above
   * one (CL_SOURCE_CURSOR_HELD says so past the wait). Kept in memory: a restart waits anew.
   */
  function passAhead(at: FeedPosition, now: number, passed: [number, number][]): void {
    if (ahead === null || now - ahead.since < limits.waitMs || !at.passTo(ahead.to)) return;
    passed.push([ahead.head + 1, ahead.to]);
    ahead = null;
  }
}

/**
 * Reads from the hole towards the head, page by page (at most HOLE_PAGES a poll): the changes
 * committed there since (`fills`), and how far the pages looked (`lookedTo`), which no hole
 * above may be passed before. A page with changes looked to its highest seq; an empty one to its
 * watermark: a feed that scans `limit` rows and answers the bridge's among them (the last row
 * scanned as the watermark) looked no further, and a late commit beyond would be lost if its
 * hole counted as looked over. Never further because a page is short: a system that caps its
 * pages lower would have the same loss. An empty page that looked at nothing past where it was
 * asked from found no row committed there at all: every hole up to the head was looked over.
 */
async function readHoles<T>(
  feed: SeqFeed<T>,
  at: FeedPosition,
  head: number,
): Promise<{ fills: unknown[]; lookedTo: number }> {
  const fills: unknown[] = [];
  const taken = new Set<number>();
  let lookedTo = at.seq;
  for (let pages = 0; pages < HOLE_PAGES && lookedTo < head; pages += 1) {
    const low = await feed.page(lookedTo, pageLimit(feed));
    for (const raw of low.changes) {
      const seq = seqOf(raw);
      if (seq === null || seq >= head || at.has(seq) || taken.has(seq)) continue;
      taken.add(seq);
      fills.push(raw);
    }
    const seqs = low.changes.map(seqOf).filter((seq) => seq !== null);
    const to = low.changes.length === 0 ? low.watermark : Math.max(lookedTo, ...seqs);
    if (to <= lookedTo) return { fills, lookedTo: low.changes.length === 0 ? Number.POSITIVE_INFINITY : lookedTo };
    lookedTo = to;
  }
  return { fills, lookedTo };
}
