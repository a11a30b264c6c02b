import { z } from 'zod';
import {
  hasOffset,
  malformedResponse,
  rawField,
  readChanges,
  type CloseloopError,
  type Logger,
  type RejectedRecord,
  type SourceRecord,
  type WorkOrderEvent,
} from '../../src/sdk/index.ts';
import { datesIn, feedChangeIn, quoted, type Holder, type MaximoClient, type MaximoWorkOrder } from './client.ts';
import type { MaximoConfig } from './config.ts';
import { firstOccurrence } from './clocks-back.ts';
import { FeedCursor } from './cursor.ts';
import type { Moved } from './order.ts';
import { FeedPaging, type FeedRead } from './paging.ts';
import { fromTicket, ownId, workOrderToEvent } from './mapping.ts';

/*
 * The Maximo connector's source: one poll of the change feed (see poll), with what it makes of
 * rows it cannot place. Its own module beside index.ts, which is kept under 400 lines.
 */

/**
 * A nextPage pointing at a page this poll has read already: Maximo's paging runs in a circle, and
 * following it would read the same pages for good. The poll fails (the source pauses, saying so)
 * rather than publish what it read, as any page that breaks the API's promise does.
 */
function pagingLoop(url: string): CloseloopError {
  const { origin, pathname, searchParams } = new URL(url);
  const pageno = searchParams.get('pageno');
  return malformedResponse(
    'reading the next page of a Maximo query',
    `responseInfo.nextPage points at a page this poll has read already (${origin}${pathname}` +
      `${pageno === null ? '' : `, pageno ${pageno}`}): its paging runs in a circle`,
  );
}

/**
 * A poll that read more pages than the look-back's published changes, the rows its paging reads
 * again and maxPagesPerPoll pages of new ones can fill, none of them new, with Maximo offering
 * more: its paging repeats itself (pages that do not end, the same rows again) or answers rows the
 * query did not ask for, and the next poll would read the same pages again.
 */
function pagesExhausted(pages: number, remembered: number, undated: Undated | null): CloseloopError {
  // Rows whose changedate names no instant are placed with the row before them, or where the
  // query started: with nothing else to place them by, the feed cannot get past them.
  const why =
    undated === null
      ? 'its paging repeats itself or answers rows outside the query'
      : `${undated.count} of the rows read have a changedate that names no instant (work order ${undated.example}), ` +
        "so the feed cannot place them past where its query starts: check the format of Maximo's dates";
  return malformedResponse(
    'reading the next page of a Maximo query',
    `${pages} pages read without a change not published before (the look-back holds ${remembered}), ` +
      `and responseInfo.nextPage offers more: ${why}`,
  );
}

/** The rows of a poll whose changedate could not be read: how many, and one, for the error. */
interface Undated {
  count: number;
  readonly example: string;
}

const offsetDate = z.iso.datetime({ offset: true });
const localDate = z.iso.datetime({ local: true });

/**
 * A Maximo that writes its server's local time, without an offset, to a connector told no
 * timeZone. None of its changes can be placed in the feed or read (every date of every row is so),
 * and one placed where its query starts keeps the cursor there for good, reading the same rows
 * poll after poll: the poll fails, naming the setting, whether or not a cursor is stored.
 */
function zoneMissing(raw: unknown): CloseloopError | null {
  for (const field of ['changedate', 'statusdate'] as const) {
    const value = rawField(raw, field);
    if (value === null || hasOffset(value) || !localDate.safeParse(value).success) continue;
    return malformedResponse(
      'reading the Maximo change feed',
      `work order ${rawField(raw, 'siteid') ?? '?'}/${rawField(raw, 'wonum') ?? '?'} has a ${field} without a ` +
        `UTC offset (${value}), which names no instant without the server's zone: set the connector's timeZone ` +
        "to the Maximo server's IANA zone",
    );
  }
  return null;
}

/** A raw work order's changedate, when it names an instant (with its offset); null otherwise. */
function readableDate(raw: unknown): string | null {
  const value = rawField(raw, 'changedate');
  return value !== null && offsetDate.safeParse(value).success ? value : null;
}

/** The first changedate that can be read on a page, for a change before it on the first page. */
function firstDate(members: readonly unknown[], config: MaximoConfig): string | null {
  for (const wo of members) {
    const date = readableDate(datesIn(wo, config.timeZone));
    if (date !== null) return date;
  }
  return null;
}

/** The first page of a feed read from its start, and not one changedate on it can be read. */
function unplaceable(): CloseloopError {
  return malformedResponse(
    'reading the Maximo change feed',
    'no work order on the first page has a changedate that names an instant, so none can be placed in the feed ' +
      "(check the format of Maximo's dates)",
  );
}

/**
 * A work order as read, with its change and status dates as the first occurrence of a local time
 * the clocks repeat where they can only be that (see firstOccurrence). The paging goes by the dates
 * as Maximo answered them, which keep its order.
 */
function asSaved(wo: unknown, config: MaximoConfig, now: number): unknown {
  const dated = datesIn(wo, config.timeZone);
  if (config.timeZone === undefined || dated === null || typeof dated !== 'object') return dated;
  const out = { ...(dated as Record<string, unknown>) };
  for (const field of ['changedate', 'statusdate'] as const) {
    const value = out[field];
    if (typeof value === 'string')
      out[field] = firstOccurrence(value, config.timeZone, now, config.maxClockAheadSeconds * 1000);
  }
  return out;
}

/** Says why a change's event is not placed at its status date (see order.ts). */
function logMoved(logger: Logger, wo: MaximoWorkOrder & { origrecordid: string }, moved: Moved): void {
  const iso = (ms: number) => new Date(ms).toISOString();
  logger.info(
    {
      ticketId: wo.origrecordid,
      wonum: wo.wonum,
      siteid: wo.siteid,
      rowstamp: wo._rowstamp,
      statusdate: wo.statusdate,
      occurredAt: iso(moved.occurredAt),
      previous: { rowstamp: moved.latest.rowstamp, occurredAt: iso(moved.latest.occurredAt) },
    },
    moved.occurredAt > moved.statusdate
      ? "a Maximo change with a newer row stamp than the work order's last one is dated before it (app servers' " +
          'clocks disagree): its event is placed just after that one, so that it is not ignored as stale'
      : "a Maximo change with an older row stamp than the work order's last one is dated after it: its event is " +
          'placed just before that one, as the older change it is',
  );
}

/** References asked of Maximo in one query (see ownersOf): an oslc.where well within a URL's length. */
const REFS_PER_QUERY = 100;

const refKey = (siteid: string, ref: string) => `${siteid}\u0000${ref}`;

/**
 * Which work order holds each bridge reference a page's changes carry, by site and reference.
 * Maximo does not refuse a second work order with the same externalrefid (a POST made twice, a
 * planner's copy that kept it). Published under the bridge's work-order id, a second one's
 * changes speak for the bridge's work order: cancelling the copy, as a person settling it would,
 * ends the bridge's work order for good (the ticket back to NEW, the real one's later statuses
 * ignored as a regression). So the lowest workorderid holding a reference at a site, the one made
 * first, is the bridge's, and a later one's changes are published under its own id (site/wonum),
 * as a work order the department opened of its own accord, which it stays once its reference is
 * cleared. Under the bridge's id the sink acts on neither while both hold it
 * (CL_CONNECTOR_DUPLICATE_WORK_ORDER); a command for the copy's own id acts on the copy.
 */
async function ownersOf(api: MaximoClient, rows: readonly unknown[], sites: readonly string[]) {
  const refs = new Set<string>();
  for (const raw of rows) {
    const ref = rawField(raw, 'externalrefid');
    // A value with a double quote cannot be queried, and the bridge writes none.
    if (ref !== null && !ref.includes('"') && rawField(raw, 'origrecordclass') === 'SR') refs.add(ref);
  }
  const owners = new Map<string, Holder>();
  const all = [...refs];
  for (let i = 0; i < all.length; i += REFS_PER_QUERY)
    for (const h of await api.holdersOf(all.slice(i, i + REFS_PER_QUERY), sites)) {
      const known = owners.get(refKey(h.siteid, h.externalrefid));
      if (known === undefined || h.workorderid < known.workorderid) owners.set(refKey(h.siteid, h.externalrefid), h);
    }
  return owners;
}

/** Says why a change is published under its work order's own id, not the reference it carries. */
function logSecond(logger: Logger, wo: MaximoWorkOrder & { origrecordid: string }, first: Holder): void {
  logger.warn(
    {
      ticketId: wo.origrecordid,
      externalrefid: wo.externalrefid,
      siteid: wo.siteid,
      wonum: wo.wonum,
      first: first.wonum,
      workOrderId: ownId(wo),
    },
    "a second Maximo work order holds the bridge's reference: its changes are published as its own work order, " +
      "not the bridge's; commands for the reference are dead-lettered (CL_CONNECTOR_DUPLICATE_WORK_ORDER) " +
      'until a person clears its externalrefid',
  );
}

/**
 * Reads every work-order change since the cursor, less its look-back: a changedate query ordered
 * by changedate and workorderid, read on page by page by key, so that records changing meanwhile
 * cannot shift a row off the pages (see paging.ts). See cursor.ts for why it reads some of the
 * past again and how it publishes each change once.
 */
export async function poll(
  api: MaximoClient,
  config: MaximoConfig,
  raw: string | null,
  o: { now: number; logger: Logger; signal?: AbortSignal | undefined; dated?: (changedate: string) => void },
) {
  const { now, signal } = o;
  const bySite = new Map(Object.entries(config.departments).map(([d, s]) => [s, d]));
  const cursor = FeedCursor.parse(raw, {
    lookBackMs: config.lookBackSeconds * 1000,
    maxRemembered: config.maxRememberedChanges,
    maxAheadMs: config.maxClockAheadSeconds * 1000,
    serverZone: config.timeZone,
  });
  const since = cursor.since(now);
  const sites = [...bySite.keys()].map(quoted).join(',');
  const paging = new FeedPaging(`siteid in [${sites}] and origrecordclass="SR"`, config.pageSize);
  let reading: FeedRead = paging.first(since);
  let page = await api.feed({ where: reading.where, orderBy: reading.orderBy, pageSize: config.pageSize });
  const records: SourceRecord<WorkOrderEvent>[] = [];
  const rejected: RejectedRecord[] = [];
  // Every page read counts toward a bound: a Maximo whose nextPage keeps pointing on (at itself,
  // at pages it gave already) would otherwise hold one poll for good, and the runner's stop()
  // with it. Pages of changes published before (the look-back read again, or a second with more
  // changes than a page holds) can be no more than the cursor remembers and the rows the paging
  // reads again by design; past those, a batch is handed over after maxPagesPerPoll pages with a
  // new change.
  const known = cursor.remembered;
  const budget = () => config.maxPagesPerPoll + Math.ceil((known + paging.reread) / config.pageSize);
  const followed = new Set<string>();
  let fresh = 0;
  let pagesWithNew = 0;
  // Where the last change read sits: a change whose changedate cannot be read is placed there.
  let placed = since;
  let undated: Undated | null = null;
  for (let pages = 1; ; pages += 1) {
    const unread: unknown[] = [];
    // Maximo's next page is read only where it provably goes on from the rows read.
    const kept = reading.kind === 'query' || paging.continues(page.member[0]);
    for (const wo of kept ? page.member : []) {
      // Placed by its position alone; the rest of it is read below, one change at a time. A local
      // time without the server's zone fails the poll (see zoneMissing). The query orders by
      // changedate, so one whose changedate is no date lies with the one before it; it is
      // remembered there by its row stamp, so the look-back does not dead-letter it again.
      const zoneless = config.timeZone === undefined ? zoneMissing(wo) : null;
      if (zoneless !== null) throw zoneless;
      const readable = readableDate(datesIn(wo, config.timeZone));
      if (readable === null) {
        undated ??= { count: 0, example: `${rawField(wo, 'siteid') ?? '?'}/${rawField(wo, 'wonum') ?? '?'}` };
        undated.count += 1;
      }
      const changedate = readable ?? placed ?? firstDate(page.member, config);
      if (changedate === null) throw unplaceable();
      placed = changedate;
      o.dated?.(changedate);
      paging.saw(wo, Date.parse(changedate));
      const named = {
        ...wo,
        changedate: firstOccurrence(changedate, config.timeZone, now, config.maxClockAheadSeconds * 1000),
        wonum: rawField(wo, 'wonum') ?? '?',
        siteid: rawField(wo, 'siteid') ?? '?',
      };
      if (!cursor.take({ ...named, origrecordid: rawField(wo, 'origrecordid') ?? undefined }, now)) continue;
      unread.push(asSaved(wo, config, now));
    }
    const owners = await ownersOf(api, unread, [...bySite.keys()]);
    fresh += unread.length;
    if (unread.length > 0) pagesWithNew += 1;
    // The cursor is past each of them, readable or not: one that is not is dead-lettered.
    const read = readChanges(unread, {
      what: 'Maximo work order change',
      schema: feedChangeIn(config.timeZone),
      position: (raw) =>
        `${rawField(raw, 'workorderid')}:${rawField(raw, '_rowstamp')} at ${rawField(raw, 'changedate')}`,
      key: (raw) => rawField(raw, 'origrecordid'),
      map: (wo) => {
        const department = bySite.get(wo.siteid);
        if (department === undefined || !fromTicket(wo)) return null;
        const { occurredAt, moved } = cursor.place(wo, Date.parse(wo.statusdate));
        if (moved !== null) logMoved(o.logger, wo, moved);
        const first = wo.externalrefid === undefined ? undefined : owners.get(refKey(wo.siteid, wo.externalrefid));
        const second = first !== undefined && first.workorderid !== wo.workorderid;
        if (second) logSecond(o.logger, wo, first);
        return workOrderToEvent(wo, department, config.jurisdiction, config.system, { occurredAt, second });
      },
    });
    records.push(...read.records);
    rejected.push(...read.rejected);
    const href = page.responseInfo.nextPage?.href;
    // An href outside the API root is a configuration fault whichever way the feed reads on: the
    // same webappurl writes the work orders' hrefs, which the sink updates.
    if (href) api.nextPageUrl(href);
    const next = paging.next(page.member.length, href);
    // The cursor is where this batch ends, so stopping early loses nothing: the next poll goes on.
    if (!next || pagesWithNew >= config.maxPagesPerPoll) break;
    if (pages >= budget()) {
      if (fresh > 0) break;
      throw pagesExhausted(pages, known, undated);
    }
    signal?.throwIfAborted();
    if (next.kind === 'page') {
      const url = api.nextPageUrl(next.href);
      if (followed.has(url)) throw pagingLoop(url);
      followed.add(url);
      page = await api.nextFeedPage(next.href);
    } else page = await api.feed({ where: next.where, orderBy: next.orderBy, pageSize: config.pageSize });
    reading = next;
  }
  const fell = cursor.clocksWentBack;
  if (fell !== null)
    o.logger.info(
      { ...fell },
      "Maximo's dates fell to a smaller UTC offset: its clocks go back, and the changes saved in the hour they " +
        'repeat have local times that queries in local time from the cursor would pass over. Until its queries ' +
        'would start after `until`, the feed reads from `from`; changes published before that the cursor no ' +
        'longer remembers go out again under the same event id, which the processor knows. Set the ' +
        "connector's timeZone to read that hour without reading again",
    );
  return { records, rejected, ...cursor.end() };
}
